import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeOnBackends } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

/**
 * The requests the FAIR Data Pipeline's own clients make, as their sources make them, against fairpod's
 * server, each with the FAIR data registry's answer (FAIRDataPipeline/data-registry, data_management/rest/).
 * Sources: pyDataPipeline data_pipeline_api/{pipeline,fdp_utils,link}.py and tests/; FAIR-CLI
 * fair/registry/{requests,sync,storage}.py. The unit suite replays them, one behaviour a row; the
 * interop suite runs the clients themselves from test/peers/ (pyDataPipeline.test.ts, fairCli.test.ts).
 */

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One client behaviour: what it sends and what the FAIR registry answers, checked against fairpod. */
interface Case {
  name: string;
  source: string;
  check(api: Api): Promise<void>;
}

interface Api {
  served: ServedRegistry;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    token?: string | false,
  ): Promise<Answer>;
  post(table: string, body: unknown): Promise<Record<string, unknown>>;
  ids(a: Answer): string[];
}

const idOf = (url: unknown): string => new URL(String(url)).pathname.split('/')[3]!;

/** A namespace, a location, an object and a data product on it, as pipeline.py finalise() writes them. */
async function product(api: Api, name: string, version = '0.0.1'): Promise<Record<string, string>> {
  const ns = await api.post('namespace', { name: `ns-${name}` });
  const root = (await api.call('GET', '/api/storage_root/?root=file:///tmp/')).body.results as Array<{
    url: string;
  }>;
  const rootUrl =
    root[0]?.url ?? String((await api.post('storage_root', { root: 'file:///tmp/', local: true })).url);
  const hash = createHash('sha1')
    .update(name + version)
    .digest('hex');
  const loc = await api.post('storage_location', {
    path: `${name}.csv`,
    hash,
    public: 'true',
    storage_root: rootUrl,
  });
  const obj = await api.post('object', { description: name, storage_location: loc.url, authors: [] });
  const dp = await api.post('data_product', { name, version, object: obj.url, namespace: ns.url });
  return { namespace: String(ns.url), object: String(obj.url), product: String(dp.url), root: rootUrl };
}

