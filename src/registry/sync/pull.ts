import PQueue from 'p-queue';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { FairpodError, ValidationError } from '../../core/errors.js';
import { Downloader } from '../../fetch/downloader.js';
import type { FairConfig } from '../../settings/fairConfig.js';
import { formatKeyPath, type KeyPath } from '../../settings/locatedDocument.js';
import { resolveUnder } from '../../store/writeOnceFile.js';
import type { Filters, RegistryClient, Resource } from '../client/client.js';
import { derivedRunId } from '../codeRun.js';
import { FAIR_TABLES } from '../migrations.js';
import type { Project } from '../project.js';
import { isoNow, type RowId } from '../registry.js';
import { compareVersions } from '../versions.js';

/** Components of a run whose rows are gathered at once. */
const PULL_CONCURRENCY = 8;

/** What a pull did. */
export interface PullReport {
  /** The data products the config reads, as `namespace:name@version`. */
  dataProducts: string[];
  /** Rows the local registry did not have before. */
  rowsAdded: number;
  /** Files copied or downloaded into the local store (files already there are not counted). */
  filesFetched: number;
  bytesFetched: number;
}

/** The numeric id at the end of a registry row URL. */
function idOf(url: string): number {
  const id = /\/(\d+)\/?$/.exec(url)?.[1];
  if (!id)
    throw new FairpodError(`${url} is not a registry row URL`, { hint: 'is the remote a FAIR registry?' });
  return Number(id);
}

/**
 * The remote data products a FAIR config's `read` entries name: `*` globs expanded and `${{LATEST}}` (the
 * default) resolved against the remote registry. A read the remote cannot satisfy is a located error.
 */
export async function remoteReads(
  config: FairConfig,
  client: RegistryClient,
  defaultNamespace: string,
): Promise<Resource[]> {
  const found: Resource[] = [];
  for (const [i, entry] of config.read.entries()) {
    const at: KeyPath = ['read', i];
    const pos = config.document.locate(
      entry.use.version ? [...at, 'use', 'version'] : [...at, 'data_product'],
      'value',
    );
    const where = { file: config.file, ...pos, key: formatKeyPath(at) };
    const namespace =
      entry.use.namespace ??
      config.use.namespace ??
      config.run_metadata.default_input_namespace ??
      defaultNamespace;
    const name = entry.use.data_product ?? entry.data_product;
    const version =
      entry.use.version ?? config.use.version ?? config.run_metadata.default_read_version ?? '${{LATEST}}';
    const [ns] = await collect(client.list('namespace', { name: namespace }));
    const candidates = ns
      ? await collect(client.list('data_product', { namespace: idOf(ns.url), name }))
      : [];
    const byName = new Map<string, Resource[]>();
    for (const d of candidates) byName.set(String(d.name), [...(byName.get(String(d.name)) ?? []), d]);
    if (!byName.size) {
      throw new ValidationError(`the remote has no data product ${namespace}:${name}`, {
        location: where,
        hint: 'check the name and namespace (`*` matches any characters), or push it to the remote first',
      });
    }
    for (const [n, versions] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
      const chosen = /^\$\{\{\s*LATEST\s*\}\}$/.test(version)
        ? versions.sort((a, b) => compareVersions(String(a.version), String(b.version))).at(-1)
        : versions.find((d) => d.version === version);
      if (!chosen) {
        throw new ValidationError(`the remote has no version ${version} of ${namespace}:${n}`, {
          location: where,
          hint: `versions there: ${versions.map((d) => String(d.version)).join(', ')}; or read \${{LATEST}}`,
        });
      }
      found.push(chosen);
    }
  }
  return found;
}

