import { definePlugin } from 'fairpod/plugin';
import { FilesystemDataSource } from './filesystemSource.js';

/** The `filesystem` data manager: local files listed in an ESM catalog. */
export default definePlugin({
  name: 'filesystem',
  aliases: ['local', 'local_files', 'esm_catalog'],
  description: 'local files listed in an ESM collection catalog (JSON header + CSV)',
  options: {
    catalog: {
      type: 'path',
      required: true,
      description: 'ESM catalog: JSON header (or a bare CSV); `fairpod catalog build DIR` makes one',
    },
    catalogFile: { type: 'path', description: "table to use instead of the header's catalog_file" },
  },
  create: (options) => new FilesystemDataSource(options),
});
