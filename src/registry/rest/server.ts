import { FairpodError } from '../../core/errors.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry, RowId } from '../registry.js';
import { registerDataFiles } from './dataFiles.js';
import { HttpError, rowUrl } from './httpError.js';
import { listPage } from './listing.js';
import { provReport } from './provReport.js';
import { chooseProvFormat, PROV_FORMATS } from '../prov/formats.js';
import { serializeRows, type Row } from './serialize.js';
import { REST_TABLES, type TableSpec } from './tables.js';
import { tableMetadata } from './metadata.js';
import { migrateRest, tokenUser } from './tokens.js';
import { createRow, deleteCodeRunRow, finishClientRun, patchRow } from './writes.js';
import { assertKeepsIdentity, assertMayWriteNamespace, assertOwnsRow } from './ownership.js';

/** `scheme://host[:port]` as the client addressed the server: every URL in a response is built on it. */
function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * The user a request's `Authorization: token <hex>` belongs to; 403 for a bad token, undefined for none.
 * 403, not 401, as the FAIR registry answers: its first authentication class (Django sessions) sends no
 * `WWW-Authenticate`, so Django REST framework turns 401 into 403.
 */
async function authenticate(registry: Registry, request: FastifyRequest): Promise<RowId | undefined> {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^token\s+(\S+)$/i.exec(header.trim());
  const user = m ? await tokenUser(registry, m[1]!) : undefined;
  if (user === undefined) throw new HttpError(403, { detail: 'Invalid token.' });
  return user;
}

/** The user of a write; 403 without a valid token. */
async function requireUser(registry: Registry, request: FastifyRequest): Promise<RowId> {
  const user = await authenticate(registry, request);
  if (user === undefined)
    throw new HttpError(403, { detail: 'Authentication credentials were not provided.' });
  return user;
}

/** The API versions served; the FAIR registry's ALLOWED_VERSIONS (AcceptHeaderVersioning). */
const API_VERSIONS = ['1.0.0'];

/** 406 for `Accept: ...; version=X` with an X not served, as Django REST framework's AcceptHeaderVersioning. */
function checkApiVersion(request: FastifyRequest): void {
  const accept = request.headers.accept ?? '';
  const m = /;\s*version\s*=\s*"?([^;,"\s]+)"?/i.exec(accept);
  if (m && !API_VERSIONS.includes(m[1]!)) {
    throw new HttpError(406, { detail: 'Invalid version in "Accept" header.' });
  }
}

/** The methods a table's list and item URLs answer (PATCH on items of patchable tables only). */
function allowed(spec: TableSpec, item: boolean): string {
  if (!item) return 'GET, POST, HEAD, OPTIONS';
  if (!spec.patchable) return 'GET, HEAD, OPTIONS';
  return spec.name === 'code_run'
    ? 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS'
    : 'GET, PUT, PATCH, HEAD, OPTIONS';
}

/** Item methods beyond GET and PATCH, as the FAIR registry's viewsets take them (Update and Destroy mixins). */
function takes(spec: TableSpec, method: 'PUT' | 'DELETE'): boolean {
  return spec.patchable && (method === 'PUT' || spec.name === 'code_run');
}

function parseId(raw: string): RowId {
  if (!/^\d+$/.test(raw)) throw new HttpError(404, { detail: 'Not found.' });
  return Number(raw);
}

async function getOne(
  registry: Registry,
  spec: TableSpec,
  id: RowId,
  base: string,
): Promise<Record<string, unknown>> {
  const row = (await registry.knex(spec.name).where({ id }).first()) as Row | undefined;
  if (!row) throw new HttpError(404, { detail: 'Not found.' });
  return (await serializeRows(registry, spec, [row], base))[0]!;
}

/**
 * The code run of a `fairpod run CONFIG` session, which fairpod opened before the script started. A FAIR
 * language API in the script creates its own code run (pyDataPipeline's `initialise` POSTs one); the first
 * one POSTed becomes the session's: its fields are set on the session's row (run id, uuid and date stay the
 * session's) and that row is answered, so one session is one code run however its script records it.
 */
export interface SessionRunSlot {
  /** The session's code_run row, once opened. */
  id?: RowId;
  /** Set when a client's POST has been merged into it. */
  claimed?: boolean;
}

/** What a served registry offers beyond its tables. */
export interface RegistryAppOptions {
  /** A directory served at `/data/`: anyone reads, writers with a token PUT files (write-once, SHA-1 checked). */
  dataStore?: string;
  /** Serving a session: the first code run POSTed is merged into this one. */
  sessionRun?: SessionRunSlot;
}

