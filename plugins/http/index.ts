import { registerPlugin } from '../../src/container.js';
import { HttpDataSource } from './httpSource.js';

registerPlugin({
  name: 'http',
  aliases: ['https', 'http_catalog', 'autoindex'],
  description:
    'files served over HTTP(S): URLs in an ESM catalog, or a directory index crawled with a DRS template',
  options: [
    { flags: '--catalog <file>', description: 'ESM catalog: JSON header (or a bare CSV)' },
    { flags: '--catalog-file <csv>', description: "table to use instead of the header's catalog_file" },
    {
      flags: '--index-url <url>',
      description: 'crawl this nginx/Apache directory index instead of reading a catalog',
    },
    {
      flags: '--template <name>',
      description: 'DRS template of the crawled tree (a name in catalogs/templates or a YAML file)',
    },
    {
      flags: '--store <dir>',
      description:
        'content store for downloads (default: the project’s store with fairpod run, else .fairpod/store)',
    },
    { flags: '--max-connections <n>', description: 'downloads at once', defaultValue: '8' },
    {
      flags: '--retries <n>',
      description: 'retries of a download after a timeout, reset or 5xx',
      defaultValue: '5',
    },
    {
      flags: '--timeout <seconds>',
      description: 'connect timeout and stall timeout of a download',
      defaultValue: '60',
    },
  ],
  plugin: HttpDataSource,
});