async function collect(rows: AsyncIterable<Resource>): Promise<Resource[]> {
  const out: Resource[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

/** One remote row to copy, after every row it refers to. */
interface PlannedRow {
  table: string;
  resource: Resource;
}

/**
 * Copies data products from a remote registry into a project: first gathers every row they need (namespace,
 * object with its storage location and root, file type, authors and components, the code runs that wrote
 * them with the objects those runs read, wrote, configured and ran, up their lineage), each after those it refers
 * to; then fetches the data products' files into the local store, verified against their registered SHA-1;
 * then writes the rows in one transaction, matched by their unique keys (uuids kept), so pulling again adds
 * nothing. Rows keep the remote's storage locations: the registry says where a file lives, the store caches it.
 */
export class RegistryPuller {
  private readonly fetched = new Map<string, Promise<Resource>>();
  private readonly planned = new Set<string>();
  private readonly plan: PlannedRow[] = [];
  private readonly report: PullReport = { dataProducts: [], rowsAdded: 0, filesFetched: 0, bytesFetched: 0 };

  private readonly downloader: Downloader;
  private readonly fileRoots: string[];

  /**
   * `options.fileRoots`: the local directories this remote may name as `file://` storage roots (the
   * `--data-store` directory the user gave the remote). A remote naming any other local path is refused: a
   * registry never makes fairpod read a local file the user did not hand to it.
   */
  constructor(
    private readonly project: Project,
    private readonly client: RegistryClient,
    options: { downloader?: Downloader; fileRoots?: string[] } = {},
  ) {
    this.downloader = options.downloader ?? new Downloader({ store: project.store, progress: false });
    this.fileRoots = (options.fileRoots ?? []).map((d) => path.resolve(d));
  }

  /** Pulls the given remote data products (resources of the remote's `data_product` listing). */
  async pull(dataProducts: Resource[]): Promise<PullReport> {
    for (const d of dataProducts) await this.visitDataProduct(d.url);
    // Rows were gathered by concurrent walks: put every row after the tables it refers to (stable, so a
    // table's rows keep the order they were found in).
    const rank = (table: string): number => (FAIR_TABLES as readonly string[]).indexOf(table);
    this.plan.sort((a, b) => rank(a.table) - rank(b.table));
    for (const d of dataProducts) await this.fetchFile(d);
    await this.project.registry.write((trx) => this.writeRows(trx));
    return { ...this.report };
  }

  private get(url: string): Promise<Resource> {
    let pending = this.fetched.get(url);
    if (!pending) {
      pending = this.client.getUrl(url);
      this.fetched.set(url, pending);
    }
    return pending;
  }

  private list(table: string, filters: Filters): Promise<Resource[]> {
    return collect(this.client.list(table, filters));
  }

  /** Marks `url` planned; false when it already was (shared dependencies are copied once). */
  private claim(url: string | null | undefined): url is string {
    if (!url || this.planned.has(url)) return false;
    this.planned.add(url);
    return true;
  }

  private async add(table: string, url: string): Promise<Resource> {
    const resource = await this.get(url);
    this.plan.push({ table, resource });
    return resource;
  }

  private async visitSimple(table: string, url: string | null | undefined): Promise<void> {
    if (this.claim(url)) await this.add(table, url);
  }

  private async visitDataProduct(url: string): Promise<void> {
    if (!this.claim(url)) return;
    const d = await this.get(url);
    await this.visitSimple('namespace', d.namespace as string);
    await this.visitObject(d.object as string);
    await this.add('data_product', url);
  }

  private async visitObject(url: string | null | undefined): Promise<void> {
    if (!this.claim(url)) return;
    const o = await this.get(url);
    const location = o.storage_location as string | null;
    if (this.claim(location)) {
      await this.visitSimple('storage_root', (await this.get(location)).storage_root as string);
      await this.add('storage_location', location);
    }
    await this.visitSimple('file_type', o.file_type as string | null);
    for (const a of (o.authors as string[] | undefined) ?? []) await this.visitSimple('author', a);
    await this.add('object', url);
    const objectId = idOf(url);
    const components = await this.list('object_component', { object: objectId });
    for (const c of components) {
      this.fetched.set(c.url, Promise.resolve(c));
      if (this.claim(c.url)) this.plan.push({ table: 'object_component', resource: c });
    }
    for (const d of await this.list('data_product', { object: objectId })) {
      this.fetched.set(d.url, Promise.resolve(d));
      await this.visitDataProduct(d.url);
    }
    // Lineage: the runs that wrote this object.
    for (const c of components) {
      for (const run of await this.list('code_run', { outputs: idOf(c.url) })) await this.visitCodeRun(run);
    }
  }

  private async visitCodeRun(run: Resource): Promise<void> {
    if (!this.claim(run.url)) return;
    this.fetched.set(run.url, Promise.resolve(run));
    for (const field of ['model_config', 'submission_script', 'code_repo'])
      await this.visitObject(run[field] as string | null);
    this.plan.push({ table: 'code_run', resource: run });
    // Inputs, and every output too (rows only; files are fetched for the requested data products): the run
    // then reads the same here as on the remote. Several at a time: a run may have thousands.
    const queue = new PQueue({ concurrency: PULL_CONCURRENCY });
    const components = [...((run.inputs as string[]) ?? []), ...((run.outputs as string[]) ?? [])];
    await Promise.all(
      components.map((c) => queue.add(async () => this.visitObject((await this.get(c)).object as string))),
    );
  }

  /** Copies (file:// roots) or downloads (http(s) roots) a data product's file into the store, checking its SHA-1. */
  private async fetchFile(d: Resource): Promise<void> {
    const namespace = (await this.get(d.namespace as string)).name as string;
    this.report.dataProducts.push(`${namespace}:${String(d.name)}@${String(d.version)}`);
    const o = await this.get(d.object as string);
    if (!o.storage_location) return;
    const location = await this.get(o.storage_location as string);
    const root = String((await this.get(location.storage_root as string)).root);
    const relPath = String(location.path);
    const sha1 = String(location.hash);
    if ((await this.project.store.findBySha1(sha1)).length) return;
    if (root.startsWith('file:')) {
      this.checkFileRoot(root, String(o.storage_location));
      let source: string;
      try {
        source = resolveUnder(fileURLToPath(root), relPath);
      } catch (err) {
        throw new FairpodError(
          `${String(o.storage_location)}: storage path ${relPath} escapes its root ${root}`,
          {
            cause: err,
            hint: 'the remote registry holds a bad storage_location; nothing was pulled',
          },
        );
      }
      const ext = o.file_type ? String((await this.get(o.file_type as string)).extension) : undefined;
      const added = await this.project.store.add(source, {
        namespace,
        name: String(d.name),
        ...(ext ? { ext } : {}),
        expected: { sha1 },
      });
      this.report.filesFetched++;
      this.report.bytesFetched += added.size;
    } else {
      const got = await this.downloader.download({ urls: [root + relPath], expected: { sha1 } });
      if (!got.cached) {
        this.report.filesFetched++;
        this.report.bytesFetched += got.bytes;
      }
    }
  }

  /** Refuses a `file://` root outside the directories the user gave this remote, before anything is read. */
  private checkFileRoot(root: string, location: string): void {
    let dir: string;
    try {
      dir = path.resolve(fileURLToPath(root));
    } catch (err) {
      throw new FairpodError(`${location}: storage root ${root} is not a usable file:// URL`, { cause: err });
    }
    const inside = this.fileRoots.some((r) => {
      const rel = path.relative(r, dir);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    });
    if (!inside) {
      throw new FairpodError(
        `${location}: the remote names the local directory ${dir} as its storage root; fairpod reads local files only from the data store you gave this remote`,
        {
          hint: this.fileRoots.length
            ? `this remote's data store is ${this.fileRoots.join(', ')}; if the files really are in ${dir}, add the remote again with --data-store ${dir}`
            : `if the remote's files are in a directory you trust, add the remote with --data-store DIR (fairpod remote add NAME URL --data-store DIR); nothing was pulled`,
        },
      );
    }
  }

  private async writeRows(trx: Knex.Transaction): Promise<void> {
    const local = new Map<string, RowId>();
    const ref = (url: unknown): RowId | null => {
      if (url === null || url === undefined) return null;
      const id = local.get(String(url));
      if (id === undefined)
        throw new FairpodError(`pull: ${String(url)} was not copied before a row naming it`);
      return id;
    };
    const ensure = async (table: string, key: Record<string, unknown>, extra: Record<string, unknown>) => {
      const found = (await trx(table).where(key).first('id')) as { id: RowId } | undefined;
      if (found) return found.id;
      this.report.rowsAdded++;
      return this.project.registry.insert(trx, table, { ...key, ...extra, last_updated: isoNow() });
    };
    const link = async (table: string, row: Record<string, RowId>) => {
      const cols = Object.keys(row);
      await trx(table).insert(row).onConflict(cols).ignore();
    };
    for (const { table, resource: r } of this.plan) {
      let id: RowId;
      switch (table) {
        case 'namespace':
          id = await ensure(table, { name: r.name }, { full_name: r.full_name, website: r.website });
          break;
        case 'author':
          id = await ensure(table, { uuid: r.uuid }, { name: r.name, identifier: r.identifier });
          break;
        case 'file_type':
          id = await ensure(table, { name: r.name, extension: r.extension }, {});
          break;
        case 'storage_root':
          id = await ensure(table, { root: r.root }, { local: Boolean(r.local) });
          break;
        case 'storage_location':
          id = await ensure(
            table,
            { storage_root_id: ref(r.storage_root), hash: r.hash, public: Boolean(r.public) },
            { path: r.path },
          );
          break;
        case 'object':
          id = await ensure(
            table,
            { uuid: r.uuid },
            {
              description: r.description,
              storage_location_id: ref(r.storage_location),
              file_type_id: ref(r.file_type),
            },
          );
          for (const a of (r.authors as string[] | undefined) ?? [])
            await link('object_authors', { object_id: id, author_id: ref(a)! });
          break;
        case 'object_component':
          id = await ensure(
            table,
            { object_id: ref(r.object), name: r.name },
            { description: r.description, whole_object: Boolean(r.whole_object) },
          );
          break;
        case 'data_product':
          id = await ensure(
            table,
            { namespace_id: ref(r.namespace), name: r.name, version: r.version },
            { object_id: ref(r.object) },
          );
          break;
        case 'code_run':
          id = await ensure(
            table,
            { uuid: r.uuid },
            {
              run_date: r.run_date,
              description: r.description,
              model_config_id: ref(r.model_config),
              submission_script_id: ref(r.submission_script),
              code_repo_id: ref(r.code_repo),
              // The FAIR data registry has no run_id (nor status): derived as fairpod's server derives it.
              run_id: r.run_id ?? derivedRunId(String(r.uuid)),
              status: r.status ?? 'succeeded',
              finished_at: r.finished_at,
              host: r.host,
              pid: r.pid,
            },
          );
          break;
        default:
          throw new FairpodError(`pull: no rule to copy ${table} rows`);
      }
      local.set(r.url, id);
    }
    // Links last: a run's outputs may be copied after the run (another data product it wrote, pulled later).
    for (const { table, resource: r } of this.plan) {
      if (table !== 'code_run') continue;
      for (const [field, linkTable] of [
        ['inputs', 'code_run_inputs'],
        ['outputs', 'code_run_outputs'],
      ] as const) {
        for (const c of (r[field] as string[] | undefined) ?? []) {
          const component = local.get(c);
          if (component !== undefined)
            await link(linkTable, { code_run_id: local.get(r.url)!, object_component_id: component });
        }
      }
    }
  }
}
