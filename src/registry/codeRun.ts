import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { RegistryProductRef } from '../core/dataKey.js';
import { FairpodError } from '../core/errors.js';
import type { ContentStore, StoredObject } from '../store/contentStore.js';
import { hashFile } from '../store/hashing.js';
import { chunks } from './batches.js';
import { readCodeRepo, type CodeRepoState } from './codeRepo.js';
import { latestVersion } from './queries.js';
import { isoNow, type Registry, type RowId } from './registry.js';
import { bumpVersion, type VersionPart } from './versions.js';

/** What a code run is started with. Files named here are stored and linked to the run. */
export interface CodeRunOptions {
  /** The working config file; its content (with the run date) makes the run id and it is stored as `model_config`. */
  config?: string;
  /** Config content when there is no file (a config built in memory). */
  configContent?: string;
  /** The submission script, stored as `submission_script`. */
  script?: string;
  /** A directory inside the git repository of the code; its commit becomes `code_repo`. */
  repoDir?: string;
  description?: string;
  /** Namespace under which the config and script are stored. */
  namespace: string;
  /** Defaults to now. */
  runDate?: Date;
  /** The run id when the caller computed it already (from the user's config rather than the working one). */
  runId?: string;
  /**
   * The registry user running it: that user's author (`user_author`) is recorded as an author of the
   * object of every data product the run writes, as pyDataPipeline's `finalise` does, so a push carries
   * who made the data.
   */
  user?: string;
}

/** A named, versioned output (`namespace:name@version`). */
export interface DataProductRef {
  namespace: string;
  name: string;
  /**
   * The version, or `{ bump }`: one MAJOR, MINOR or PATCH step up from the latest version of the name (0.0.1
   * for a new name), decided in the transaction that inserts it, so concurrent runs never pick the same one.
   */
  version: string | { bump: VersionPart };
}

/** A file to record: a path, a store object, or a path whose SHA-1 is already known. */
export type RecordedFile = string | StoredObject | { path: string; sha1: string };

/** Options of one recorded read or write. */
export interface RecordOptions {
  description?: string;
  /** Register the written file as this data product (writes only). */
  dataProduct?: DataProductRef;
  /** Named components inside the data product (e.g. the estimates of a TOML file), recorded as outputs too. */
  components?: string[];
  /**
   * The file read is this registry's data product (reads only): the input is the product's object, its rows
   * copied in with the registry's uuid and storage location as `fairpod pull` copies them.
   */
  readOf?: RegistryProductRef;
}

/** How a run ended. `running` stays in the registry if the process died: the run is then "not finished". */
export type CodeRunStatus = 'running' | 'succeeded' | 'failed';

interface PendingItem {
  direction: 'in' | 'out';
  rootId: RowId;
  path: string;
  hash: string;
  ext: string;
  description?: string;
  dataProduct?: DataProductRef;
  components?: string[];
  readOf?: RegistryProductRef;
}

/** Records are written in batches of at most this many, in one transaction each. */
const BATCH_SIZE = 2000;
/** A record waits at most this long before it is written, so a crash loses at most this much history. */
const FLUSH_DELAY_MS = 20;
/** Rows per multi-row statement: 5 columns x 1000 rows stays far below both backends' bound-parameter limits. */
const ROWS_PER_STATEMENT = 1000;

/** The run id: SHA-1 of the configuration's content followed by the date-time string. */
export function computeRunId(configContent: string, runDate: string): string {
  return createHash('sha1').update(configContent).update(runDate).digest('hex');
}

/**
 * The run id of a code run recorded by a registry or client that has none (the FAIR data registry has no
 * `run_id` field): the SHA-1 of its uuid, the same on every registry that copies the run.
 */
export function derivedRunId(uuid: string): string {
  return createHash('sha1').update(uuid).digest('hex');
}

/**
 * One session = one FAIR code run. Opening it inserts the code_run row at once (status `running`) with
 * its config, script and code repository; each read and write is then recorded as it happens, written
 * behind in small transactions (at most `FLUSH_DELAY_MS` late), so a crashed run still shows what it
 * touched. `finish` flushes and marks the run succeeded or failed.
 */
