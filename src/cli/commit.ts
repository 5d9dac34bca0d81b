import type { Command } from 'commander';
import { FairpodError } from '../core/errors.js';
import { say, withProject } from './projectCommand.js';

/** `fairpod commit -m MESSAGE`: seal what is staged into a commit, ready to push. */
export function registerCommit(program: Command): void {
  program
    .command('commit')
    .description('record the staged runs and data products as a commit, ready for `fairpod push`')
    .requiredOption('-m, --message <text>', 'what this commit holds')
    .action(async (opts: { message: string }) => {
      const { isoNow } = await import('../registry/registry.js');
      await withProject(async ({ registry }) => {
        const n = await registry.write(async (trx) => {
          const staged = (await trx('fairpod_staging').where({ state: 'staged' }).pluck('id')) as number[];
          if (!staged.length) return 0;
          const commitId = await registry.insert(trx, 'fairpod_commit', {
            message: opts.message,
            created_at: isoNow(),
          });
          await trx('fairpod_staging')
            .whereIn('id', staged)
            .update({ state: 'committed', commit_id: commitId, updated_at: isoNow() });
          return staged.length;
        });
        if (!n)
          throw new FairpodError('nothing staged to commit', {
            hint: 'stage runs or data products with `fairpod add` first',
          });
        say(`committed ${n} item(s)`);
      });
    });
}
