import type { Knex } from 'knex';
import { chunks, IDS_PER_STATEMENT } from './batches.js';
import { storeRootUrlOf } from './codeRun.js';
import type { Project } from './project.js';
import type { Registry, RowId } from './registry.js';

/** Kinds of things `add` can stage for push. */
export type StagedEntity = 'code_run' | 'data_product';

/** Ids of code runs that are staged, committed or pushed (kept by gc, refused by delete without --force). */
export async function protectedRuns(registry: Registry): Promise<Set<RowId>> {
  const rows = (await registry
    .knex('fairpod_staging')
    .where({ entity: 'code_run' })
    .pluck('entity_id')) as RowId[];
  return new Set(rows);
}

/** Runs that read something the given runs wrote (they would lose their lineage). */
export async function dependentRuns(registry: Registry, runIds: RowId[]): Promise<RowId[]> {
  if (!runIds.length) return [];
  const k = registry.knex;
  const written = k('code_run_outputs as o')
    .join('object_component as c', 'o.object_component_id', 'c.id')
    .whereIn('o.code_run_id', runIds)
    .select('c.object_id');
  return (await k('code_run_inputs as i')
    .join('object_component as c', 'i.object_component_id', 'c.id')
    .whereIn('c.object_id', written)
    .whereNotIn('i.code_run_id', runIds)
    .distinct('i.code_run_id')
    .pluck('i.code_run_id')) as RowId[];
}

/** Deletes code runs (their links cascade), then every object and storage location nothing refers to any more. */
export async function deleteCodeRuns(registry: Registry, runIds: RowId[]): Promise<void> {
  await registry.write((trx) => deleteCodeRunsIn(trx, runIds));
}

/** `deleteCodeRuns` inside a caller's transaction (a dry run rolls it back). */
export async function deleteCodeRunsIn(trx: Knex.Transaction, runIds: RowId[]): Promise<void> {
  for (const part of chunks(runIds, IDS_PER_STATEMENT)) {
    await trx('code_run_inputs').whereIn('code_run_id', part).delete();
    await trx('code_run_outputs').whereIn('code_run_id', part).delete();
    await trx('fairpod_staging').where({ entity: 'code_run' }).whereIn('entity_id', part).delete();
    await trx('code_run').whereIn('id', part).delete();
  }
  await pruneOrphans(trx);
}

/** Deletes data products (and their external objects), then orphans. */
export async function deleteDataProducts(registry: Registry, ids: RowId[]): Promise<void> {
  await registry.write(async (trx) => {
    await trx('external_object').whereIn('data_product_id', ids).delete();
    await trx('fairpod_staging').where({ entity: 'data_product' }).whereIn('entity_id', ids).delete();
    await trx('data_product').whereIn('id', ids).delete();
    await pruneOrphans(trx);
  });
}

/** Removes objects no run, data product or release refers to, then storage locations no object uses. */
export async function pruneOrphans(trx: Knex.Transaction): Promise<void> {
  const used = (q: Knex.QueryBuilder, col: string) => q.whereNotNull(col).select(col);
  const referenced = [
    trx('object_component as c')
      .join('code_run_inputs as l', 'l.object_component_id', 'c.id')
      .select('c.object_id'),
    trx('object_component as c')
      .join('code_run_outputs as l', 'l.object_component_id', 'c.id')
      .select('c.object_id'),
    trx('data_product').select('object_id'),
    used(trx('code_run'), 'model_config_id'),
    used(trx('code_run'), 'submission_script_id'),
    used(trx('code_run'), 'code_repo_id'),
    trx('code_repo_release').select('object_id'),
  ];
  let q = trx('object').select('id');
  for (const r of referenced) q = q.whereNotIn('id', r);
  const orphans = (await q.pluck('id')) as RowId[];
  for (const part of chunks(orphans, IDS_PER_STATEMENT)) {
    for (const t of ['keyword', 'licence', 'key_value', 'quality_controlled', 'object_authors'])
      await trx(t).whereIn('object_id', part).delete();
    await trx('issue_component_issues')
      .whereIn('object_component_id', trx('object_component').whereIn('object_id', part).select('id'))
      .delete();
    await trx('object_component').whereIn('object_id', part).delete();
    await trx('object').whereIn('id', part).delete();
  }
  await trx('storage_location')
    .whereNotIn('id', trx('object').whereNotNull('storage_location_id').select('storage_location_id'))
    .whereNotIn('id', trx('external_object').whereNotNull('original_store_id').select('original_store_id'))
    .delete();
}

/** Store files (relative paths) the registry's storage locations say the project's store holds. */
export async function recordedStoreFiles(
  project: Project,
  db: Knex | Knex.Transaction = project.registry.knex,
): Promise<string[]> {
  const root = (await db('storage_root')
    .where({ root: storeRootUrlOf(project.store) })
    .first('id')) as { id: RowId } | undefined;
  return root
    ? ((await db('storage_location').where({ storage_root_id: root.id }).pluck('path')) as string[])
    : [];
}

/** Store files (relative paths) that no storage location of the registry refers to. */
export async function unreferencedStoreFiles(
  project: Project,
  db: Knex | Knex.Transaction = project.registry.knex,
): Promise<string[]> {
  const known = new Set(await recordedStoreFiles(project, db));
  return (await project.store.list()).map((o) => o.relativePath).filter((p) => !known.has(p));
}
