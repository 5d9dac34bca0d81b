import got, { HTTPError, type Got, type Method } from 'got';
import { FairpodError } from '../../core/errors.js';

/** A resource as the registry returns it: its `url`, fields, relations as URLs. */
export type Resource = Record<string, unknown> & { url: string };

/** One page of a listing. */
interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Resource[];
}

/** A registry answered with an error status; `body` is its JSON (per-field messages for a 400). */
export class RegistryHttpError extends FairpodError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    method: string,
    url: string,
  ) {
    super(`${method} ${url} failed: ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`, {
      hint:
        status === 401 || status === 403
          ? 'writes need a token: set FAIRPOD_REGISTRY_TOKEN or give a token file (mode 600)'
          : status === 400
            ? 'the registry named the fields it refused in the message above'
            : undefined,
    });
  }
}

/** Options of a `RegistryClient`. */
export interface RegistryClientOptions {
  /** The token for writes (`Authorization: token ...`); reads work without. */
  token?: string;
  /** Retries on 5xx and network errors (default 4). */
  retries?: number;
  /** Upper bound of the exponential back-off between retries, ms (default 4000). */
  maxRetryDelayMs?: number;
  /** Rows per page asked of the server when listing (default 1000, the server's maximum). */
  pageSize?: number;
}

/** Filter values for a listing: relations as ids or URLs, `*` globs on name-like fields. */
export type Filters = Record<string, string | number | boolean>;

/**
 * A client of the FAIR data registry REST API (fairpod's own server or a FAIR data registry): listings that
 * follow `next` to the end, streamed a page at a time with the next page already on its way; POST that
 * falls back to the existing resource on 409; retries with back-off on 5xx and connection failures.
 */
export class RegistryClient {
  private readonly http: Got;
  private readonly pageSize: number;
  /** `http://host[:port]/api/` */
  readonly apiUrl: string;

  constructor(baseUrl: string, options: RegistryClientOptions = {}) {
    const root = baseUrl.replace(/\/+$/, '').replace(/\/api$/, '');
    this.apiUrl = `${root}/api/`;
    this.pageSize = options.pageSize ?? 1000;
    this.http = got.extend({
      headers: {
        accept: 'application/json',
        ...(options.token ? { authorization: `token ${options.token}` } : {}),
      },
      // POST and PATCH are retried too: a POST whose first attempt did land comes back as 409, which
      // `postOrGet` resolves.
      retry: {
        limit: options.retries ?? 4,
        methods: ['GET', 'POST', 'PATCH', 'HEAD'],
        statusCodes: [500, 502, 503, 504],
        backoffLimit: options.maxRetryDelayMs ?? 4000,
      },
      timeout: { request: 120_000 },
    });
  }

  /** The URL of a table's listing, or of one row. */
  tableUrl(table: string, id?: number): string {
    return id === undefined ? `${this.apiUrl}${table}/` : `${this.apiUrl}${table}/${id}/`;
  }

  private async request<T>(method: Method, url: string, json?: unknown): Promise<T> {
    try {
      const body = await this.http(url, { method, json }).text();
      return JSON.parse(body) as T;
    } catch (err) {
      if (err instanceof HTTPError) {
        const text = String(err.response.body ?? '');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        throw new RegistryHttpError(err.response.statusCode, parsed, method, url);
      }
      throw err;
    }
  }

  /** GET a URL of the registry (a row URL from another resource, or the `/api/` index). */
  getUrl<T = Resource>(url: string): Promise<T> {
    return this.request<T>('GET', url);
  }

  /** One row by id. */
  get(table: string, id: number): Promise<Resource> {
    return this.getUrl(this.tableUrl(table, id));
  }

  /** Creates a row; relations are given as URLs. */
  post(table: string, body: Record<string, unknown>): Promise<Resource> {
    return this.request<Resource>('POST', this.tableUrl(table), body);
  }

  /** Changes some fields of a row (code_run, data_product and issue only). */
  patch(url: string, body: Record<string, unknown>): Promise<Resource> {
    return this.request<Resource>('PATCH', url, body);
  }

