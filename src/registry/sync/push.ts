import PQueue from 'p-queue';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FairpodError } from '../../core/errors.js';
import { HashMismatchError } from '../../store/errors.js';
import { rowsWhereIn } from '../batches.js';
import type { RegistryClient } from '../client/client.js';
import { readCodeRepo } from '../codeRepo.js';
import { storeRootUrlOf } from '../codeRun.js';
import type { Project } from '../project.js';
import { localOrUrl } from '../queries.js';
import { isoNow, type RowId } from '../registry.js';
import { openDataStore, type RemoteDataStore } from './dataStores.js';

/** Requests in flight while pushing a run's inputs and outputs. */
const PUSH_CONCURRENCY = 8;

/** What to push: code runs and data products by local row id. */
export interface PushEntity {
  entity: 'code_run' | 'data_product';
  id: RowId;
}

/** How a push stores files. */
export interface PushOptions {
  /**
   * The remote's data store: a writable directory (`file://` URL) or an HTTP root taking PUT uploads
   * (`fairpod registry serve --data-store`). Files under local roots are uploaded there and registered
   * under it; without one, storage locations keep their local roots.
   */
  dataStore?: string;
  /** The token for uploads to an HTTP data store (the registry client's own). */
  token?: string;
}

/** What a push did. */
export interface PushReport {
  /** Rows sent to the remote (created, or found identical there). */
  rows: number;
  /** Files copied into the remote data store (files already there are not counted). */
  filesUploaded: number;
  bytesUploaded: number;
  /** Local ids of every data product now on the remote: those named and those the pushed runs wrote or read. */
  dataProducts: RowId[];
}

type Row = Record<string, unknown>;

/**
 * Sends code runs and data products with everything they refer to (storage roots and locations, file
 * types, authors, objects and their components, namespaces, inputs and outputs), each row after those it
 * refers to, with the same uuids. Every row is sent with post-else-get, so pushing again changes nothing.
 */
export class RegistryPusher {
  /** `table:localId` → the row's URL on the remote. */
  private readonly sent = new Map<string, Promise<string>>();
  private readonly report: Omit<PushReport, 'dataProducts'> = { rows: 0, filesUploaded: 0, bytesUploaded: 0 };
  private readonly dataStore?: RemoteDataStore;
  /** Local rows read ahead in bulk (`table:id`), and what the per-object queries would return. */
  private readonly rows = new Map<string, Row>();
  private readonly authorsOf = new Map<RowId, RowId[]>();
  private readonly componentsOf = new Map<RowId, Row[]>();
  private readonly productsOf = new Map<RowId, RowId[]>();

  constructor(
    private readonly project: Project,
    private readonly client: RegistryClient,
    options: PushOptions = {},
  ) {
    if (options.dataStore) this.dataStore = openDataStore(options.dataStore, { token: options.token });
  }

  /** Pushes the entities in order and returns what was done. */
  async push(entities: PushEntity[]): Promise<PushReport> {
    if (entities.length) await this.userAuthor();
    for (const e of entities) {
      if (e.entity === 'code_run') await this.codeRun(e.id);
      else await this.dataProduct(e.id);
    }
    const dataProducts = [...this.sent.keys()]
      .filter((k) => k.startsWith('data_product:'))
      .map((k) => Number(k.slice('data_product:'.length)));
    return { ...this.report, dataProducts };
  }

  private once(table: string, id: RowId, send: () => Promise<string>): Promise<string> {
    const key = `${table}:${id}`;
    let pending = this.sent.get(key);
    if (!pending) {
      pending = send();
      this.sent.set(key, pending);
    }
    return pending;
  }

  private async row(table: string, id: RowId): Promise<Row> {
    const row =
      this.rows.get(`${table}:${id}`) ??
      ((await this.project.registry.knex(table).where({ id }).first()) as Row | undefined);
    if (!row)
      throw new FairpodError(`${table} ${id} is missing from the local registry`, {
        hint: 'run `fairpod status`',
      });
    return row;
  }