const CASES: Case[] = [
  {
    name: 'unknown fields in a POST are ignored (a code run with input_urls / output_urls)',
    source:
      'pyDataPipeline pipeline.py initialise(): post_entry code_run with "input_urls": [], "output_urls": []',
    async check(api) {
      const obj = await api.post('object', { description: 'script' });
      const run = await api.call('POST', '/api/code_run/', {
        run_date: '2024-01-31 12:00:00.123456', // str(datetime.datetime.now())
        description: 'Write csv file',
        submission_script: obj.url,
        input_urls: [],
        output_urls: [],
      });
      expect(run.status, JSON.stringify(run.body)).to.equal(201);
      expect(run.body).to.not.have.property('input_urls');
      expect(run.body.uuid).to.be.a('string');
    },
  },
  {
    name: 'booleans as strings ("true") in a body and True in a query',
    source:
      'pipeline.py finalise(): "public": str(public).lower(); fdp_utils.post_entry 409 → get_entry(data) sends local=True',
    async check(api) {
      const root = await api.post('storage_root', { root: 'file:///d/', local: 'True' });
      expect(root.local).to.equal(true);
      const loc = await api.post('storage_location', {
        path: 'a',
        hash: 'h',
        public: 'false',
        storage_root: root.url,
      });
      expect(loc.public).to.equal(false);
      expect(
        (await api.call('POST', '/api/storage_root/', { root: 'file:///d/', local: true })).status,
      ).to.equal(409);
      const again = await api.call('GET', '/api/storage_root/?root=file:///d/&local=True');
      expect(api.ids(again)).to.deep.equal([idOf(root.url)]);
      expect((await api.call('POST', '/api/storage_root/', { root: 'x', local: 'maybe' })).status).to.equal(
        400,
      );
    },
  },
  {
    name: 'a code run a client opens is NOT FINISHED until its finalise PATCH, then succeeded (once)',
    source: 'pipeline.py initialise(): POST code_run; finalise(): PATCH code_run {inputs, outputs}',
    async check(api) {
      const run = await api.post('code_run', {
        run_date: '2026-01-01T00:00:00Z',
        description: 'client run',
        inputs: [],
        outputs: [],
      });
      const id = idOf(run.url);
      const status = async () =>
        (await api.served.registry.knex('code_run').where({ id }).first('status', 'finished_at')) as {
          status: string;
          finished_at: string | null;
        };
      expect((await status()).status).to.equal('running');
      await api.call('PATCH', `/api/code_run/${id}/`, { description: 'renamed' });
      expect((await status()).status).to.equal('running');
      await api.call('PATCH', `/api/code_run/${id}/`, { inputs: [], outputs: [] });
      const ended = await status();
      expect(ended.status).to.equal('succeeded');
      expect(ended.finished_at).to.be.a('string');
      await api.call('PATCH', `/api/code_run/${id}/`, { outputs: [] });
      expect((await status()).finished_at).to.equal(ended.finished_at);
    },
  },
  {
    name: 'an object posted over REST has its whole_object component, listed in `components`',
    source:
      'pipeline.py finalise(): obj["components"][0]; fdp_utils.register_issues: object_component?object=&whole_object=True',
    async check(api) {
      const obj = await api.post('object', { description: 'x' });
      expect(obj.components).to.have.length(1);
      const found = await api.call('GET', `/api/object_component/?object=${idOf(obj.url)}&whole_object=True`);
      expect(found.body.count).to.equal(1);
      const c = (found.body.results as Array<Record<string, unknown>>)[0]!;
      expect(c).to.include({
        url: (obj.components as string[])[0],
        name: 'whole_object',
        whole_object: true,
      });
      expect(c.inputs_of).to.deep.equal([]);
    },
  },
  {
    name: 'OPTIONS /api/<table>/ describes the fields (actions.POST for a token holder) and filter_fields',
    source: 'FAIR-CLI requests.py filter_object_dependencies / get_filter_variables / get_writable_fields',
    async check(api) {
      const meta = await api.call('OPTIONS', '/api/object/');
      expect(meta.status).to.equal(200);
      const post = (meta.body.actions as { POST: Record<string, Record<string, unknown>> }).POST;
      expect(post.storage_location).to.include({ type: 'field', read_only: false, required: false });
      expect(post.description).to.include({ type: 'string', read_only: false });
      expect(post.components).to.include({ type: 'field', read_only: true });
      expect(post.last_updated).to.include({ read_only: true });
      expect(meta.body.filter_fields).to.include.members(['storage_location', 'uuid', 'components']);
      const anonymous = await api.call('OPTIONS', '/api/object/', undefined, {}, false);
      expect(anonymous.body).to.not.have.property('actions');
    },
  },
  {
    name: 'GET /api/username/ names the token’s user; 403 without one',
    source:
      'FAIR-CLI requests.py get_remote_user: url_get(urljoin(registry, "username")); data-registry UserView',
    async check(api) {
      expect((await api.call('GET', '/api/username/')).body).to.deep.equal({ username: 'tester' });
      expect((await api.call('GET', '/api/username/', undefined, {}, false)).status).to.equal(403);
    },
  },
  {
    name: 'file_type is unique on name + extension (h5 and hdf5 share a name)',
    source: 'FAIR-CLI fair init --ci registers its file types; data-registry unique_file_type_name_extension',
    async check(api) {
      await api.post('file_type', { name: 'HDF5', extension: 'h5' });
      await api.post('file_type', { name: 'HDF5', extension: 'hdf5' });
      expect((await api.call('POST', '/api/file_type/', { name: 'HDF5', extension: 'h5' })).status).to.equal(
        409,
      );
      expect((await api.call('GET', '/api/file_type/?extension=hdf5')).body.count).to.equal(1);
    },
  },
  {
    name: 'external_object: version (of its data product) filters; primary_not_supplement',
    source:
      'FAIR-CLI register.py: external_object search with _search_data["version"]; data-registry models.ExternalObject',
    async check(api) {
      const p = await product(api, 'paper', '1.0.0');
      const eo = await api.post('external_object', {
        data_product: p.product,
        alternate_identifier: 'paper',
        alternate_identifier_type: 'name',
        release_date: '2020-01-01T00:00:00Z',
        title: 'A paper',
        primary_not_supplement: 'false',
      });
      expect(eo).to.include({ version: '1.0.0', primary_not_supplement: false });
      const hit = await api.call(
        'GET',
        '/api/external_object/?alternate_identifier=paper&title=A paper&version=1.0.0',
      );
      expect(api.ids(hit)).to.deep.equal([idOf(eo.url)]);
      expect((await api.call('GET', '/api/external_object/?version=2.0.0')).body.count).to.equal(0);
      expect((await api.call('GET', p.product.replace(/^http:\/\/[^/]+/, ''))).body.external_object).to.equal(
        eo.url,
      );
    },
  },
  {
    name: 'Accept: application/json; version=X — 1.0.0 served, any other 406',
    source: 'pyDataPipeline tests test_wrong_api_version(_get); data-registry AcceptHeaderVersioning',
    async check(api) {
      const v = (x: string): Record<string, string> => ({ accept: `application/json; version=${x}` });
      const before = (await api.call('GET', '/api/storage_root/')).body.count;
      expect((await api.call('GET', '/api/storage_root/', undefined, v('1.0.0'))).status).to.equal(200);
      expect((await api.call('GET', '/api/storage_root/', undefined, v('3.0.0'))).status).to.equal(406);
      const post = await api.call('POST', '/api/storage_root/', { root: 'https://t/' }, v('2.2.2'));
      expect(post.status).to.equal(406);
      expect((await api.call('GET', '/api/storage_root/')).body.count).to.equal(before);
    },
  },
  {
    name: 'page_size pages (limit is an unknown parameter); newest first; ?ordering=',
    source:
      'data-registry CustomPagination (page_size_query_param, ordering -id), BaseViewSet OrderingFilter',
    async check(api) {
      for (const n of ['b', 'c', 'a']) await api.post('namespace', { name: n });
      const names = (a: Answer): string[] => (a.body.results as Array<{ name: string }>).map((r) => r.name);
      expect(names(await api.call('GET', '/api/namespace/'))).to.deep.equal(['a', 'c', 'b']);
      const page = await api.call('GET', '/api/namespace/?page_size=2');
      expect(names(page)).to.deep.equal(['a', 'c']);
      const next = new URL(String(page.body.next));
      expect(names(await api.call('GET', next.pathname + next.search))).to.deep.equal(['b']);
      expect(names(await api.call('GET', '/api/namespace/?ordering=name'))).to.deep.equal(['a', 'b', 'c']);
      const byName = await api.call('GET', '/api/namespace/?ordering=-name&page_size=2');
      expect(names(byName)).to.deep.equal(['c', 'b']);
      const rest = new URL(String(byName.body.next));
      expect(names(await api.call('GET', rest.pathname + rest.search))).to.deep.equal(['a']);
      expect(names(await api.call('GET', '/api/namespace/?ordering=id,nonsense'))).to.deep.equal([
        'b',
        'c',
        'a',
      ]);
      expect((await api.call('GET', '/api/namespace/?limit=2')).status).to.equal(400);
    },
  },
  {
    name: 'reverse relations: listed in rows and usable as filters; ? in name patterns',
    source:
      'FAIR-CLI sync.py / session.py read object["data_products"]; data-registry related_name fields and filters, GlobFilter (fnmatch)',
    async check(api) {
      const p = await product(api, 'tas');
      await product(api, 'pr');
      const hit = await api.call('GET', `/api/object/?data_products=${idOf(p.product)}`);
      expect(api.ids(hit)).to.deep.equal([idOf(p.object)]);
      expect((hit.body.results as Array<Record<string, unknown>>)[0]!.data_products).to.deep.equal([
        p.product,
      ]);
      const root = await api.call('GET', `/api/storage_root/${idOf(p.root)}/`);
      expect(root.body.locations).to.have.length(2);
      expect((await api.call('GET', '/api/data_product/?name=t?s')).body.count).to.equal(1);
      expect((await api.call('GET', '/api/data_product/?name=?')).body.count).to.equal(0);
    },
  },
  {
    name: '405 for methods a table does not take (PUT, DELETE; PATCH on lists, POST on items)',
    source: 'data-registry BaseViewSet (create, list, retrieve) and the DRF router',
    async check(api) {
      const ns = await api.post('namespace', { name: 'n' });
      const item = new URL(String(ns.url)).pathname;
      for (const [method, url] of [
        ['DELETE', item],
        ['PUT', item],
        ['POST', item],
        ['DELETE', '/api/code_run/'],
        ['PATCH', '/api/namespace/'],
        ['DELETE', '/api/namespace/'],
      ] as const) {
        const a = await api.call(method, url, method === 'DELETE' ? undefined : {});
        expect(a.status, `${method} ${url}`).to.equal(405);
      }
      expect((await api.call('GET', item)).status).to.equal(200);
    },
  },
  {
    name: 'PUT (a full update) on code_run, data_product and issue; DELETE on code_run only, by its owner',
    source:
      'data-registry rest/views.py: IssueViewSet, DataProductViewSet (UpdateModelMixin), CodeRunViewSet (+ DestroyModelMixin)',
    async check(api) {
      const run = await api.post('code_run', {
        run_date: '2026-01-01T00:00:00Z',
        description: 'a',
        inputs: [],
        outputs: [],
      });
      const item = new URL(String(run.url)).pathname;
      // A full update needs every required field, as Django REST framework's does.
      const partial = await api.call('PUT', item, { description: 'b' });
      expect(partial.status).to.equal(400);
      expect(partial.body).to.have.property('run_date');
      const full = await api.call('PUT', item, {
        run_date: '2026-01-02T00:00:00Z',
        description: 'b',
        inputs: [],
        outputs: [],
      });
      expect(full.status, JSON.stringify(full.body)).to.equal(200);
      expect(full.body.description).to.equal('b');
      expect(Date.parse(String(full.body.run_date))).to.equal(Date.parse('2026-01-02T00:00:00Z'));
      const options = await api.call('OPTIONS', item);
      expect(options.status).to.equal(200);

      expect((await api.call('DELETE', item, undefined, undefined, false)).status).to.equal(403);
      expect((await api.call('DELETE', item)).status).to.equal(204);
      expect((await api.call('GET', item)).status).to.equal(404);
      expect((await api.call('DELETE', item)).status).to.equal(404);

      const issue = await api.post('issue', { severity: 1, description: 'x' });
      const issueItem = new URL(String(issue.url)).pathname;
      expect((await api.call('PUT', issueItem, { severity: 2, description: 'y' })).body).to.include({
        severity: 2,
      });
      const refused = await api.call('DELETE', issueItem);
      expect(refused.status).to.equal(405);

      // A data product's full update repeats the identity it keeps; changing it is still a new version.
      const p = await product(api, 'put/me');
      const dpItem = new URL(p.product!).pathname;
      const same = { name: 'put/me', version: '0.0.1', object: p.object, namespace: p.namespace };
      const kept = await api.call('PUT', dpItem, same);
      expect(kept.status, JSON.stringify(kept.body)).to.equal(200);
      const moved = await api.call('PUT', dpItem, { ...same, version: '0.0.2' });
      expect(moved.status).to.equal(400);
      expect(moved.body).to.have.property('version');
      expect((await api.call('PATCH', dpItem, { version: '0.0.1' })).status).to.equal(200);
    },
  },
];

