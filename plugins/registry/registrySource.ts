import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkUrl,
  CMIP6_EXPERIMENT_COLUMNS,
  CMIP6_TIE_BREAKERS,
  ContentStore,
  Downloader,
  formatSummary,
  hashFile,
  parseTimeRange,
  redactUrl,
  RegistryClient,
  resolveUnder,
  unknownFacetError,
  type CatalogRow,
  type DataKey,
  type DataKeyInit,
  type DataSource,
  type FetchResult,
  type PluginServices,
  type QueryResult,
  type RegistryProductRef,
  type RequestContext,
  type Resource,
  type VarlistEntry,
} from 'fairpod/plugin';
import { compileNameTemplate, type NameTemplate } from './nameTemplate.js';

/** Where a data product's file lives: its storage root and the path below it, and the registry's SHA-1. */
interface Location {
  root: string;
  path: string;
  hash: string;
}

/** What the registry source is made from: its parsed options. */
export interface RegistryOptions {
  registryUrl: string;
  nameTemplate: string;
  retries: number;
  /** The local directory `file://` roots may be in; none: every `file://` root is refused. */
  dataRoot?: string;
  store?: string;
}

/** A data product found by `setup`: its URL, object URL and facets. */
interface Product {
  url: string;
  object: string;
  name: string;
  row: CatalogRow;
}

const TIME_SUFFIX = /_(\d{4,14}-\d{4,14})\.[A-Za-z0-9]+$/;
const SHA1_FILE = /^[0-9a-f]{40}(\.[A-Za-z0-9]+)?$/;

/**
 * Data products in a FAIR data registry (fairpod's own or any other) whose names follow a template such as
 * `cmip6/{source_id}/{experiment_id}/{member_id}/{table_id}/{variable_id}/{grid_label}`; the data product
 * version is the `version` facet and its namespace the `namespace` facet. Files are reached through
 * data_product → object → storage_location → storage_root: `file://` roots are read in place after their
 * SHA-1 is checked, `http(s)://` roots are downloaded into the content store against the registry's SHA-1.
 */
export class RegistryDataSource implements DataSource {
  // The CMIP6 scopes, with the data product's namespace as one more column that must agree across the case.
  readonly experimentColumns = {
    ...CMIP6_EXPERIMENT_COLUMNS,
    case: ['namespace', ...CMIP6_EXPERIMENT_COLUMNS.case],
  };
  readonly tieBreakers = CMIP6_TIE_BREAKERS;

  private readonly client: RegistryClient;
  private readonly template: NameTemplate;
  private products: Product[] = [];
  private downloader?: Downloader;
  /** GETs of rows shared by many products (objects, locations, roots, namespaces), once each. */
  private readonly resources = new Map<string, Promise<Resource>>();
  private readonly locations = new Map<string, Location>();
  private readonly stores = new Map<string, ContentStore>();

  constructor(
    private readonly options: RegistryOptions,
    private readonly services: PluginServices,
  ) {
    checkUrl(options.registryUrl, { key: '--registry-url' });
    this.client = new RegistryClient(options.registryUrl);
    this.template = compileNameTemplate(options.nameTemplate);
  }

  async setup(_context: RequestContext): Promise<void> {
    const products: Product[] = [];
    for await (const dp of this.client.list('data_product', { name: this.template.glob })) {
      const facets = this.template.parse(String(dp.name));
      if (!facets) continue;
      const namespace = await this.resource(String(dp.namespace));
      products.push({
        url: dp.url,
        object: String(dp.object),
        name: String(dp.name),
        row: { ...facets, version: String(dp.version), namespace: String(namespace.name) },
      });
    }
    this.products = products;
  }

  async tearDown(): Promise<void> {
    const summary = this.downloader?.finish();
    if (summary && summary.files + summary.cacheHits + summary.failures.length > 0)
      this.services.logger.info(formatSummary(summary));
  }

  async query(entry: VarlistEntry, context: RequestContext): Promise<QueryResult> {
    const template = this.template;
    const columns = [...template.facets, 'version', 'namespace'];
    const query: Record<string, string> = { variable_id: entry.translation!.name };
    if (entry.frequency && template.facets.includes('frequency')) query.frequency = entry.frequency;
    if (entry.spec.realm && template.facets.includes('realm')) query.realm = entry.spec.realm;
    for (const [column, value] of Object.entries(context.caseSpec.facets)) {
      if (!columns.includes(column)) {
        throw unknownFacetError(column, context.caseSpec, {
          what: 'the name template',
          known: columns,
          noun: 'facet',
        });
      }
      query[column] = value;
    }
    const matches = this.products.filter((p) => Object.entries(query).every(([k, v]) => p.row[k] === v));
    const keys: DataKeyInit[] = [];
    for (const product of matches) keys.push(await this.keyOf(product));
    return {
      keys,
      description: Object.entries(query)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    };
  }