  private async postOrGet(table: string, body: Row): Promise<string> {
    const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== undefined));
    const resource = await this.client.postOrGet(table, clean);
    this.report.rows++;
    return resource.url;
  }

  private async optional(id: unknown, send: (id: RowId) => Promise<string>): Promise<string | null> {
    return id === null || id === undefined ? null : send(Number(id));
  }

  private storageRoot(id: RowId, isFile = true): Promise<string> {
    return this.once(isFile ? 'storage_root' : 'code_root', id, async () => {
      const r = await this.row('storage_root', id);
      // A code repository recorded by its directory (it had no remote then) goes as its `origin` if it has one now.
      const origin =
        !isFile && String(r.root).startsWith('file:') ? await originOf(String(r.root)) : undefined;
      return origin
        ? this.postOrGet('storage_root', { root: origin, local: false })
        : this.postOrGet('storage_root', { root: r.root, local: Boolean(r.local) });
    });
  }

  /** A storage location; `isFile` false for one naming a commit of a code repository, which is never uploaded. */
  private storageLocation(id: RowId, isFile = true): Promise<string> {
    return this.once('storage_location', id, async () => {
      const l = await this.row('storage_location', id);
      const root = await this.row('storage_root', Number(l.storage_root_id));
      const body = { path: l.path, hash: l.hash, public: Boolean(l.public) };
      const dataStore = this.dataStore;
      if (dataStore && isFile && String(root.root).startsWith('file:')) {
        const remotePath = this.remotePath(String(root.root), String(l.path), String(l.hash));
        await this.upload(
          dataStore,
          localOrUrl(String(root.root), String(l.path)),
          remotePath,
          String(l.hash),
        );
        const remoteRoot = await this.once('data_store', 0, () =>
          this.postOrGet('storage_root', { root: dataStore.root, local: dataStore.local }),
        );
        return this.postOrGet('storage_location', { ...body, path: remotePath, storage_root: remoteRoot });
      }
      return this.postOrGet('storage_location', {
        ...body,
        storage_root: await this.storageRoot(Number(root.id), isFile),
      });
    });
  }

  /**
   * A file's path in the remote data store: store paths (`namespace/name/<sha1>.<ext>`) as they are, other
   * files under `files/<sha1>/<name>`, so that two runs writing the same local path never collide there.
   */
  private remotePath(root: string, relPath: string, sha1: string): string {
    if (root === storeRootUrlOf(this.project.store)) return relPath;
    return `files/${sha1}/${path.basename(relPath)}`;
  }

  /** Uploads a local file into the remote data store; its content must still match its registered hash. */
  private async upload(store: RemoteDataStore, source: string, relPath: string, sha1: string): Promise<void> {
    const stat = await fs.stat(source).catch(() => undefined);
    if (!stat) {
      throw new FairpodError(`${source} is missing: it cannot be pushed`, {
        hint: 'the file was removed after it was recorded; `fairpod store verify` lists such files',
      });
    }
    try {
      if (await store.upload(source, relPath, sha1, stat.size)) {
        this.report.filesUploaded++;
        this.report.bytesUploaded += stat.size;
      }
    } catch (err) {
      if (err instanceof HashMismatchError) {
        throw new FairpodError(`${source} does not match its registered hash ${sha1}`, {
          cause: err,
          hint: 'the local file was changed after it was recorded: `fairpod store verify` lists such files',
        });
      }
      throw err;
    }
  }

  private fileType(id: RowId): Promise<string> {
    return this.once('file_type', id, async () => {
      const f = await this.row('file_type', id);
      return this.postOrGet('file_type', { name: f.name, extension: f.extension });
    });
  }

  private author(id: RowId): Promise<string> {
    return this.once('author', id, async () => {
      const a = await this.row('author', id);
      return this.postOrGet('author', { name: a.name, identifier: a.identifier, uuid: a.uuid });
    });
  }

  /**
   * The project user's author, and the remote user's `user_author` link to it, as the FAIR registry holds
   * them (`fair init` registers both; pyDataPipeline's `initialise` looks the author up through them). A
   * remote user who already has an author keeps it.
   */
  private async userAuthor(): Promise<void> {
    const local = (await this.project.registry
      .knex('users as u')
      .join('user_author as ua', 'ua.user_id', 'u.id')
      .where('u.username', this.project.settings.user.name)
      .first('ua.author_id')) as { author_id: RowId } | undefined;
    if (!local) return;
    const author = await this.author(Number(local.author_id));
    const { username } = await this.client.getUrl<{ username: string }>(`${this.client.apiUrl}username/`);
    let user: string | undefined;
    for await (const u of this.client.list('users', { username })) user = u.url;
    if (!user) return;
    const userId = Number(/\/(\d+)\/?$/.exec(user)?.[1]);
    for await (const link of this.client.list('user_author', { user: userId })) {
      void link;
      return;
    }
    await this.postOrGet('user_author', { user, author });
  }

  private namespace(id: RowId): Promise<string> {
    return this.once('namespace', id, async () => {
      const n = await this.row('namespace', id);
      return this.postOrGet('namespace', { name: n.name, full_name: n.full_name, website: n.website });
    });
  }

  /** An object, its components and the data products naming it. */
  private object(id: RowId, isFile = true): Promise<string> {
    return this.once('object', id, async () => {
      const knex = this.project.registry.knex;
      const o = await this.row('object', id);
      const authorIds =
        this.authorsOf.get(id) ??
        ((await knex('object_authors').where({ object_id: id }).pluck('author_id')) as RowId[]);
      const authors: string[] = [];
      for (const a of authorIds) authors.push(await this.author(a));
      const url = await this.postOrGet('object', {
        description: o.description,
        storage_location: await this.optional(o.storage_location_id, (l) => this.storageLocation(l, isFile)),
        file_type: await this.optional(o.file_type_id, (f) => this.fileType(f)),
        uuid: o.uuid,
        authors,
      });
      const components =
        this.componentsOf.get(id) ??
        ((await knex('object_component').where({ object_id: id }).orderBy('id')) as Row[]);
      for (const c of components) {
        this.sent.set(
          `object_component:${String(c.id)}`,
          this.postOrGet('object_component', {
            object: url,
            name: c.name,
            description: c.description,
            whole_object: Boolean(c.whole_object),
          }),
        );
        await this.sent.get(`object_component:${String(c.id)}`);
      }
      const products =
        this.productsOf.get(id) ??
        ((await knex('data_product').where({ object_id: id }).pluck('id')) as RowId[]);
      for (const p of products) await this.dataProductOf(p, url);
      return url;
    });
  }

  private async component(id: RowId): Promise<string> {
    const c = await this.row('object_component', id);
    await this.object(Number(c.object_id));
    return this.sent.get(`object_component:${id}`)!;
  }

  private async dataProduct(id: RowId): Promise<string> {
    const d = await this.row('data_product', id);
    const object = await this.object(Number(d.object_id));
    return this.dataProductOf(id, object);
  }

  private dataProductOf(id: RowId, objectUrl: string): Promise<string> {
    return this.once('data_product', id, async () => {
      const d = await this.row('data_product', id);
      return this.postOrGet('data_product', {
        object: objectUrl,
        namespace: await this.namespace(Number(d.namespace_id)),
        name: d.name,
        version: d.version,
      });
    });
  }

  /**
   * Reads everything a run's inputs and outputs refer to in a few bulk queries (components, objects,
   * locations, roots, file types, authors, data products, namespaces) instead of ten small ones per file.
   */
  private async preloadRun(runId: RowId): Promise<void> {
    const knex = this.project.registry.knex;
    const inChunks = (table: string, column: string, ids: RowId[]): Promise<Row[]> =>
      rowsWhereIn(knex, table, column, ids);
    const keep = (table: string, rows: Row[]): Row[] => {
      for (const r of rows) this.rows.set(`${table}:${Number(r.id)}`, r);
      return rows;
    };
    const componentIds = [
      ...((await knex('code_run_inputs')
        .where({ code_run_id: runId })
        .pluck('object_component_id')) as RowId[]),
      ...((await knex('code_run_outputs')
        .where({ code_run_id: runId })
        .pluck('object_component_id')) as RowId[]),
    ];
    const linked = keep('object_component', await inChunks('object_component', 'id', componentIds));
    const objectIds = [...new Set(linked.map((c) => Number(c.object_id)))];
    const objects = keep('object', await inChunks('object', 'id', objectIds));
    keep(
      'storage_location',
      await inChunks(
        'storage_location',
        'id',
        objects.filter((o) => o.storage_location_id != null).map((o) => Number(o.storage_location_id)),
      ),
    );
    for (const table of ['storage_root', 'file_type', 'namespace', 'author']) keep(table, await knex(table));
    for (const id of objectIds) {
      this.authorsOf.set(id, []);
      this.componentsOf.set(id, []);
      this.productsOf.set(id, []);
    }
    for (const a of await inChunks('object_authors', 'object_id', objectIds))
      this.authorsOf.get(Number(a.object_id))!.push(Number(a.author_id));
    const components = keep('object_component', await inChunks('object_component', 'object_id', objectIds));
    for (const c of components.sort((x, y) => Number(x.id) - Number(y.id)))
      this.componentsOf.get(Number(c.object_id))!.push(c);
    for (const d of keep('data_product', await inChunks('data_product', 'object_id', objectIds)))
      this.productsOf.get(Number(d.object_id))!.push(Number(d.id));
  }

  private codeRun(id: RowId): Promise<string> {
    return this.once('code_run', id, async () => {
      const knex = this.project.registry.knex;
      const r = await this.row('code_run', id);
      if (r.status === 'running') {
        throw new FairpodError(`run ${String(r.run_id).slice(0, 12)} has not finished`, {
          hint: 'only finished runs can be pushed',
        });
      }
      await this.preloadRun(id);
      const links = async (table: string): Promise<string[]> => {
        const ids = (await knex(table)
          .where({ code_run_id: id })
          .orderBy('object_component_id')
          .pluck('object_component_id')) as RowId[];
        // A run's components (and the objects, locations and files behind them) go several at a time: one
        // at a time, a run with 1,000 outputs waits on 4,000 round trips. Rows shared between them are sent once.
        const queue = new PQueue({ concurrency: PUSH_CONCURRENCY });
        return Promise.all(ids.map((c) => queue.add(() => this.component(c))));
      };
      const object = (o: unknown) => this.optional(o, (x) => this.object(x));
      return this.postOrGet('code_run', {
        run_date: r.run_date,
        description: r.description,
        model_config: await object(r.model_config_id),
        submission_script: await object(r.submission_script_id),
        code_repo: await this.optional(r.code_repo_id, (x) => this.object(x, false)),
        uuid: r.uuid,
        inputs: await links('code_run_inputs'),
        outputs: await links('code_run_outputs'),
        run_id: r.run_id,
        status: r.status,
        finished_at: r.finished_at,
        host: r.host,
        pid: r.pid,
      });
    });
  }
}

