import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { FairpodError } from '../core/errors.js';
import type { ContentStore } from '../store/contentStore.js';
import { hashFile } from '../store/hashing.js';
import type { Registry, RowId } from './registry.js';
import { compareVersions } from './versions.js';

/** One code run as `fairpod log` lists it. */
export interface CodeRunSummary {
  id: RowId;
  run_id: string;
  run_date: string;
  description: string | null;
  status: string;
  finished_at: string | null;
  inputs: number;
  outputs: number;
}

/** A file a run read or wrote, as the registry knows it. */
export interface RecordedFileInfo {
  componentId: RowId;
  objectId: RowId;
  /** storage_root.root + storage_location.path (a local path for `file://` roots). */
  location: string;
  hash: string;
  /** `namespace:name@version` of the data products that are this object. */
  dataProducts: string[];
}

/** Everything known about one code run. */
export interface CodeRunInfo {
  run: CodeRunSummary & { uuid: string; host: string | null; pid: number | null };
  modelConfig?: RecordedFileInfo;
  submissionScript?: RecordedFileInfo;
  codeRepo?: RecordedFileInfo;
  inputs: RecordedFileInfo[];
  outputs: RecordedFileInfo[];
}

/** What a user's token names: a run (by run-id prefix), a data product (`ns:name@version`) or a file (path). */
export type Target =
  | { kind: 'code_run'; id: RowId; label: string }
  | { kind: 'data_product'; id: RowId; objectId: RowId; label: string }
  | { kind: 'file'; objectIds: RowId[]; hash: string; label: string };

/** Code runs, newest first, with their input and output counts. */
export async function listCodeRuns(registry: Registry, ids?: RowId[]): Promise<CodeRunSummary[]> {
  const k = registry.knex;
  const q = k('code_run as r')
    .select(
      'r.id',
      'r.run_id',
      'r.run_date',
      'r.description',
      'r.status',
      'r.finished_at',
      k('code_run_inputs').count('*').where('code_run_id', k.ref('r.id')).as('inputs'),
      k('code_run_outputs').count('*').where('code_run_id', k.ref('r.id')).as('outputs'),
    )
    .orderBy([
      { column: 'r.run_date', order: 'desc' },
      { column: 'r.id', order: 'desc' },
    ]);
  if (ids) q.whereIn('r.id', ids);
  const rows = (await q) as Array<CodeRunSummary & { inputs: string | number; outputs: string | number }>;
  return rows.map((r) => ({ ...r, inputs: Number(r.inputs), outputs: Number(r.outputs) }));
}

/** The code run whose run id starts with `prefix`; a located error when none or several match. */
export async function findCodeRun(registry: Registry, prefix: string): Promise<RowId | undefined> {
  const rows = (await registry
    .knex('code_run')
    .where('run_id', 'like', `${prefix.toLowerCase()}%`)
    .limit(5)
    .select('id', 'run_id')) as Array<{ id: RowId; run_id: string }>;
  if (rows.length > 1) {
    throw new FairpodError(
      `run id prefix ${prefix} is ambiguous: ${rows.map((r) => r.run_id.slice(0, 12)).join(', ')}`,
      { hint: 'give more characters of the run id' },
    );
  }
  return rows[0]?.id;
}

/** Parses `namespace:name@version` (version optional: the latest). */
export function parseDataProductToken(
  token: string,
): { namespace: string; name: string; version?: string } | undefined {
  const m = /^([^:/@\s]+):([^@\s]+?)(?:@([^@\s]+))?$/.exec(token);
  return m ? { namespace: m[1]!, name: m[2]!, version: m[3] } : undefined;
}