/** A client's code run body as fields of the session's run: its identity stays the session's, empty link lists add nothing. */
function sessionRunFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const fields = { ...(body as Record<string, unknown>) };
  for (const key of ['uuid', 'run_id', 'run_date']) delete fields[key];
  for (const key of ['inputs', 'outputs'])
    if (Array.isArray(fields[key]) && !(fields[key] as unknown[]).length) delete fields[key];
  return fields;
}

/**
 * Whether a code run PATCH is a language API's `finalise`: the one call that sends the run's inputs and
 * outputs (pyDataPipeline pipeline.py, DataPipeline.jl, rDataPipeline all end a run so).
 */
function isFinalise(body: unknown): boolean {
  return typeof body === 'object' && body !== null && ('inputs' in body || 'outputs' in body);
}

/**
 * The registry's REST API as a fastify app (not yet listening), in the FAIR data registry's wire format,
 * and with `dataStore` its files at `/data/` (see `registerDataFiles`).
 * The logger is off: requests carry tokens, and nothing of them may reach a log.
 */
export async function buildRegistryApp(
  registry: Registry,
  options: RegistryAppOptions = {},
): Promise<FastifyInstance> {
  await migrateRest(registry);
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });

  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply: FastifyReply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(err.body);
    // fastify's own request errors (malformed JSON, wrong content type, body too large) are the client's.
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ detail: err.message });
    }
    return reply.code(500).send({ detail: 'Internal server error.' });
  });

  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/')) checkApiVersion(request);
  });

  // The tables only, as Django REST framework's router lists them: `prov-report/<id>/` is a route of its own
  // there, and FAIR-CLI's push asks OPTIONS of every name the root lists.
  app.get('/api/', async (request) => {
    await authenticate(registry, request);
    const base = baseUrl(request);
    return Object.fromEntries([...REST_TABLES.keys()].map((name) => [name, `${base}/api/${name}/`]));
  });

  // `?format=` json (default), json-ld, xml or provn, or the Accept header, as the FAIR registry's
  // ProvReportView; `depth` as there. `attributes`, `aspect_ratio` and `dpi` shape its Graphviz images only,
  // which fairpod does not draw: they are accepted and have no effect.
  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/api/prov-report/:id/',
    async (request, reply) => {
      await authenticate(registry, request);
      const format = chooseProvFormat(request.query.format, request.headers.accept);
      if (!format) {
        // The registry's own answers: 404 for a format it has no renderer for (Django REST framework's
        // negotiation); jpg and svg it draws with Graphviz, which fairpod does not, so those are 406.
        const names = PROV_FORMATS.map((f) => f.name).join(', ');
        const image = ['jpg', 'svg'].includes(String(request.query.format));
        throw new HttpError(image ? 406 : 404, {
          detail: `${image ? 'Not served' : 'Not found'}: format ${JSON.stringify(request.query.format)}; fairpod writes PROV reports as ${names} (jpg and svg need Graphviz and are not served).`,
        });
      }
      const depth = Number.parseInt(request.query.depth ?? '1', 10);
      const doc = await provReport(
        registry,
        parseId(request.params.id),
        baseUrl(request),
        Number.isNaN(depth) ? 1 : depth,
      );
      // A Buffer, so that fastify keeps the registry's Content-Type as it is (it appends a charset to strings).
      return reply.header('content-type', format.contentType).send(Buffer.from(format.write(doc)));
    },
  );

  app.get('/api/username/', async (request) => {
    const user = await requireUser(registry, request);
    const row = (await registry.knex('users').where({ id: user }).first('username')) as { username: string };
    return { username: row.username };
  });

  if (options.dataStore)
    await registerDataFiles(
      app,
      options.dataStore,
      (r) => requireUser(registry, r),
      (name, user) => assertMayWriteNamespace(registry.knex, { name }, user as RowId),
    );

  for (const spec of REST_TABLES.values()) {
    const listUrl = `/api/${spec.name}/`;
    const itemUrl = `/api/${spec.name}/:id/`;
    app.get<{ Querystring: Record<string, string | string[]> }>(listUrl, async (request) => {
      await authenticate(registry, request);
      const base = baseUrl(request);
      return listPage(registry, spec, request.query, base, `${base}${request.url}`);
    });
    app.get<{ Params: { id: string } }>(itemUrl, async (request) => {
      await authenticate(registry, request);
      return getOne(registry, spec, parseId(request.params.id), baseUrl(request));
    });
    app.post(listUrl, async (request, reply) => {
      const user = await requireUser(registry, request);
      const session = options.sessionRun;
      let row: Record<string, unknown>;
      if (spec.name === 'code_run' && session?.id !== undefined && !session.claimed) {
        session.claimed = true; // before the await: a concurrent POST makes a run of its own
        try {
          await patchRow(registry, spec, session.id, sessionRunFields(request.body), user);
        } catch (err) {
          session.claimed = false;
          throw err;
        }
        row = (await registry.knex('code_run').where({ id: session.id }).first()) as Record<string, unknown>;
      } else {
        row = await createRow(registry, spec, request.body, user);
      }
      const base = baseUrl(request);
      return reply
        .code(201)
        .header('location', rowUrl(base, spec.name, Number(row.id)))
        .send((await serializeRows(registry, spec, [row], base))[0]);
    });
    for (const url of [listUrl, itemUrl])
      app.options(url, async (request) => {
        const user = await authenticate(registry, request);
        return tableMetadata(spec, user !== undefined);
      });
    for (const [url, item] of [
      [listUrl, false],
      [itemUrl, true],
    ] as const) {
      // What the table's viewset does not take; the list takes neither PUT, DELETE nor PATCH.
      const methods: string[] = item
        ? [...(['PUT', 'DELETE'] as const).filter((m) => !takes(spec, m)), 'POST']
        : ['PUT', 'DELETE', 'PATCH'];
      app.route({
        method: methods,
        url,
        handler: async (request, reply) =>
          reply
            .code(405)
            .header('allow', allowed(spec, item))
            .send({ detail: `Method "${request.method}" not allowed.` }),
      });
    }
    if (takes(spec, 'PUT')) {
      app.put<{ Params: { id: string } }>(itemUrl, async (request) => {
        const user = await requireUser(registry, request);
        const id = parseId(request.params.id);
        await assertOwnsRow(registry.knex, spec.name, id, user);
        const current = (await registry.knex(spec.name).where({ id }).first()) as Record<string, unknown>;
        assertKeepsIdentity(spec.name, request.body, current);
        await patchRow(registry, spec, id, request.body, user, false);
        return getOne(registry, spec, id, baseUrl(request));
      });
    }
    if (takes(spec, 'DELETE')) {
      app.delete<{ Params: { id: string } }>(itemUrl, async (request, reply) => {
        const user = await requireUser(registry, request);
        const id = parseId(request.params.id);
        if (id === options.sessionRun?.id)
          throw new HttpError(409, {
            detail: 'This code run is the session’s own; it ends with the session.',
          });
        await assertOwnsRow(registry.knex, spec.name, id, user);
        await deleteCodeRunRow(registry, id);
        return reply.code(204).send();
      });
    }
    app.patch<{ Params: { id: string } }>(itemUrl, async (request, reply) => {
      const user = await requireUser(registry, request);
      if (!spec.patchable) {
        return reply
          .code(405)
          .header('allow', allowed(spec, true))
          .send({
            detail: `Method "PATCH" not allowed on ${spec.name}: only code_run, data_product and issue accept it.`,
          });
      }
      const id = parseId(request.params.id);
      await assertOwnsRow(registry.knex, spec.name, id, user);
      const current = (await registry.knex(spec.name).where({ id }).first()) as Record<string, unknown>;
      assertKeepsIdentity(spec.name, request.body, current);
      await patchRow(registry, spec, id, request.body, user);
      if (spec.name === 'code_run' && id !== options.sessionRun?.id && isFinalise(request.body))
        await finishClientRun(registry, id);
      return getOne(registry, spec, id, baseUrl(request));
    });
  }
  return app;
}