/** The `origin` remote URL of the git repository at a `file://` root, if it has one. */
async function originOf(root: string): Promise<string | undefined> {
  const state = await readCodeRepo(fileURLToPath(root));
  return state && !state.url.startsWith('file:') ? state.url : undefined;
}

/** The staged, committed and pushed entities not yet pushed to `remoteUrl`, in the order they were staged. */
export async function entitiesToPush(project: Project, remoteUrl: string): Promise<PushEntity[]> {
  const knex = project.registry.knex;
  const rows = (await knex('fairpod_staging as s')
    .whereIn('s.state', ['staged', 'committed', 'pushed'])
    .whereNotExists(knex('fairpod_pushed as p').whereRaw('p.staging_id = s.id').where('p.remote', remoteUrl))
    .orderBy('s.id')
    .select('s.entity', 's.entity_id')) as Array<{ entity: string; entity_id: RowId }>;
  return rows.map((r) => ({ entity: r.entity as PushEntity['entity'], id: r.entity_id }));
}

/** Records that the entities are on `remoteUrl` (as well as on any remote they were pushed to before). */
export async function markPushed(project: Project, entities: PushEntity[], remoteUrl: string): Promise<void> {
  const r = project.registry;
  await r.write(async (trx) => {
    const now = isoNow();
    for (const e of entities) {
      const where = { entity: e.entity, entity_id: e.id };
      await trx('fairpod_staging')
        .where(where)
        .update({ state: 'pushed', remote: remoteUrl, updated_at: now });
      let staging = (await trx('fairpod_staging').where(where).first('id')) as { id: RowId } | undefined;
      // A data product pushed with a run (its output or input) was never staged: it is pushed all the same.
      if (!staging) {
        await trx('fairpod_staging').insert({
          ...where,
          state: 'pushed',
          remote: remoteUrl,
          updated_at: now,
        });
        staging = (await trx('fairpod_staging').where(where).first('id')) as { id: RowId };
      }
      await trx('fairpod_pushed')
        .insert({ staging_id: staging.id, remote: remoteUrl, pushed_at: now })
        .onConflict(['staging_id', 'remote'])
        .ignore();
    }
  });
}
