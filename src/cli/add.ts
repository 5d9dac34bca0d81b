import type { Command } from 'commander';
import { FairpodError } from '../core/errors.js';
import { say, withProject } from './projectCommand.js';

/** `fairpod add TOKEN...`: stage runs or data products for the next commit (and push). */
export function registerAdd(program: Command): void {
  program
    .command('add')
    .description('stage code runs (run id prefix) or data products (namespace:name@version) for push')
    .argument('<tokens...>')
    .action(async (tokens: string[]) => {
      const [{ resolveTarget }, { isoNow }] = await Promise.all([
        import('../registry/queries.js'),
        import('../registry/registry.js'),
      ]);
      await withProject(async ({ registry, store }) => {
        for (const token of tokens) {
          const target = await resolveTarget(registry, store, token);
          if (target.kind === 'file')
            throw new FairpodError(`${token} is a file: stage the run that wrote it or its data product`, {
              hint: 'see `fairpod info PATH`',
            });
          if (target.kind === 'code_run') {
            const run = await registry.knex('code_run').where({ id: target.id }).first('status', 'run_id');
            if (run.status === 'running')
              throw new FairpodError(`run ${run.run_id.slice(0, 12)} has not finished`, {
                hint: 'only finished runs can be pushed; `fairpod gc --unfinished` removes abandoned ones',
              });
          }
          await registry.write(async (trx) => {
            const row = await trx('fairpod_staging')
              .where({ entity: target.kind, entity_id: target.id })
              .first('state');
            if (!row)
              await trx('fairpod_staging').insert({
                entity: target.kind,
                entity_id: target.id,
                state: 'staged',
                updated_at: isoNow(),
              });
          });
          say(`staged ${target.kind.replace('_', ' ')} ${target.label}`);
        }
      });
    });
}
