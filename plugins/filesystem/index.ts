import { registerPlugin } from '../../src/container.js';
import { FilesystemDataSource } from './filesystemSource.js';

registerPlugin({
  name: 'filesystem',
  aliases: ['local', 'local_files', 'esm_catalog'],
  description: 'local files listed in an ESM collection catalog (JSON header + CSV)',
  options: [
    { flags: '--catalog <file>', description: 'ESM catalog: JSON header (or a bare CSV)' },
    { flags: '--catalog-file <csv>', description: "table to use instead of the header's catalog_file" },
  ],
  plugin: FilesystemDataSource,
});
