import type { Command } from 'commander';
import { sayAll, withProject } from './projectCommand.js';

/** `fairpod status`: runs and data products by state: local only, staged, committed, pushed. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'show runs and data products that are local only, staged, committed (ready to push) or pushed',
    )
    .action(async () => {
      const { redactLocation } = await import('../registry/registry.js');
      await withProject(async ({ registry, settings }) => {
        const k = registry.knex;
        const runs = (await k('code_run as r')
          .leftJoin('fairpod_staging as s', (j) =>
            j.on('s.entity_id', 'r.id').andOnVal('s.entity', 'code_run'),
          )
          .orderBy('r.run_date', 'desc')
          .select('r.run_id', 'r.status', 'r.description', 's.state', 's.remote')) as Array<{
          run_id: string;
          status: string;
          description: string | null;
          state: string | null;
          remote: string | null;
        }>;
        const products = (await k('data_product as d')
          .join('namespace as n', 'd.namespace_id', 'n.id')
          .leftJoin('fairpod_staging as s', (j) =>
            j.on('s.entity_id', 'd.id').andOnVal('s.entity', 'data_product'),
          )
          .orderBy(['n.name', 'd.name', 'd.version'])
          .select('n.name as namespace', 'd.name', 'd.version', 's.state', 's.remote')) as Array<{
          namespace: string;
          name: string;
          version: string;
          state: string | null;
          remote: string | null;
        }>;
        const lines = [
          `user ${settings.user.name}, namespace ${settings.namespace}, registry ${redactLocation(settings.registry)}`,
        ];
        const groups: Array<[string, string | null]> = [
          ['committed (ready to push)', 'committed'],
          ['staged', 'staged'],
          ['pushed', 'pushed'],
          ['local only', null],
        ];
        for (const [title, state] of groups) {
          const r = runs.filter((x) => x.state === state);
          const p = products.filter((x) => x.state === state);
          if (!r.length && !p.length) continue;
          lines.push(`${title}:`);
          for (const x of r)
            lines.push(
              `  run ${x.run_id.slice(0, 12)}${x.status === 'running' ? ' (NOT FINISHED)' : x.status === 'failed' ? ' (failed)' : ''}${x.remote ? ` -> ${x.remote}` : ''}  ${x.description ?? ''}`.trimEnd(),
            );
          for (const x of p)
            lines.push(
              `  data product ${x.namespace}:${x.name}@${x.version}${x.remote ? ` -> ${x.remote}` : ''}`,
            );
        }
        sayAll(lines);
      });
    });
}