  async fetch(key: DataKey, context: RequestContext): Promise<FetchResult> {
    const location = this.locations.get(key.id)!;
    if (location.root.startsWith('file:')) {
      const file = this.localFile(location);
      if (context.options.dryRun) {
        await fs.access(file, fs.constants.R_OK);
        return { localPath: file, bytes: 0, cached: true };
      }
      await this.verifyLocalFile(file, location);
      return { localPath: file, bytes: 0, cached: true };
    }
    const url = new URL(location.path, location.root);
    if (!url.href.startsWith(location.root))
      throw new Error(`storage path ${location.path} escapes ${redactUrl(location.root)}`);
    const request = { urls: [url.href], expected: { sha1: location.hash } };
    const downloader = this.getDownloader();
    if (context.options.dryRun) {
      const probe = await downloader.probe(request);
      key.size ??= probe.size;
      return { localPath: key.id, bytes: 0, cached: probe.cached };
    }
    const result = await downloader.download(request);
    key.size ??= result.size;
    return { localPath: result.path, bytes: result.bytes, cached: result.cached };
  }

  /** A data key for a product: its URL is the id; the time range comes from the stored file's name. */
  private async keyOf(product: Product): Promise<DataKeyInit> {
    const object = await this.resource(product.object);
    if (typeof object.storage_location !== 'string')
      throw new Error(`data product ${product.url} has no stored file (its object has no storage_location)`);
    const location = await this.resource(object.storage_location);
    const root = await this.resource(String(location.storage_root));
    const rootUrl = String(root.root);
    this.locations.set(product.url, {
      root: rootUrl.endsWith('/') ? rootUrl : `${rootUrl}/`,
      path: String(location.path),
      hash: String(location.hash).toLowerCase(),
    });
    const range = parseTimeRange(TIME_SUFFIX.exec(String(location.path))?.[1] ?? '');
    // A run reading it records the data product (its object, by the registry's uuid), not a bare file.
    const dataProduct: RegistryProductRef = {
      namespace: String(product.row.namespace),
      name: product.name,
      version: String(product.row.version),
      objectUuid: String(object.uuid),
      root: rootUrl,
      path: String(location.path),
      hash: String(location.hash).toLowerCase(),
    };
    return {
      id: product.url,
      row: product.row,
      dataProduct,
      ...(range ? { start: range.start, end: range.end } : {}),
    };
  }

  /**
   * The file under a `file://` root; a path that leaves the root is refused, and so is a root outside the
   * directory the user named with `--data-root`: a registry never makes fairpod read a local file the user did
   * not hand to it.
   */
  private localFile(location: Location): string {
    const rootDir = path.resolve(fileURLToPath(location.root));
    const trusted = this.options.dataRoot === undefined ? undefined : path.resolve(this.options.dataRoot);
    const rel = trusted === undefined ? undefined : path.relative(trusted, rootDir);
    if (rel === undefined || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new Error(
        `the registry names the local directory ${rootDir} as a storage root; fairpod reads local files only under --data-root` +
          (trusted ? ` (${trusted})` : '') +
          `; if those files are yours to read, give --data-root ${rootDir}`,
      );
    }
    try {
      return resolveUnder(fileURLToPath(location.root), location.path);
    } catch (err) {
      throw new Error(`storage path ${location.path} escapes its root ${location.root}`, { cause: err });
    }
  }

  /**
   * Checks a file read in place against the registry's SHA-1. A file in a content store's layout
   * (`<ns>/<name>/<sha1>.<ext>`) is checked by a `ContentStore` on its root (stat-cached); any other file is hashed.
   */
  private async verifyLocalFile(file: string, location: Location): Promise<void> {
    const name = path.basename(file);
    if (SHA1_FILE.test(name)) {
      if (!name.startsWith(location.hash))
        throw new Error(`${file} is named for other content than the registry's hash ${location.hash}`);
      const rootDir = fileURLToPath(location.root);
      let store = this.stores.get(rootDir);
      if (!store) this.stores.set(rootDir, (store = new ContentStore(rootDir)));
      await store.get(path.relative(rootDir, file).split(path.sep).join('/'));
      return;
    }
    const { digests } = await hashFile(file);
    if (digests.sha1 !== location.hash) {
      throw new Error(
        `${file} does not match the registry's hash: sha1 ${digests.sha1}, expected ${location.hash}`,
      );
    }
  }

  private resource(url: string): Promise<Resource> {
    let pending = this.resources.get(url);
    if (!pending) {
      pending = this.client.getUrl(url);
      this.resources.set(url, pending);
    }
    return pending;
  }

  private getDownloader(): Downloader {
    this.downloader ??= new Downloader({
      store: new ContentStore(this.options.store ?? this.services.storeRoot),
      namespace: 'registry',
      logger: this.services.logger,
      retries: this.options.retries,
    });
    return this.downloader;
  }
}