/** A running registry server: its base URL (`http://host:port`) and how to stop it. */
export interface RunningRegistryServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the app and listens on `host:port` (port 0: any free port). Closing stops the server, not the registry. */
export async function startRegistryServer(
  registry: Registry,
  options: {
    host?: string;
    port?: number;
    /** The URL the data store is registered under (default `http://host:port/data/`). */
    dataUrl?: string;
  } & RegistryAppOptions = {},
): Promise<RunningRegistryServer> {
  const app = await buildRegistryApp(registry, {
    dataStore: options.dataStore,
    sessionRun: options.sessionRun,
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new FairpodError(`cannot listen on ${host}:${options.port ?? 0}: ${code}`, {
        hint:
          code === 'EADDRINUSE'
            ? 'another server holds that port: stop it, or choose another with --port (0: any free port)'
            : 'choose an address of this machine with --host and a port you may open with --port',
        cause: err,
      });
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  // The served data store is a storage root of the registry, as the FAIR registry's `set_site_info` makes
  // `<DOMAIN_URL>data/` its first one: FAIR-CLI's push files what it uploads under storage_root 1.
  if (options.dataStore) {
    const root = options.dataUrl ?? `${url}/data/`;
    await registry.write((trx) => registry.storageRoot(trx, root, false));
  }
  return { url, close: () => app.close() };
}
