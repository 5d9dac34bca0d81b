import { expect } from 'chai';
import { runCli } from '../../src/cli/program.js';
import { REST_TABLES } from '../../src/registry/rest/tables.js';
import { describeOnBackends } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describeOnBackends('Registry REST API', (locations) => {
  let served: ServedRegistry;

  /** One request; `token` false sends none, a string sends that one, default the valid one. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    token: string | false = served.token,
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `token ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${served.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const post = async (table: string, body: unknown): Promise<Record<string, unknown>> => {
    const a = await call('POST', `/api/${table}/`, body);
    expect(a.status, JSON.stringify(a.body)).to.equal(201);
    return a.body;
  };

  /** A namespace, an object stored at a location, and a data product on it; returns their URLs. */
  async function product(name: string, version = '1.0.0', ns = 'alice'): Promise<Record<string, string>> {
    const namespace = (await call('GET', `/api/namespace/?name=${ns}`)).body.results as Array<{
      url: string;
    }>;
    const nsUrl = namespace[0]?.url ?? ((await post('namespace', { name: ns })).url as string);
    const roots = (await call('GET', '/api/storage_root/?root=file:///data/')).body.results as Array<{
      url: string;
    }>;
    const root =
      roots[0]?.url ?? ((await post('storage_root', { root: 'file:///data/', local: true })).url as string);
    const location = await post('storage_location', {
      path: `${name}/${version}.nc`,
      hash: `h-${name}-${version}`,
      storage_root: root,
    });
    const object = await post('object', { storage_location: location.url });
    const component = { url: (object.components as string[])[0] };
    const dp = await post('data_product', { object: object.url, namespace: nsUrl, name, version });
    return {
      namespace: nsUrl,
      object: object.url as string,
      component: component.url as string,
      dataProduct: dp.url as string,
      location: location.url as string,
    };
  }

  beforeEach(async () => {
    served = await serveFreshRegistry(locations);
  });
  afterEach(() => served.close());

  it('GET /api/ lists every table with its URL, and each list answers anonymously', async () => {
    const index = await call('GET', '/api/', undefined, false);
    expect(index.status).to.equal(200);
    for (const table of REST_TABLES.keys()) expect(index.body[table]).to.equal(`${served.url}/api/${table}/`);
    // Only tables, as the FAIR registry's router lists them: FAIR-CLI's push asks OPTIONS of each name.
    expect(Object.keys(index.body).sort()).to.deep.equal([...REST_TABLES.keys()].sort());
    const list = await call('GET', '/api/data_product/', undefined, false);
    expect(list.body).to.deep.equal({ count: 0, next: null, previous: null, results: [] });
  });

  it('POST takes relations as URLs; results carry their own url and relations as URLs; GET by id', async () => {
    const p = await product('tas');
    const got = await call('GET', new URL(p.dataProduct!).pathname, undefined, false);
    expect(got.status).to.equal(200);
    expect(got.body.url).to.equal(p.dataProduct);
    expect(got.body.object).to.equal(p.object);
    expect(got.body.namespace).to.equal(p.namespace);
    expect(got.body.updated_by).to.match(/\/api\/users\/\d+\/$/);
    const object = await call('GET', new URL(p.object!).pathname);
    expect(object.body.storage_location).to.equal(p.location);
    expect(object.body.uuid).to.match(/^[0-9a-f-]{36}$/);
  });

  it('every field filters: exact text, integer ids for relations, booleans; * globs name-like fields only', async () => {
    await product('cmip6/CESM2/tas');
    await product('cmip6/CESM2/pr');
    await product('cmip6/GFDL/tas');
    await product('cmip6_x', '1.0.0', 'bob');
    const names = async (query: string): Promise<string[]> => {
      const a = await call('GET', `/api/data_product/?${query}`);
      expect(a.status, JSON.stringify(a.body)).to.equal(200);
      return (a.body.results as Array<{ name: string }>).map((r) => r.name).sort();
    };
    expect(await names('name=cmip6/CESM2/tas')).to.deep.equal(['cmip6/CESM2/tas']);
    expect(await names('name=cmip6/CESM2/*')).to.deep.equal(['cmip6/CESM2/pr', 'cmip6/CESM2/tas']);
    expect(await names('name=*/tas')).to.deep.equal(['cmip6/CESM2/tas', 'cmip6/GFDL/tas']);
    expect(await names('name=cmip6/cesm2/*'), 'globs are case-sensitive').to.deep.equal([]);
    expect(await names('name=cmip6_*'), '_ is literal').to.deep.equal(['cmip6_x']);
    const bob = ((await call('GET', '/api/namespace/?name=bob')).body.results as Array<{ id: number }>)[0]!
      .id;
    expect(await names(`namespace=${bob}`)).to.deep.equal(['cmip6_x']);
    expect(await names(`namespace=${bob}&version=1.0.0`)).to.deep.equal(['cmip6_x']);
    const locations = await call('GET', '/api/storage_location/?hash=h-cmip6*');
    expect(locations.body.count, 'hash is not a name-like field: no glob').to.equal(0);
    expect((await call('GET', '/api/object_component/?whole_object=true')).body.count).to.equal(4);
    const bad = await call('GET', '/api/data_product/?namespace=bob');
    expect(bad.status).to.equal(400);
    expect(bad.body.namespace).to.be.an('array');
  });

  it('400 names every unknown query parameter (`limit` too: the FAIR registry pages by `page_size`)', async () => {
    const a = await call('GET', '/api/data_product/?nmae=tas&verison=1&limit=5&page_size=5');
    expect(a.status).to.equal(400);
    expect(a.body.unknown_parameters).to.deep.equal(['nmae', 'verison', 'limit']);
    expect(String(a.body.detail)).to.contain('nmae').and.to.contain('verison');
  });

  it('400 on validation with a message per field, and nothing is written', async () => {
    const a = await call('POST', '/api/storage_location/', {
      path: 7,
      storage_root: 'not a url',
      public: 'maybe',
      colour: 'red',
    });
    expect(a.status).to.equal(400);
    // An unknown field (`colour`) is ignored, as the FAIR registry ignores it.
    expect(Object.keys(a.body).sort()).to.deep.equal(['hash', 'path', 'public', 'storage_root']);
    expect(a.body.hash).to.deep.equal(['This field is required.']);
    const missing = await call('POST', '/api/object/', {
      storage_location: `${served.url}/api/storage_location/999/`,
    });
    expect(missing.status).to.equal(400);
    expect(String((missing.body.storage_location as string[])[0])).to.contain('does not exist');
    const wrongTable = await call('POST', '/api/data_product/', {
      object: `${served.url}/api/namespace/1/`,
      namespace: `${served.url}/api/namespace/1/`,
      name: 'x',
      version: '1',
    });
    expect(wrongTable.status).to.equal(400);
    expect(wrongTable.body.object).to.be.an('array');
    expect((await call('GET', '/api/storage_location/')).body.count).to.equal(0);
    expect((await call('GET', '/api/object/')).body.count).to.equal(0);
  });

  it('403 (as the FAIR registry answers): no write succeeds without a valid token, on any table, and a bad token is refused even for reads', async () => {
    for (const table of REST_TABLES.keys()) {
      expect((await call('POST', `/api/${table}/`, {}, false)).status, `${table} POST`).to.equal(403);
      expect((await call('POST', `/api/${table}/`, {}, 'f'.repeat(40))).status, `${table} POST`).to.equal(
        403,
      );
    }
    const p = await product('tas');
    const path = new URL(p.dataProduct!).pathname;
    expect((await call('PATCH', path, { version: '2.0.0' }, false)).status).to.equal(403);
    expect((await call('PATCH', path, { version: '2.0.0' }, 'token')).status).to.equal(403);
    expect((await call('GET', '/api/', undefined, 'f'.repeat(40))).status).to.equal(403);
    expect((await call('GET', path)).body.version).to.equal('1.0.0');
    expect((await call('GET', '/api/namespace/')).body.count).to.equal(1);
  });

  it('404 for unknown ids, tables and data products of a prov report', async () => {
    expect((await call('GET', '/api/data_product/42/')).status).to.equal(404);
    expect((await call('GET', '/api/data_product/abc/')).status).to.equal(404);
    expect((await call('GET', '/api/no_such_table/')).status).to.equal(404);
    expect((await call('PATCH', '/api/data_product/42/', { version: '2' })).status).to.equal(404);
    expect((await call('GET', '/api/prov-report/42/')).status).to.equal(404);
  });

  it('PATCH changes code_run and issue, never a published data product’s identity; 405 on every other table', async () => {
    const p = await product('tas');
    const patched = await call('PATCH', new URL(p.dataProduct!).pathname, { version: '1.1.0' });
    expect(patched.status).to.equal(400);
    expect(patched.body.version).to.deep.equal([
      'A published data_product keeps its version; post a new version instead.',
    ]);
    expect((await call('GET', new URL(p.dataProduct!).pathname)).body.version).to.equal('1.0.0');
    const run = await post('code_run', { run_date: '2024-05-01T10:00:00Z', description: 'first' });
    const runPatched = await call('PATCH', new URL(run.url as string).pathname, {
      outputs: [p.component],
      status: 'succeeded',
    });
    expect(runPatched.body.outputs).to.deep.equal([p.component]);
    expect(runPatched.body.status).to.equal('succeeded');
    const issue = await post('issue', { severity: 3, description: 'bias' });
    expect(
      (await call('PATCH', new URL(issue.url as string).pathname, { severity: 1 })).body.severity,
    ).to.equal(1);
    const ns = await call('PATCH', new URL(p.namespace!).pathname, { name: 'eve' });
    expect(ns.status).to.equal(405);
    expect((await call('PATCH', new URL(p.object!).pathname, { description: 'x' })).status).to.equal(405);
    expect((await call('GET', new URL(p.namespace!).pathname)).body.name).to.equal('alice');
  });

  it('409 on a duplicate POST, and the first row is kept; no PATCH moves a version onto another’s', async () => {
    await post('namespace', { name: 'alice', full_name: 'first' });
    const dup = await call('POST', '/api/namespace/', { name: 'alice', full_name: 'second' });
    expect(dup.status).to.equal(409);
    const a = await product('tas', '1.0.0', 'bob');
    await product('tas', '2.0.0', 'bob');
    expect((await call('PATCH', new URL(a.dataProduct!).pathname, { version: '2.0.0' })).status).to.equal(
      400,
    );
    expect((await call('GET', '/api/namespace/?name=alice')).body.results).to.have.length(1);
    expect(
      ((await call('GET', '/api/namespace/?name=alice')).body.results as Array<{ full_name: string }>)[0]!
        .full_name,
    ).to.equal('first');
  });

  it('cursor pagination: page_size, next and previous links walk the rows both ways, newest first', async () => {
    for (let i = 4; i >= 0; i--) await post('namespace', { name: `ns${i}` });
    const first = await call('GET', '/api/namespace/?page_size=2&name=ns*');
    expect(first.body.count).to.equal(5);
    expect(first.body.previous).to.equal(null);
    const names = (a: Answer): string[] => (a.body.results as Array<{ name: string }>).map((r) => r.name);
    expect(names(first)).to.deep.equal(['ns0', 'ns1']);
    const second = await call(
      'GET',
      new URL(first.body.next as string).pathname + new URL(first.body.next as string).search,
    );
    expect(names(second)).to.deep.equal(['ns2', 'ns3']);
    const third = await call(
      'GET',
      new URL(second.body.next as string).pathname + new URL(second.body.next as string).search,
    );
    expect(names(third)).to.deep.equal(['ns4']);
    expect(third.body.next).to.equal(null);
    const back = new URL(third.body.previous as string);
    expect(names(await call('GET', back.pathname + back.search))).to.deep.equal(['ns2', 'ns3']);
    expect((await call('GET', '/api/namespace/?cursor=zzz')).status).to.equal(400);
  });

  it('POST a code run with 1,000 outputs (more than SQLite takes in one INSERT)', async () => {
    const p = await product('many');
    const objectId = Number(new URL(p.object!).pathname.split('/')[3]);
    const ids = await served.registry.write(async (trx) => {
      const rows = Array.from({ length: 1000 }, (_, i) => ({
        object_id: objectId,
        name: `c${i}`,
        whole_object: false,
        last_updated: '2024-05-01T10:00:00Z',
      }));
      const out: number[] = [];
      for (let i = 0; i < rows.length; i += 200) {
        const inserted = (await trx('object_component')
          .insert(rows.slice(i, i + 200))
          .returning('id')) as Array<{ id: number } | number>;
        out.push(...inserted.map((r) => (typeof r === 'number' ? r : r.id)));
      }
      return out;
    });
    const run = await post('code_run', {
      run_date: '2024-05-01T10:00:00Z',
      outputs: ids.map((id) => `${served.url}/api/object_component/${id}/`),
    });
    expect(run.outputs as string[]).to.have.length(1000);
  });

  it('prov-report: PROV-JSON in the FAIR registry vocabulary, the run that wrote the product and what it used', async () => {
    const input = await product('obs/tas');
    const output = await product('pod/figure');
    const run = await post('code_run', {
      run_date: '2024-05-01T10:00:00Z',
      inputs: [input.component],
      outputs: [output.component],
    });
    const id = new URL(output.dataProduct!).pathname.split('/')[3];
    const report = await call('GET', `/api/prov-report/${id}/`, undefined, false);
    expect(report.status).to.equal(200);
    const doc = report.body as Record<string, Record<string, Record<string, unknown>>>;
    // The registry's ids: its API paths under `lreg` (test/registry/provReport.test.ts covers the rest).
    const ref = (url: string): string => `lreg:${new URL(url).pathname.slice(1).replace(/\/$/, '')}`;
    expect(doc.prefix!.lreg).to.equal(`${served.url}/`);
    expect(doc.entity![ref(output.dataProduct!)]).to.include({
      'prov:atLocation': 'file:///data/pod/figure/1.0.0.nc',
      'fair:namespace': 'alice',
      'dcterms:title': 'pod/figure',
      'dcat:hasVersion': '1.0.0',
    });
    expect(doc.activity![ref(run.url as string)]!['prov:startTime']).to.equal('2024-05-01T10:00:00+00:00');
    expect(Object.values(doc.wasGeneratedBy!)).to.deep.equal([
      { 'prov:entity': ref(output.dataProduct!), 'prov:activity': ref(run.url as string) },
    ]);
    expect(Object.values(doc.used!)).to.deep.equal([
      {
        'prov:activity': ref(run.url as string),
        'prov:entity': ref(input.dataProduct!),
        'prov:role': { $: 'fair:input_data', type: 'prov:QUALIFIED_NAME' },
      },
    ]);
  });

  it('fairpod registry token create|revoke: a revoked token can no longer write', async () => {
    const location = served.registry.target.kind === 'sqlite' ? served.registry.target.file : undefined;
    const db =
      location ??
      (await (async () => {
        // PostgreSQL: the same URL the registry was opened with, schema included.
        const t = served.registry.target as { url: string; schema?: string };
        const u = new URL(t.url);
        if (t.schema) u.searchParams.set('schema', t.schema);
        return u.toString();
      })());
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      out.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runCli(['node', 'fairpod', 'registry', 'token', 'create', '--user', 'carol', '--db', db]);
    } finally {
      process.stdout.write = write;
    }
    expect(code).to.equal(0);
    const token = out.join('').trim();
    expect(token).to.match(/^[0-9a-f]{40}$/);
    const stored = (await served.registry.knex('fairpod_api_token').select('token_sha256')) as Array<{
      token_sha256: string;
    }>;
    expect(stored.map((r) => r.token_sha256)).not.to.include(token);
    expect((await call('POST', '/api/namespace/', { name: 'carol' }, token)).status).to.equal(201);
    expect(await runCli(['node', 'fairpod', 'registry', 'token', 'revoke', token, '--db', db])).to.equal(0);
    expect((await call('POST', '/api/namespace/', { name: 'carol2' }, token)).status).to.equal(403);
    expect(await runCli(['node', 'fairpod', 'registry', 'token', 'revoke', token, '--db', db])).to.not.equal(
      0,
    );
    expect(
      (await call('POST', '/api/namespace/', { name: 'dave' })).status,
      'other tokens still work',
    ).to.equal(201);
  });
});