/** Resolves a token (run id prefix, `ns:name@version`, or a path) to what it names in the registry. */
export async function resolveTarget(registry: Registry, store: ContentStore, token: string): Promise<Target> {
  const dp = parseDataProductToken(token);
  if (dp) {
    const version = dp.version ?? (await latestVersion(registry, dp.namespace, dp.name));
    const row = version
      ? ((await registry
          .knex('data_product as d')
          .join('namespace as n', 'd.namespace_id', 'n.id')
          .where({ 'n.name': dp.namespace, 'd.name': dp.name, 'd.version': version })
          .first('d.id', 'd.object_id')) as { id: RowId; object_id: RowId } | undefined)
      : undefined;
    if (!row)
      throw new FairpodError(`no data product ${token} in the registry`, {
        hint: 'list data products with `fairpod status`; names are namespace:name@version',
      });
    return {
      kind: 'data_product',
      id: row.id,
      objectId: row.object_id,
      label: `${dp.namespace}:${dp.name}@${version}`,
    };
  }
  if (/^[0-9a-f]{4,40}$/i.test(token)) {
    const id = await findCodeRun(registry, token);
    if (id !== undefined) return { kind: 'code_run', id, label: token };
  }
  const file = path.resolve(token);
  const st = await fs.stat(file).catch(() => undefined);
  if (!st?.isFile()) {
    throw new FairpodError(`${token} names no run, data product or file`, {
      hint: 'give a run id prefix (see `fairpod log`), namespace:name@version, or the path of a recorded file',
    });
  }
  const inStore = !path.relative(store.root, file).startsWith('..');
  const hash = inStore ? (await store.get(file)).sha1 : (await hashFile(file)).digests.sha1!;
  const objects = (await registry
    .knex('object as o')
    .join('storage_location as s', 'o.storage_location_id', 's.id')
    .where('s.hash', hash)
    .select('o.id')) as Array<{ id: RowId }>;
  if (!objects.length)
    throw new FairpodError(`${token} is not recorded in the registry`, {
      hint: 'only files a run read or wrote, or that were registered, have provenance',
    });
  return { kind: 'file', objectIds: objects.map((o) => o.id), hash, label: file };
}

/** The latest semantic version of a data product, if any. */
export async function latestVersion(
  registry: Registry,
  namespace: string,
  name: string,
  db: Knex | Knex.Transaction = registry.knex,
): Promise<string | undefined> {
  const versions = (await db('data_product as d')
    .join('namespace as n', 'd.namespace_id', 'n.id')
    .where({ 'n.name': namespace, 'd.name': name })
    .pluck('d.version')) as string[];
  return versions.sort(compareVersions).at(-1);
}

/** Names of the data products in `namespace` matching a `*` glob (any characters, `/` included). */
export async function matchingDataProducts(
  registry: Registry,
  namespace: string,
  glob: string,
): Promise<string[]> {
  const like = glob.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
  const names = (await registry
    .knex('data_product as d')
    .join('namespace as n', 'd.namespace_id', 'n.id')
    .where('n.name', namespace)
    .andWhereRaw("d.name LIKE ? ESCAPE '\\'", [like])
    .distinct('d.name')
    .pluck('d.name')) as string[];
  return names.sort();
}

/** Files of the given object components (or, with `byObject`, of the given objects' whole_object components). */
export async function describeComponents(
  registry: Registry,
  ids: RowId[],
  byObject = false,
): Promise<RecordedFileInfo[]> {
  if (!ids.length) return [];
  const k = registry.knex;
  const rows = (await k('object_component as c')
    .join('object as o', 'c.object_id', 'o.id')
    .leftJoin('storage_location as s', 'o.storage_location_id', 's.id')
    .leftJoin('storage_root as sr', 's.storage_root_id', 'sr.id')
    .whereIn(byObject ? 'o.id' : 'c.id', ids)
    .andWhere((q) => (byObject ? q.where('c.whole_object', true) : q))
    .select('c.id as componentId', 'o.id as objectId', 'sr.root', 's.path', 's.hash')
    // By content, then uuid: the same order in every registry holding these rows, whatever their paths.
    .orderBy([{ column: 's.hash' }, { column: 'o.uuid' }, { column: 'c.name' }])) as Array<{
    componentId: RowId;
    objectId: RowId;
    root: string | null;
    path: string | null;
    hash: string | null;
  }>;
  const products = (await k('data_product as d')
    .join('namespace as n', 'd.namespace_id', 'n.id')
    .whereIn(
      'd.object_id',
      rows.map((r) => r.objectId),
    )
    .select('d.object_id', 'n.name as namespace', 'd.name', 'd.version')) as Array<{
    object_id: RowId;
    namespace: string;
    name: string;
    version: string;
  }>;
  return rows.map((r) => ({
    componentId: r.componentId,
    objectId: r.objectId,
    location: r.root === null ? '(no storage location)' : localOrUrl(r.root, r.path ?? ''),
    hash: r.hash ?? '',
    dataProducts: products
      .filter((p) => p.object_id === r.objectId)
      .map((p) => `${p.namespace}:${p.name}@${p.version}`),
  }));
}

