import type { Command } from 'commander';
import { FairpodError } from '../core/errors.js';
import type { Project } from '../registry/project.js';
import type { RowId } from '../registry/registry.js';
import { say, withProject } from './projectCommand.js';

interface GcOptions {
  dryRun?: boolean;
  failed?: boolean;
  unfinished?: boolean;
  olderThan?: number;
  unreferenced?: boolean;
}

/** Runs in scope that gc may remove: not staged/committed/pushed, and no kept run read what they wrote. */
async function removableRuns(project: Project, opts: GcOptions): Promise<RowId[]> {
  const { dependentRuns, protectedRuns } = await import('../registry/maintenance.js');
  const k = project.registry.knex;
  const conditions: Array<(q: ReturnType<typeof k>) => void> = [];
  if (opts.failed) conditions.push((q) => q.orWhere('status', 'failed'));
  if (opts.unfinished) conditions.push((q) => q.orWhere('status', 'running'));
  if (opts.olderThan !== undefined)
    conditions.push((q) =>
      q.orWhere('run_date', '<', new Date(Date.now() - opts.olderThan! * 86_400_000).toISOString()),
    );
  if (!conditions.length) return [];
  const candidates = (await k('code_run')
    .where((q) => {
      for (const c of conditions) c(q);
    })
    .pluck('id')) as RowId[];
  const kept = await protectedRuns(project.registry);
  let removable = candidates.filter((id) => !kept.has(id));
  // Drop runs whose outputs a kept run read, until nothing changes (a removed run must not break a lineage).
  for (;;) {
    const dependents = new Set(await dependentRuns(project.registry, removable));
    if (!dependents.size) break;
    const still = [];
    for (const id of removable)
      if (!(await dependentRuns(project.registry, [id])).some((d) => dependents.has(d))) still.push(id);
    if (still.length === removable.length) break;
    removable = still;
  }
  return removable;
}

/** `fairpod gc`: removes what no kept run or staged item needs, within an explicit scope. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description(
      'remove runs in scope that nothing kept needs, and store files no record refers to (needs a scope)',
    )
    .option('--dry-run', 'only list what would be removed')
    .option('--failed', 'scope: failed runs')
    .option('--unfinished', 'scope: runs that never finished (crashed or killed)')
    .option('--older-than <days>', 'scope: runs older than this many days', (v) => Number(v))
    .option(
      '--unreferenced',
      'scope: store files no registry record refers to, and abandoned temporary files',
    )
    .action(async (opts: GcOptions) => {
      if (!opts.failed && !opts.unfinished && opts.olderThan === undefined && !opts.unreferenced) {
        throw new FairpodError('gc needs an explicit scope', {
          hint: 'add one or more of --failed, --unfinished, --older-than DAYS, --unreferenced (try --dry-run first)',
        });
      }
      const [{ deleteCodeRuns, deleteCodeRunsIn, unreferencedStoreFiles }, { abandonedTempFiles }] =
        await Promise.all([import('../registry/maintenance.js'), import('../store/atomicWrite.js')]);
      await withProject(async (project) => {
        const runs = await removableRuns(project, opts);
        const runIds = runs.length
          ? ((await project.registry.knex('code_run').whereIn('id', runs).pluck('run_id')) as string[])
          : [];
        const verb = opts.dryRun ? 'would remove' : 'removed';
        let files: string[];
        if (opts.dryRun) {
          // Delete in a transaction that is rolled back: the dry run lists exactly what a real run removes.
          const trx = await project.registry.knex.transaction();
          try {
            await deleteCodeRunsIn(trx, runs);
            files = await unreferencedStoreFiles(project, trx);
          } finally {
            await trx.rollback();
          }
        } else {
          if (runs.length) await deleteCodeRuns(project.registry, runs);
          files = await unreferencedStoreFiles(project);
        }
        for (const r of runIds) say(`${verb} run ${r.slice(0, 12)}`);
        // Removing runs can orphan store files; they go with --unreferenced or with the runs that owned them.
        const scopeFiles = opts.unreferenced || runs.length ? files : [];
        for (const f of scopeFiles) {
          if (!opts.dryRun) await project.store.remove(f);
          say(`${verb} ${f}`);
        }
        // Temporary files of killed writers (a killed preprocess or `store add`): never results, always garbage.
        const temps = opts.unreferenced
          ? [
              ...(await project.store.cleanTemp(!opts.dryRun)),
              ...(await abandonedTempFiles(project.dir, !opts.dryRun)),
            ]
          : [];
        for (const t of new Set(temps)) say(`${verb} ${t}`);
        say(
          `${verb} ${runIds.length} runs, ${scopeFiles.length} files and ${new Set(temps).size} temporary files`,
        );
      });
    });
}