describeOnBackends('The FAIR clients’ requests against fairpod’s server', (locations) => {
  let served: ServedRegistry;
  let store: string;

  beforeEach(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-fairclients-'));
    served = await serveFreshRegistry(locations, { dataStore: store });
  });
  afterEach(async () => {
    await served.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  const api: Api = {
    get served() {
      return served;
    },
    async call(method, urlPath, body, headers = {}, token = served.token) {
      const h: Record<string, string> = { ...headers };
      if (token) h.authorization = `token ${token}`;
      if (body !== undefined) h['content-type'] = 'application/json';
      const res = await fetch(`${served.url}${urlPath}`, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async post(table, body) {
      const a = await api.call('POST', `/api/${table}/`, body);
      expect(a.status, `${table}: ${JSON.stringify(a.body)}`).to.equal(201);
      return a.body;
    },
    ids: (a) => (a.body.results as Array<{ url: string }>).map((r) => idOf(r.url)),
  };

  for (const c of CASES) it(`${c.name} (${c.source})`, () => c.check(api));

  it('upload handshake: POST /api/data/<sha1> gives a signed URL to PUT to without a token; 409 once stored (FAIR-CLI storage.py upload_remote_file, requests.py post_upload_url / put_file)', async () => {
    const bytes = 'a,b\n1,2\n';
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    // FAIR-CLI: _access(urljoin(remote, "data/") + hash, "post", token, trailing_slash=False), no body.
    const hand = await api.call('POST', `/api/data/${sha1}`);
    expect(hand.status, JSON.stringify(hand.body)).to.equal(200);
    const uploadUrl = String(hand.body.url);
    // FAIR-CLI put_file: requests.Session().put(url, data=bytes): no token, no content type.
    expect(
      (await fetch(uploadUrl.replace(/upload=\d+\./, 'upload=1.'), { method: 'PUT', body: bytes })).status,
    ).to.equal(403);
    expect(
      (await fetch(uploadUrl.replace(sha1, 'f'.repeat(40)), { method: 'PUT', body: bytes })).status,
    ).to.equal(403);
    const put = await fetch(uploadUrl, { method: 'PUT', body: bytes });
    expect(put.status).to.equal(201);
    expect(await fs.readFile(path.join(store, sha1), 'utf8')).to.equal(bytes);
    expect((await api.call('POST', `/api/data/${sha1}`)).status).to.equal(409);
    expect((await api.call('POST', '/api/data', { checksum: sha1 })).status).to.equal(409);
    expect((await api.call('POST', `/api/data/${sha1}`, undefined, {}, false)).status).to.equal(403);
    expect((await api.call('POST', '/api/data/nothex')).status).to.equal(400);
  });
});