  /**
   * POSTs, and on 409 (it exists) returns the existing row: the one row with the posted values of the
   * table's unique key (a uuid; a storage location's root, hash and public; a data product's namespace, name
   * and version, ...), else the one row the listing filtered by the posted scalar fields and relation ids
   * finds, as the FAIR pipeline's own API does. Looking up by the unique key first is what lets a push
   * that stopped part-way resume: the rows it left are found whatever else the remote filled in, and a
   * registry that refuses filters on fields only fairpod has (the FAIR data registry's code_run) is never
   * asked for them.
   */
  async postOrGet(table: string, body: Record<string, unknown>): Promise<Resource> {
    try {
      return await this.post(table, body);
    } catch (err) {
      if (!(err instanceof RegistryHttpError) || err.status !== 409) throw err;
      const key = UNIQUE_KEYS[table];
      let matches: Resource[] = [];
      if (key && key.every((k) => body[k] !== undefined && body[k] !== null))
        matches = await this.firstTwo(table, filtersOf(Object.fromEntries(key.map((k) => [k, body[k]]))));
      if (matches.length === 0) matches = await this.firstTwo(table, filtersOf(body));
      if (matches.length !== 1) {
        throw new FairpodError(
          `${table}: POST conflicts with an existing row that the posted fields do not identify`,
          {
            cause: err,
            hint: 'post the same values as the existing row, or look it up by its unique fields',
          },
        );
      }
      return matches[0]!;
    }
  }

  /** At most two rows of a listing: enough to tell none, one and several apart. */
  private async firstTwo(table: string, filters: Filters): Promise<Resource[]> {
    const matches: Resource[] = [];
    for await (const row of this.list(table, filters)) {
      matches.push(row);
      if (matches.length > 1) break;
    }
    return matches;
  }

  /** Every row of a listing in id order, page by page (the next page is fetched while this one is consumed). */
  async *list(table: string, filters: Filters = {}): AsyncGenerator<Resource> {
    const url = new URL(this.tableUrl(table));
    for (const [k, v] of Object.entries(filters)) url.searchParams.set(k, String(v));
    // `page_size`, the FAIR registry's parameter (it refuses `limit` with a 400); oldest first, so rows
    // added while listing come last instead of shifting the pages (both registries list newest first).
    // Its `users` and `groups` listings take neither (400): they are listed in the server's own pages.
    if (!UNPAGED_TABLES.has(table)) {
      if (!url.searchParams.has('page_size')) url.searchParams.set('page_size', String(this.pageSize));
      if (!url.searchParams.has('ordering')) url.searchParams.set('ordering', 'id');
    }
    let pending: Promise<Page> | undefined = this.getUrl<Page>(url.toString());
    while (pending) {
      const page: Page = await pending;
      pending = page.next ? this.getUrl<Page>(page.next) : undefined;
      // A page abandoned mid-way (the consumer broke out) must not leave an unhandled rejection behind.
      pending?.catch(() => undefined);
      yield* page.results;
    }
  }

  /** The number of rows a listing has (one small request). */
  async count(table: string, filters: Filters = {}): Promise<number> {
    const url = new URL(this.tableUrl(table));
    for (const [k, v] of Object.entries(filters)) url.searchParams.set(k, String(v));
    url.searchParams.set('page_size', '1');
    return (await this.getUrl<Page>(url.toString())).count;
  }
}

/** Listings the FAIR data registry answers with 400 when given `page_size` or `ordering` (its UserViewSet, GroupViewSet). */
const UNPAGED_TABLES: ReadonlySet<string> = new Set(['users', 'groups']);

/**
 * The unique keys of the FAIR data registry's tables (its models' unique fields and UniqueConstraints,
 * which fairpod's schema shares). A storage location is identified by its content: the same bytes under
 * another path share the one that exists.
 */
const UNIQUE_KEYS: Readonly<Record<string, readonly string[]>> = {
  author: ['uuid'],
  code_run: ['uuid'],
  data_product: ['namespace', 'name', 'version'],
  file_type: ['name', 'extension'],
  issue: ['uuid'],
  namespace: ['name'],
  object: ['uuid'],
  object_component: ['object', 'name'],
  storage_location: ['storage_root', 'hash', 'public'],
  storage_root: ['root'],
  user_author: ['user'],
};

/** Listing filters from a POST body: scalars as they are, relation URLs as their ids; lists and nulls left out. */
function filtersOf(body: Record<string, unknown>): Filters {
  const filters: Filters = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'number' || typeof v === 'boolean') filters[k] = v;
    else if (typeof v === 'string') {
      const id = /^https?:\/\/.*\/api\/[a-z_]+\/(\d+)\/?$/.exec(v)?.[1];
      filters[k] = id ?? v;
    }
  }
  return filters;
}