export class CodeRunRecorder {
  private pending: PendingItem[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private readonly rootIds = new Map<string, Promise<RowId>>();
  private readonly fileTypeIds = new Map<string, RowId>();
  private finished = false;

  private constructor(
    readonly registry: Registry,
    readonly store: ContentStore,
    /** Database id of the code_run row. */
    readonly id: RowId,
    /** SHA-1 run id (see `computeRunId`). */
    readonly runId: string,
    readonly uuid: string,
    readonly runDate: string,
    /** The author of what the run writes, if its user has one. */
    private readonly authorId?: RowId,
  ) {}

  /** Opens a code run: stores config and script, reads the code's git state, inserts the code_run row. */
  static async open(
    registry: Registry,
    store: ContentStore,
    options: CodeRunOptions,
  ): Promise<CodeRunRecorder> {
    const runDate = isoNow(options.runDate);
    const configContent =
      options.configContent ?? (options.config ? await fs.readFile(options.config, 'utf8') : '');
    const runId = options.runId ?? computeRunId(configContent, runDate);
    const uuid = randomUUID();
    const files = await storeRunFiles(store, options);
    const id = await registry.write(async (trx) =>
      registry.insert(trx, 'code_run', {
        run_date: runDate,
        description: options.description ?? null,
        ...(await registerRunFiles(registry, trx, store, files)),
        uuid,
        run_id: runId,
        status: 'running',
        host: os.hostname(),
        pid: process.pid,
        last_updated: isoNow(),
      }),
    );
    const author = options.user
      ? ((await registry
          .knex('user_author as ua')
          .join('users as u', 'u.id', 'ua.user_id')
          .where('u.username', options.user)
          .first('ua.author_id')) as { author_id: RowId } | undefined)
      : undefined;
    return new CodeRunRecorder(registry, store, id, runId, uuid, runDate, author?.author_id);
  }

  /**
   * Gives the run the config, script and code repository of `options` where it has none yet: a session
   * whose script's own client (a FAIR language API) recorded some of them keeps the client's.
   */
  async completeRunFiles(
    options: Pick<CodeRunOptions, 'config' | 'script' | 'repoDir' | 'namespace'>,
  ): Promise<void> {
    const row = (await this.registry
      .knex('code_run')
      .where({ id: this.id })
      .first('model_config_id', 'submission_script_id', 'code_repo_id')) as Record<string, RowId | null>;
    const files = await storeRunFiles(this.store, {
      namespace: options.namespace,
      config: row.model_config_id === null ? options.config : undefined,
      script: row.submission_script_id === null ? options.script : undefined,
      repoDir: row.code_repo_id === null ? options.repoDir : undefined,
    });
    await this.registry.write(async (trx) => {
      const ids = await registerRunFiles(this.registry, trx, this.store, files);
      const missing = Object.fromEntries(
        Object.entries(ids).filter(([k, v]) => v !== null && row[k] === null),
      );
      if (Object.keys(missing).length) await trx('code_run').where({ id: this.id }).update(missing);
    });
  }

  /**
   * Joins a code run another process opened (e.g. `fairpod link read` inside `fairpod run CONFIG`) to
   * record into it. Only the opener should `finish` it.
   */
  static async attach(registry: Registry, store: ContentStore, runId: string): Promise<CodeRunRecorder> {
    const row = (await registry
      .knex('code_run')
      .where({ run_id: runId })
      .first('id', 'uuid', 'run_date', 'status')) as
      { id: RowId; uuid: string; run_date: string; status: string } | undefined;
    if (!row)
      throw new FairpodError(`no code run ${runId} in the registry`, {
        hint: 'is FAIRPOD_RUN_ID from a session of this project?',
      });
    if (row.status !== 'running')
      throw new FairpodError(`code run ${runId} has finished (${row.status}); nothing more can be recorded`);
    return new CodeRunRecorder(registry, store, row.id, runId, row.uuid, row.run_date);
  }

  /** Records that the run read `file`. */
  async recordRead(file: RecordedFile, options: RecordOptions = {}): Promise<void> {
    this.enqueue(await this.resolve(file, 'in', options));
  }

  /** Records that the run wrote `file` (optionally registering it as a data product). */
  async recordWrite(file: RecordedFile, options: RecordOptions = {}): Promise<void> {
    this.enqueue(await this.resolve(file, 'out', options));
  }

  /** Waits until every record made so far is in the registry; rethrows a failed write. */
  async flush(): Promise<void> {
    this.startFlush();
    await this.writing;
    this.throwIfFailed();
  }

  /** Flushes and marks the run as ended. A run never finished stays `running` (shown as not finished). */
  async finish(status: Exclude<CodeRunStatus, 'running'>): Promise<void> {
    if (this.finished) return;
    try {
      await this.flush();
    } finally {
      this.finished = true;
      const now = isoNow();
      await this.registry.write((trx) =>
        trx('code_run')
          .where({ id: this.id })
          .update({ status: this.failure ? 'failed' : status, finished_at: now, last_updated: now }),
      );
      await this.store.flush();
    }
  }

  private async resolve(
    file: RecordedFile,
    direction: 'in' | 'out',
    options: RecordOptions,
  ): Promise<PendingItem> {
    if (this.finished)
      throw new FairpodError(`code run ${this.runId} is finished; nothing more can be recorded`);
    if (options.dataProduct && direction === 'in') {
      throw new FairpodError('a data product can only be registered for a written file', {
        hint: 'pass dataProduct to recordWrite',
      });
    }
    const p = typeof file === 'string' ? path.resolve(file) : path.resolve(file.path);
    const readOf = direction === 'in' ? options.readOf : undefined;
    if (readOf) {
      // Where the registry keeps it, not where this run read it: the source checked it against that hash.
      return {
        direction,
        rootId: await this.rootId(readOf.root),
        path: readOf.path,
        hash: readOf.hash,
        ext: extOf(p),
        description: options.description,
        readOf,
      };
    }
    let root: string;
    let relPath: string;
    let hash: string;
    const inStore = !path.relative(this.store.root, p).startsWith('..');
    if (inStore) {
      const stored = typeof file === 'object' && 'relativePath' in file ? file : await this.store.get(p);
      root = storeRootUrlOf(this.store);
      relPath = stored.relativePath;
      hash = stored.sha1;
    } else {
      root = 'file:///';
      relPath = p.slice(1);
      hash = typeof file === 'object' ? file.sha1 : (await hashFile(p)).digests.sha1!;
    }
    return {
      direction,
      rootId: await this.rootId(root),
      path: relPath,
      hash,
      ext: extOf(p),
      description: options.description,
      dataProduct: options.dataProduct,
      components: options.components,
    };
  }

  private rootId(root: string): Promise<RowId> {
    // Cache the promise, not the id: concurrent records of one root must not race to look it up.
    let id = this.rootIds.get(root);
    if (!id) {
      id = this.registry.storageRoot(this.registry.knex, root, root.startsWith('file:'));
      this.rootIds.set(root, id);
    }
    return id;
  }

  private enqueue(item: PendingItem): void {
    this.throwIfFailed();
    this.pending.push(item);
    if (this.pending.length >= BATCH_SIZE) this.startFlush();
    else this.timer ??= setTimeout(() => this.startFlush(), FLUSH_DELAY_MS);
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    this.writing = this.writing.then(() =>
      this.registry
        .write((trx) => this.writeBatch(trx, batch))
        .catch((err: unknown) => {
          this.failure ??= err;
        }),
    );
  }

  private throwIfFailed(): void {
    if (this.failure) {
      throw new FairpodError(
        `recording code run ${this.runId} failed: ${(this.failure as Error).message.slice(-300)}`,
        {
          cause: this.failure,
          hint: 'check that the registry is reachable and writable; the run is marked failed',
        },
      );
    }
  }

  /** Writes a batch with a handful of multi-row statements: locations, objects, components, then links. */
  private async writeBatch(trx: Knex.Transaction, batch: PendingItem[]): Promise<void> {
    const now = isoNow();
    const locKey = (rootId: RowId, hash: string): string => `${rootId}|${hash}`;

    const locations = new Map<string, PendingItem>();
    for (const item of batch)
      if (!locations.has(locKey(item.rootId, item.hash))) locations.set(locKey(item.rootId, item.hash), item);
    const locationIds = new Map<string, RowId>();
    type LocationRow = { id: RowId; storage_root_id: RowId; hash: string };
    const newLocations = new Set<RowId>();
    for (const part of chunks([...locations.values()], ROWS_PER_STATEMENT)) {
      // RETURNING gives the new rows; only locations that already existed need a look-up.
      const created = (await insertValues(
        trx,
        'storage_location',
        ['path', 'hash', 'public', 'storage_root_id', 'last_updated'],
        part.map((i) => [i.path, i.hash, true, i.rootId, now]),
        'ON CONFLICT (storage_root_id, hash, public) DO NOTHING RETURNING id, storage_root_id, hash',
      )) as LocationRow[];
      for (const r of created) {
        locationIds.set(locKey(r.storage_root_id, r.hash), r.id);
        newLocations.add(r.id);
      }
      const existing = part.filter((i) => !locationIds.has(locKey(i.rootId, i.hash)));
      if (existing.length) {
        const rows = (await trx('storage_location')
          .whereIn('storage_root_id', [...new Set(existing.map((i) => i.rootId))])
          .whereIn(
            'hash',
            existing.map((i) => i.hash),
          )
          .andWhere('public', true)
          .select('id', 'storage_root_id', 'hash')) as LocationRow[];
        for (const r of rows) locationIds.set(locKey(r.storage_root_id, r.hash), r.id);
      }
    }
    const locationOf = (i: PendingItem): RowId => locationIds.get(locKey(i.rootId, i.hash))!;

    // A file already known as an object (e.g. a data product some run wrote) is linked as that object,
    // so lineage runs through it; a new file gets a new object with its whole_object component.
    const plain = batch.filter((i) => !i.dataProduct && !i.readOf);
    const firstItemOf = new Map<RowId, PendingItem>();
    for (const i of plain) if (!firstItemOf.has(locationOf(i))) firstItemOf.set(locationOf(i), i);
    const componentOfLocation = new Map<RowId, RowId>();
    const locIds = [...firstItemOf.keys()];
    const knownObjects = new Map<RowId, RowId>();
    // A location created just now has no object yet: only older ones need a look-up.
    for (const part of chunks(
      locIds.filter((l) => !newLocations.has(l)),
      ROWS_PER_STATEMENT,
    )) {
      const rows = (await trx('object')
        .whereIn('storage_location_id', part)
        .groupBy('storage_location_id')
        .select('storage_location_id')
        .min({ id: 'id' })) as Array<{
        storage_location_id: RowId;
        id: RowId;
      }>;
      for (const r of rows) knownObjects.set(r.id, r.storage_location_id);
    }
    for (const part of chunks([...knownObjects.keys()], ROWS_PER_STATEMENT)) {
      await insertValues(
        trx,
        'object_component',
        ['object_id', 'name', 'whole_object', 'last_updated'],
        part.map((o) => [o, 'whole_object', true, now]),
        'ON CONFLICT (object_id, name) DO NOTHING',
      );
      const rows = (await trx('object_component')
        .whereIn('object_id', part)
        .andWhere('whole_object', true)
        .select('id', 'object_id')) as Array<{ id: RowId; object_id: RowId }>;
      for (const r of rows) componentOfLocation.set(knownObjects.get(r.object_id)!, r.id);
    }
    const known = new Set(knownObjects.values());
    for (const part of chunks(
      locIds.filter((l) => !known.has(l)),
      ROWS_PER_STATEMENT,
    )) {
      const rows: unknown[][] = [];
      for (const locId of part) {
        const item = firstItemOf.get(locId)!;
        rows.push([
          randomUUID(),
          locId,
          item.ext ? await this.fileTypeId(trx, item.ext) : null,
          item.description ?? null,
          now,
        ]);
      }
      const objects = (await insertValues(
        trx,
        'object',
        ['uuid', 'storage_location_id', 'file_type_id', 'description', 'last_updated'],
        rows,
        'RETURNING id, storage_location_id',
      )) as Array<{
        id: RowId;
        storage_location_id: RowId;
      }>;
      const components = (await insertValues(
        trx,
        'object_component',
        ['object_id', 'name', 'whole_object', 'last_updated'],
        objects.map((o) => [o.id, 'whole_object', true, now]),
        'RETURNING id, object_id',
      )) as Array<{ id: RowId; object_id: RowId }>;
      const locationOfObject = new Map(objects.map((o) => [o.id, o.storage_location_id]));
      for (const c of components) componentOfLocation.set(locationOfObject.get(c.object_id)!, c.id);
    }

    const links: Record<'in' | 'out', Set<RowId>> = { in: new Set(), out: new Set() };
    for (const i of plain) links[i.direction].add(componentOfLocation.get(locationOf(i))!);
    for (const i of batch.filter((b) => b.dataProduct)) {
      for (const c of await this.registerDataProduct(trx, i, locationOf(i))) links.out.add(c);
    }
    for (const i of batch.filter((b) => b.readOf))
      links.in.add(await this.readDataProduct(trx, i, locationOf(i)));
    for (const [direction, table] of [
      ['in', 'code_run_inputs'],
      ['out', 'code_run_outputs'],
    ] as const) {
      for (const part of chunks([...links[direction]], ROWS_PER_STATEMENT)) {
        await insertValues(
          trx,
          table,
          ['code_run_id', 'object_component_id'],
          part.map((c) => [this.id, c]),
          'ON CONFLICT (code_run_id, object_component_id) DO NOTHING',
        );
      }
    }
  }

  /** A new object + data_product for a written file; returns its whole_object and named components. */
  private async registerDataProduct(
    trx: Knex.Transaction,
    item: PendingItem,
    locationId: RowId,
  ): Promise<RowId[]> {
    const ref = item.dataProduct!;
    const namespaceId = await this.registry.namespace(trx, ref.namespace);
    let version: string;
    if (typeof ref.version === 'string') {
      version = ref.version;
    } else {
      // Nobody else can read the latest version of this name until this transaction ends.
      await this.registry.lockKey(trx, `data_product ${ref.namespace}:${ref.name}`);
      version = bumpVersion(
        await latestVersion(this.registry, ref.namespace, ref.name, trx),
        ref.version.bump,
      );
    }
    const dp = { ...ref, version };
    const taken = await trx('data_product')
      .where({ namespace_id: namespaceId, name: dp.name, version: dp.version })
      .first('id');
    if (taken) {
      throw new FairpodError(`data product ${dp.namespace}:${dp.name}@${dp.version} already exists`, {
        hint: 'data products are immutable: write a new version (e.g. ${{MINOR}} in the config)',
      });
    }
    const { objectId, componentId } = await this.registry.createObject(trx, {
      storage_location_id: locationId,
      file_type_id: item.ext ? await this.fileTypeId(trx, item.ext) : null,
      description: item.description ?? null,
    });
    if (this.authorId !== undefined)
      await trx('object_authors').insert({ object_id: objectId, author_id: this.authorId });
    await trx('data_product').insert({
      object_id: objectId,
      namespace_id: namespaceId,
      name: dp.name,
      version: dp.version,
      last_updated: isoNow(),
    });
    const named = [];
    for (const name of item.components ?? []) {
      named.push(
        await this.registry.insert(trx, 'object_component', {
          object_id: objectId,
          name,
          whole_object: false,
          last_updated: isoNow(),
        }),
      );
    }
    return [componentId, ...named];
  }

  /**
   * The whole_object component of a registry's data product the run read: the local data product of that
   * namespace, name and version, or the rows copied in (namespace, object with the registry's uuid at its
   * storage location, whole_object component, data product), so lineage runs through the product as it
   * does for a local one, and a push of the run links the registry's own object.
   */
  private async readDataProduct(trx: Knex.Transaction, item: PendingItem, locationId: RowId): Promise<RowId> {
    const ref = item.readOf!;
    const now = isoNow();
    const namespaceId = await this.registry.namespace(trx, ref.namespace);
    const key = { namespace_id: namespaceId, name: ref.name, version: ref.version };
    const product = (await trx('data_product').where(key).first('object_id')) as
      { object_id: RowId } | undefined;
    let objectId = product?.object_id;
    if (objectId === undefined) {
      await trx('object')
        .insert({
          uuid: ref.objectUuid,
          storage_location_id: locationId,
          file_type_id: item.ext ? await this.fileTypeId(trx, item.ext) : null,
          last_updated: now,
        })
        .onConflict('uuid')
        .ignore();
      objectId = ((await trx('object').where({ uuid: ref.objectUuid }).first('id')) as { id: RowId }).id;
      await trx('data_product')
        .insert({ ...key, object_id: objectId, last_updated: now })
        .onConflict(['namespace_id', 'name', 'version'])
        .ignore();
    }
    await trx('object_component')
      .insert({ object_id: objectId, name: 'whole_object', whole_object: true, last_updated: now })
      .onConflict(['object_id', 'name'])
      .ignore();
    const component = (await trx('object_component')
      .where({ object_id: objectId, name: 'whole_object' })
      .first('id')) as { id: RowId };
    return component.id;
  }

  private async fileTypeId(trx: Knex.Transaction, ext: string): Promise<RowId> {
    let id = this.fileTypeIds.get(ext);
    if (id === undefined) {
      id = await this.registry.fileType(trx, ext);
      this.fileTypeIds.set(ext, id);
    }
    return id;
  }
}

/** A run's config and script in the store, and its code's git state. */
interface RunFiles {
  config?: StoredObject;
  script?: StoredObject;
  repo?: CodeRepoState;
}

/** Stores a run's config and script and reads its code's git state (before any transaction). */
async function storeRunFiles(
  store: ContentStore,
  options: Pick<CodeRunOptions, 'config' | 'configContent' | 'script' | 'repoDir' | 'namespace'>,
): Promise<RunFiles> {
  const config = options.config
    ? await store.add(options.config, {
        namespace: options.namespace,
        name: 'config',
        ext: extOf(options.config) || 'yaml',
      })
    : options.configContent !== undefined
      ? await store.add(Readable.from([Buffer.from(options.configContent)]), {
          namespace: options.namespace,
          name: 'config',
          ext: 'yaml',
        })
      : undefined;
  const script = options.script
    ? await store.add(options.script, {
        namespace: options.namespace,
        name: 'submission_script',
        ext: extOf(options.script) || 'sh',
      })
    : undefined;
  const repo = options.repoDir ? await readCodeRepo(options.repoDir) : undefined;
  return { config, script, repo };
}

/** Registers stored run files as objects: the code_run columns that name them (null for those absent). */
async function registerRunFiles(
  registry: Registry,
  trx: Knex.Transaction,
  store: ContentStore,
  files: RunFiles,
): Promise<{
  model_config_id: RowId | null;
  submission_script_id: RowId | null;
  code_repo_id: RowId | null;
}> {
  const storedObject = async (o: StoredObject | undefined, description: string): Promise<RowId | null> => {
    if (!o) return null;
    const rootId = await registry.storageRoot(trx, storeRootUrlOf(store), true);
    const locationId = await registry.getOrCreate(
      trx,
      'storage_location',
      { storage_root_id: rootId, hash: o.sha1, public: true },
      { path: o.relativePath },
    );
    const fileTypeId = o.ext ? await registry.fileType(trx, o.ext) : null;
    return (
      await registry.createObject(trx, {
        storage_location_id: locationId,
        file_type_id: fileTypeId,
        description,
      })
    ).objectId;
  };
  let repoId: RowId | null = null;
  const repo = files.repo;
  if (repo) {
    const rootId = await registry.storageRoot(trx, repo.url, repo.url.startsWith('file:'));
    const locationId = await registry.getOrCreate(
      trx,
      'storage_location',
      { storage_root_id: rootId, hash: repo.commit, public: true },
      { path: repo.commit },
    );
    repoId = (
      await registry.createObject(trx, {
        storage_location_id: locationId,
        description: `${repo.name} at ${repo.commit}`,
      })
    ).objectId;
  }
  return {
    model_config_id: await storedObject(files.config, 'working config'),
    submission_script_id: await storedObject(files.script, 'submission script'),
    code_repo_id: repoId,
  };
}

/** Opens a code run on `registry`, storing its files in `store` (see `CodeRunRecorder`). */
export function openCodeRun(
  registry: Registry,
  store: ContentStore,
  options: CodeRunOptions,
): Promise<CodeRunRecorder> {
  return CodeRunRecorder.open(registry, store, options);
}

/** The storage root URL under which store files are registered (`file:///abs/store/`). */
export function storeRootUrlOf(store: ContentStore): string {
  return pathToFileURL(store.root + path.sep).href;
}

function extOf(file: string): string {
  return path.extname(file).slice(1);
}

/**
 * A multi-row `INSERT ... VALUES` with a raw suffix (ON CONFLICT, RETURNING), same SQL on SQLite and
 * PostgreSQL. knex's own multi-row insert on SQLite compiles to a compound SELECT, which is slower to
 * parse and capped at 500 rows; this is the one statement written by hand for the recorder's speed.
 */
async function insertValues(
  trx: Knex.Transaction,
  table: string,
  columns: string[],
  rows: unknown[][],
  suffix = '',
): Promise<unknown[]> {
  if (!rows.length) return [];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO ?? (${columns.map(() => '??').join(', ')}) VALUES ${rows.map(() => tuple).join(', ')} ${suffix}`;
  const result = (await trx.raw(sql, [table, ...columns, ...rows.flat()] as Knex.RawBinding[])) as
    unknown[] | { rows: unknown[] };
  return Array.isArray(result) ? result : result.rows;
}
