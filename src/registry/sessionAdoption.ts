import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeRootUrlOf } from './codeRun.js';
import type { Project } from './project.js';
import type { RowId } from './registry.js';

/** The name under which a run file is stored (`<namespace>/<name>/<sha1>.<ext>`). */
interface StoreName {
  namespace: string;
  name: string;
}

interface LocationRow {
  id: RowId;
  path: string;
  hash: string;
  public: boolean | number;
  storage_root_id: RowId;
  root: string;
}

/**
 * Makes what a FAIR language API recorded in a session (through the session's server) like fairpod's own
 * records: every local file of the run (its working config, its script, its outputs) ends up in the store
 * under `<namespace>/<name>/<sha1>.<ext>`, read-only, with its storage location pointing there. A file the
 * client left at such a path in the store (pyDataPipeline's `finalise` renames outputs so) is taken in place;
 * one elsewhere (the job directory's config.yaml and script) is copied in and its location moved.
 */
export async function adoptClientRecords(
  project: Project,
  runRowId: RowId,
  namespace: string,
): Promise<void> {
  const k = project.registry.knex;
  const run = (await k('code_run')
    .where({ id: runRowId })
    .first('model_config_id', 'submission_script_id')) as {
    model_config_id: RowId | null;
    submission_script_id: RowId | null;
  };
  const named = new Map<RowId, StoreName>();
  if (run.model_config_id !== null) named.set(run.model_config_id, { namespace, name: 'config' });
  if (run.submission_script_id !== null)
    named.set(run.submission_script_id, { namespace, name: 'submission_script' });
  const outputs = (await k('code_run_outputs as l')
    .join('object_component as c', 'l.object_component_id', 'c.id')
    .leftJoin('data_product as d', 'd.object_id', 'c.object_id')
    .leftJoin('namespace as n', 'd.namespace_id', 'n.id')
    .where('l.code_run_id', runRowId)
    .select('c.object_id', 'd.name', 'n.name as namespace')) as Array<{
    object_id: RowId;
    name: string | null;
    namespace: string | null;
  }>;
  for (const o of outputs) {
    if (!named.has(o.object_id))
      named.set(o.object_id, { namespace: o.namespace ?? namespace, name: o.name ?? 'outputs' });
  }
  const storeRoot = storeRootUrlOf(project.store);
  for (const [objectId, name] of named) {
    const loc = (await k('object as o')
      .join('storage_location as s', 'o.storage_location_id', 's.id')
      .join('storage_root as r', 's.storage_root_id', 'r.id')
      .where('o.id', objectId)
      .first('s.id', 's.path', 's.hash', 's.public', 's.storage_root_id', 'r.root')) as
      LocationRow | undefined;
    if (!loc || !loc.root.startsWith('file:')) continue;
    // pyDataPipeline names a file outside its data store by its absolute path under the store's root.
    const file = path.isAbsolute(loc.path) ? loc.path : path.join(fileURLToPath(loc.root), loc.path);
    if (
      !(await fs.stat(file).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      continue;
    const inStore = !path.relative(project.store.root, file).startsWith('..');
    const layout = inStore && /^[^/]+\/.+\/[0-9a-f]{40}(\.[^/]+)?$/.test(project.store.relative(file));
    const stored = layout
      ? await project.store.claim(file)
      : await project.store.add(file, { ...name, ext: path.extname(file).slice(1) });
    if (loc.root === storeRoot && loc.path === stored.relativePath) continue;
    await moveLocation(project, loc, stored.relativePath, stored.sha1, storeRoot);
  }
}

/** Points location `loc` at `relativePath` in the store; when the store already has a location for the content, its objects move there. */
async function moveLocation(
  project: Project,
  loc: LocationRow,
  relativePath: string,
  sha1: string,
  storeRoot: string,
): Promise<void> {
  const r = project.registry;
  await r.write(async (trx) => {
    const rootId = await r.storageRoot(trx, storeRoot, true);
    const existing = (await trx('storage_location')
      .where({ storage_root_id: rootId, hash: sha1, public: loc.public })
      .whereNot({ id: loc.id })
      .first('id')) as { id: RowId } | undefined;
    if (existing) {
      await trx('object').where({ storage_location_id: loc.id }).update({ storage_location_id: existing.id });
      await trx('storage_location').where({ id: loc.id }).delete();
    } else {
      await trx('storage_location')
        .where({ id: loc.id })
        .update({ storage_root_id: rootId, path: relativePath, hash: sha1 });
    }
  });
}
