import type { Command } from 'commander';
import { say, withProject } from './projectCommand.js';

/** The remotes module, loaded by the command that uses it. */
const remotes = () => import('../registry/sync/remotes.js');

/** `fairpod remote add NAME URL [--token-file F] [--data-store DIR] | remove NAME | list`. */
export function registerRemote(program: Command): void {
  const remote = program.command('remote').description('name the remote registries to push to');
  remote
    .command('add')
    .description('add a remote registry (its token from a mode-600 file or FAIRPOD_REGISTRY_TOKEN)')
    .argument('<name>')
    .argument('<url>', "the registry's base URL or /api/ root")
    .option('--token-file <file>', 'file holding the token for writes (mode 600)')
    .option(
      '--data-store <dir>',
      'where push puts files: a directory the remote serves, or its http(s) /data/ URL (PUT)',
    )
    .action(async (name: string, url: string, options: { tokenFile?: string; dataStore?: string }) => {
      await withProject(async (project) => {
        await (await remotes()).addRemote(project.fairpodDir, name, url, options);
        say(`added remote ${name} ${url}`);
      });
    });
  remote
    .command('remove')
    .description('forget a remote')
    .argument('<name>')
    .action(async (name: string) => {
      await withProject(async (project) => {
        await (await remotes()).removeRemote(project.fairpodDir, name);
        say(`removed remote ${name}`);
      });
    });
  remote
    .command('list')
    .description('list the remotes')
    .action(async () => {
      await withProject(async (project) => {
        for (const [name, r] of Object.entries(await (await remotes()).loadRemotes(project.fairpodDir))) {
          const extras = [
            r.token_file && `token ${r.token_file}`,
            r.data_store && `data store ${r.data_store}`,
          ];
          say([name, r.url, ...extras.filter(Boolean)].join('\t'));
        }
      });
    });
}
