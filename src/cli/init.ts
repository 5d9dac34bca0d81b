import type { Command } from 'commander';
import { say } from './projectCommand.js';

/** `fairpod init`: a `.fairpod/` with registry, store and a user/namespace. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create .fairpod/ here: a local registry, a store, and your user and namespace')
    .argument('[dir]', 'project directory', '.')
    .option('--user <name>', 'user name (default: the login name)')
    .option('--namespace <name>', 'namespace for inputs and outputs (default: the user name)')
    .option('--identifier <uri>', "the author's identifier, e.g. an ORCID URL")
    .option('--registry <url>', 'a postgres:// URL instead of the local SQLite registry')
    .action(
      async (
        dir: string,
        opts: { user?: string; namespace?: string; identifier?: string; registry?: string },
      ) => {
        const { Project } = await import('../registry/project.js');
        const project = await Project.init(dir, opts);
        try {
          say(
            `initialised ${project.fairpodDir} (user ${project.settings.user.name}, namespace ${project.settings.namespace})`,
          );
        } finally {
          await project.close();
        }
      },
    );
}
