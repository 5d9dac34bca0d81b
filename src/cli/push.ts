import type { Command } from 'commander';
import { say, withProject } from './projectCommand.js';

/** `fairpod push [REMOTE]`: send staged and committed runs and data products to a remote registry. */
export function registerPush(program: Command): void {
  program
    .command('push')
    .description(
      'send staged/committed code runs and data products, with their dependencies and files, to a remote',
    )
    .argument('[remote]', 'remote name (default: the only remote, or origin)')
    .action(async (name: string | undefined) => {
      const [
        { RegistryClient },
        { loadRegistryToken },
        { findRemote },
        { entitiesToPush, markPushed, RegistryPusher },
      ] = await Promise.all([
        import('../registry/client/client.js'),
        import('../registry/client/token.js'),
        import('../registry/sync/remotes.js'),
        import('../registry/sync/push.js'),
      ]);
      await withProject(async (project) => {
        const { name: remoteName, remote } = await findRemote(project.fairpodDir, name);
        const entities = await entitiesToPush(project, remote.url);
        if (entities.length === 0) {
          say(`nothing to push to ${remoteName}`);
          return;
        }
        const token = await loadRegistryToken({ file: remote.token_file });
        const client = new RegistryClient(remote.url, { token });
        const pusher = new RegistryPusher(project, client, { dataStore: remote.data_store, token });
        const report = await pusher.push(entities);
        // The data products that went with the runs are on the remote too: `status` says so.
        const named = new Set(entities.filter((e) => e.entity === 'data_product').map((e) => Number(e.id)));
        const alongside = report.dataProducts
          .filter((id) => !named.has(Number(id)))
          .map((id) => ({ entity: 'data_product' as const, id }));
        await markPushed(project, [...entities, ...alongside], remote.url);
        say(
          `pushed ${entities.length} item(s) to ${remoteName}: ${report.rows} row(s), ` +
            `${report.filesUploaded} file(s) uploaded (${report.bytesUploaded} bytes)`,
        );
      });
    });
}
