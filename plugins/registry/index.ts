import { definePlugin } from 'fairpod/plugin';
import { DEFAULT_NAME_TEMPLATE } from './nameTemplate.js';
import { RegistryDataSource } from './registrySource.js';

/** The `registry` data manager: data products of a FAIR data registry, named by a template. */
export default definePlugin({
  name: 'registry',
  aliases: ['fair', 'fair_registry', 'data_registry'],
  description:
    'data products in a FAIR data registry (fairpod or FAIR) named by a template; files via their storage roots',
  options: {
    registryUrl: {
      type: 'url',
      required: true,
      description: "the registry's /api/ root, e.g. http://127.0.0.1:8000/api/",
    },
    nameTemplate: {
      type: 'string',
      default: DEFAULT_NAME_TEMPLATE,
      description: 'data product names as facets; versions are the version facet',
    },
    retries: {
      type: 'integer',
      min: 0,
      default: 5,
      description: 'retries of a download after a timeout, reset or 5xx',
    },
    dataRoot: {
      type: 'path',
      description:
        'the local directory the registry’s file:// storage roots may point into (read in place); any other local path a registry names is refused',
    },
    store: {
      type: 'path',
      description:
        'content store for files from http(s) roots (default: the project’s store with fairpod run, else .fairpod/store)',
    },
  },
  create: (options, services) => new RegistryDataSource(options, services),
});
