import { definePlugin } from 'fairpod/plugin';
import { HttpDataSource } from './httpSource.js';

/** The `http` data manager: files served over HTTP(S), from a catalog of URLs or a crawled directory index. */
export default definePlugin({
  name: 'http',
  aliases: ['https', 'http_catalog', 'autoindex'],
  description:
    'files served over HTTP(S): URLs in an ESM catalog, or a directory index crawled with a DRS template',
  options: {
    catalog: { type: 'path', description: 'ESM catalog: JSON header (or a bare CSV)' },
    catalogFile: { type: 'path', description: "table to use instead of the header's catalog_file" },
    indexUrl: {
      type: 'url',
      description: 'crawl this nginx/Apache directory index instead of reading a catalog',
    },
    template: {
      type: 'string',
      description: 'DRS template of the crawled tree (a name in catalogs/templates or a YAML file)',
    },
    store: {
      type: 'path',
      description:
        'content store for downloads (default: the project’s store with fairpod run, else .fairpod/store)',
    },
    maxConnections: { type: 'integer', min: 1, default: 8, description: 'downloads at once' },
    retries: {
      type: 'integer',
      min: 0,
      default: 5,
      description: 'retries of a download after a timeout, reset or 5xx',
    },
    timeout: {
      type: 'number',
      min: 0.001,
      default: 60,
      description: 'connect timeout and stall timeout of a download, in seconds',
    },
  },
  create: (options, services) => new HttpDataSource(options, services),
});
