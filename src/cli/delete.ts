import type { Command } from 'commander';
import { FairpodError } from '../core/errors.js';
import { say, withProject } from './projectCommand.js';

/** `fairpod delete [--force] TOKEN|PATH`. */
export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete a run, data product or file from the registry and store')
    .argument('<token>', 'run id prefix, namespace:name@version, or path')
    .option('--force', 'delete even if it is staged or pushed, or other runs depend on it')
    .action(async (token: string, opts: { force?: boolean }) => {
      const [
        {
          deleteCodeRuns,
          deleteDataProducts,
          dependentRuns,
          protectedRuns,
          pruneOrphans,
          unreferencedStoreFiles,
        },
        { resolveTarget, runsTouching },
      ] = await Promise.all([import('../registry/maintenance.js'), import('../registry/queries.js')]);
      await withProject(async (project) => {
        const { registry, store } = project;
        const target = await resolveTarget(registry, store, token);
        const refuse = (why: string): never => {
          throw new FairpodError(`not deleting ${target.label}: ${why}`, {
            hint: 'use --force to delete it anyway',
          });
        };
        if (target.kind === 'code_run') {
          if (!opts.force && (await protectedRuns(registry)).has(target.id)) refuse('it is staged or pushed');
          const dependents = await dependentRuns(registry, [target.id]);
          if (!opts.force && dependents.length)
            refuse(`${dependents.length} other run(s) read what it wrote`);
          await deleteCodeRuns(registry, [target.id]);
        } else if (target.kind === 'data_product') {
          const staged = await registry
            .knex('fairpod_staging')
            .where({ entity: 'data_product', entity_id: target.id })
            .first('id');
          if (!opts.force && staged) refuse('it is staged or pushed');
          const readers = await runsTouching(registry, [target.objectId], 'code_run_inputs');
          if (!opts.force && readers.length) refuse(`${readers.length} run(s) read it`);
          await deleteDataProducts(registry, [target.id]);
        } else {
          const users = [
            ...(await runsTouching(registry, target.objectIds, 'code_run_inputs')),
            ...(await runsTouching(registry, target.objectIds, 'code_run_outputs')),
          ];
          if (!opts.force && users.length) refuse(`${users.length} run(s) read or wrote it`);
          await registry.write(async (trx) => {
            const components = trx('object_component').whereIn('object_id', target.objectIds).select('id');
            await trx('code_run_inputs').whereIn('object_component_id', components).delete();
            await trx('code_run_outputs').whereIn('object_component_id', components).delete();
            await trx('data_product').whereIn('object_id', target.objectIds).delete();
            await pruneOrphans(trx);
          });
        }
        for (const f of await unreferencedStoreFiles(project)) {
          await store.remove(f);
          say(`removed ${f}`);
        }
        say(`deleted ${target.kind.replace('_', ' ')} ${target.label}`);
      });
    });
}