/** Everything the registry knows about a code run. */
export async function codeRunInfo(registry: Registry, id: RowId): Promise<CodeRunInfo> {
  const k = registry.knex;
  const [summary] = await listCodeRuns(registry, [id]);
  const row = (await k('code_run').where({ id }).first()) as Record<string, unknown>;
  const one = async (objectId: unknown): Promise<RecordedFileInfo | undefined> =>
    objectId ? (await describeComponents(registry, [objectId as RowId], true))[0] : undefined;
  const linked = async (table: string): Promise<RecordedFileInfo[]> =>
    describeComponents(
      registry,
      (await k(table).where({ code_run_id: id }).pluck('object_component_id')) as RowId[],
    );
  return {
    run: {
      ...summary!,
      uuid: row.uuid as string,
      host: row.host as string | null,
      pid: row.pid as number | null,
    },
    modelConfig: await one(row.model_config_id),
    submissionScript: await one(row.submission_script_id),
    codeRepo: await one(row.code_repo_id),
    inputs: await linked('code_run_inputs'),
    outputs: await linked('code_run_outputs'),
  };
}

/** Runs that wrote (`code_run_outputs`) or read (`code_run_inputs`) any of the given objects. */
export async function runsTouching(
  registry: Registry,
  objectIds: RowId[],
  table: 'code_run_outputs' | 'code_run_inputs',
): Promise<RowId[]> {
  if (!objectIds.length) return [];
  return (await registry
    .knex(`${table} as l`)
    .join('object_component as c', 'l.object_component_id', 'c.id')
    .whereIn('c.object_id', objectIds)
    .distinct('l.code_run_id')
    .pluck('l.code_run_id')) as RowId[];
}

/** One step up a lineage: a run that produced something, and the inputs it read (with their own lineage). */
export interface LineageNode {
  run: CodeRunSummary;
  inputs: Array<{ file: RecordedFileInfo; producedBy: LineageNode[] }>;
}

/** Where the given objects came from: the runs that wrote them, their inputs, and so on up to `depth`. */
export async function lineage(
  registry: Registry,
  objectIds: RowId[],
  depth = 8,
  seen = new Set<RowId>(),
): Promise<LineageNode[]> {
  if (depth <= 0) return [];
  const nodes: LineageNode[] = [];
  for (const runId of await runsTouching(registry, objectIds, 'code_run_outputs')) {
    if (seen.has(runId)) continue;
    seen.add(runId);
    const [run] = await listCodeRuns(registry, [runId]);
    const inputIds = (await registry
      .knex('code_run_inputs')
      .where({ code_run_id: runId })
      .pluck('object_component_id')) as RowId[];
    const inputs = [];
    for (const file of await describeComponents(registry, inputIds))
      inputs.push({ file, producedBy: await lineage(registry, [file.objectId], depth - 1, seen) });
    nodes.push({ run: run!, inputs });
  }
  return nodes;
}

/** A storage location as a local path (for `file://` roots) or a URL. */
export function localOrUrl(root: string, relPath: string): string {
  return root.startsWith('file:') ? path.join(fileURLToPath(root), relPath) : root + relPath;
}
