import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { say, withProject } from './projectCommand.js';

/** `fairpod pull CONFIG [REMOTE]`: copy the data products a FAIR config reads, with their lineage and files, from a remote. */
export function registerPull(program: Command): void {
  program
    .command('pull')
    .description(
      'copy the data products a FAIR config reads (with their dependencies and lineage) from a remote registry, and fetch their files into the store',
    )
    .argument('<config>', 'FAIR config (config.yaml) whose `read` entries name the data products')
    .argument('[remote]', 'remote name (default: the only remote, or origin)')
    .action(async (configFile: string, name: string | undefined) => {
      const [
        { RegistryClient },
        { loadRegistryToken },
        { RegistryPuller, remoteReads },
        { findRemote },
        { loadFairConfig },
      ] = await Promise.all([
        import('../registry/client/client.js'),
        import('../registry/client/token.js'),
        import('../registry/sync/pull.js'),
        import('../registry/sync/remotes.js'),
        import('../settings/fairConfig.js'),
      ]);
      const config = await loadFairConfig(path.resolve(configFile));
      await withProject(async (project) => {
        const { name: remoteName, remote } = await findRemote(project.fairpodDir, name);
        // Reads need no token; one is sent when configured (a registry may keep some rows private).
        const token = await loadRegistryToken({ file: remote.token_file });
        const client = new RegistryClient(remote.url, { token });
        const wanted = await remoteReads(config, client, project.settings.namespace);
        // Local files are read only from the directory data store the user gave this remote.
        const fileRoots = remote.data_store?.startsWith('file:') ? [fileURLToPath(remote.data_store)] : [];
        const report = await new RegistryPuller(project, client, { fileRoots }).pull(wanted);
        say(
          `pulled ${report.dataProducts.join(', ') || 'nothing'} from ${remoteName}: ${report.rowsAdded} new row(s), ` +
            `${report.filesFetched} file(s) fetched (${report.bytesFetched} bytes)`,
        );
      });
    });
}
