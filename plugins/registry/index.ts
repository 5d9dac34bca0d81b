import { registerPlugin } from '../../src/container.js';
import { DEFAULT_NAME_TEMPLATE } from './nameTemplate.js';
import { RegistryDataSource } from './registrySource.js';

registerPlugin({
  name: 'registry',
  aliases: ['fair', 'fair_registry', 'data_registry'],
  description:
    'data products in a FAIR data registry (fairpod or FAIR) named by a template; files via their storage roots',
  options: [
    {
      flags: '--registry-url <url>',
      description: "the registry's /api/ root, e.g. http://127.0.0.1:8000/api/",
    },
    {
      flags: '--name-template <template>',
      description: 'data product names as facets; versions are the version facet',
      defaultValue: DEFAULT_NAME_TEMPLATE,
    },
    {
      flags: '--store <dir>',
      description:
        'content store for files from http(s) roots (default: the project’s store with fairpod run, else .fairpod/store)',
    },
  ],
  plugin: RegistryDataSource,
});
