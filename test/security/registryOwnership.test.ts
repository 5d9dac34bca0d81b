import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createToken } from '../../src/registry/rest/tokens.js';
import { BACKENDS, RegistryLocations } from '../registry/backends.js';
import { serveFreshRegistry, type ServedRegistry } from '../registry/restServer.js';

/**
 * The hostile token holder: bob has a valid token on a team registry and tries to change what alice wrote
 * (her data product, her code run), to write into her namespace, and to squat her data store paths.
 */
for (const backend of BACKENDS) {
  describe(`security: a token holder writes only what is theirs [${backend}]`, function () {
    const locations = new RegistryLocations(backend);
    let dir: string;
    let served: ServedRegistry;
    let bob: string;
    const rows: Record<string, string> = {};

    async function call(
      token: string,
      method: string,
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const r = await fetch(new URL(url, served.url), {
        method,
        headers: {
          authorization: `token ${token}`,
          ...(typeof body === 'string' ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    }
    const asAlice = (method: string, url: string, body?: unknown) => call(served.token, method, url, body);
    const asBob = (method: string, url: string, body?: unknown) => call(bob, method, url, body);

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-owners-'));
      served = await serveFreshRegistry(locations, { dataStore: dir });
      bob = await createToken(served.registry, 'bob');
      const created = async (table: string, body: Record<string, unknown>) => {
        const r = await asAlice('POST', `/api/${table}/`, body);
        expect(r.status, JSON.stringify(r.body)).to.equal(201);
        return r.body.url as string;
      };
      rows.namespace = await created('namespace', { name: 'alice' });
      const root = await created('storage_root', { root: 'file:///data/', local: true });
      const location = await created('storage_location', {
        path: 'a.nc',
        hash: 'h-a',
        public: true,
        storage_root: root,
      });
      rows.object = await created('object', { storage_location: location });
      rows.dataProduct = await created('data_product', {
        name: 'results/tas',
        version: '0.0.1',
        object: rows.object,
        namespace: rows.namespace,
      });
      rows.codeRun = await created('code_run', {
        run_date: '2026-01-01T00:00:00Z',
        description: 'alice run',
      });
    });
    after(async () => {
      await served.close();
      await locations.cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    });

    const refused: Array<[what: string, attempt: () => Promise<{ status: number }>, status: number]> = [
      ['PATCH of her code run', () => asBob('PATCH', rows.codeRun!, { status: 'failed' }), 403],
      [
        'PATCH of her data product’s version',
        () => asBob('PATCH', rows.dataProduct!, { version: '9.9.9' }),
        403,
      ],
      [
        'PATCH of her data product’s name',
        () => asBob('PATCH', rows.dataProduct!, { name: '../../etc/passwd' }),
        403,
      ],
      [
        'a data product posted into her namespace',
        () =>
          asBob('POST', '/api/data_product/', {
            name: 'results/tas',
            version: '0.0.2',
            object: rows.object,
            namespace: rows.namespace,
          }),
        403,
      ],
      [
        'a file PUT under her namespace in the data store',
        () =>
          call(bob, 'PUT', '/data/alice/results/tas/x.nc', 'squat', {
            'x-content-sha1': createHash('sha1').update('squat').digest('hex'),
          }),
        403,
      ],
    ];
    for (const [what, attempt, status] of refused) {
      it(`refuses ${what} (${status}) and changes nothing`, async () => {
        expect((await attempt()).status).to.equal(status);
        const run = await asAlice('GET', rows.codeRun!);
        expect(run.body.status ?? null).to.not.equal('failed');
        const product = await asAlice('GET', rows.dataProduct!);
        expect([product.body.name, product.body.version]).to.deep.equal(['results/tas', '0.0.1']);
        expect((await asAlice('GET', '/api/data_product/?name=results/tas')).body.count).to.equal(1);
        await fs.access(path.join(dir, 'alice', 'results', 'tas', 'x.nc')).then(
          () => expect.fail('bob wrote into alice’s data store path'),
          () => undefined,
        );
      });
    }

    it('still lets bob write his own rows and content-addressed files, and alice change her own run', async () => {
      const ns = await asBob('POST', '/api/namespace/', { name: 'bob' });
      expect(ns.status).to.equal(201);
      const product = await asBob('POST', '/api/data_product/', {
        name: 'results/tas',
        version: '0.0.1',
        object: rows.object,
        namespace: ns.body.url,
      });
      expect(product.status, JSON.stringify(product.body)).to.equal(201);
      const sha1 = createHash('sha1').update('shared bytes').digest('hex');
      const put = await call(bob, 'PUT', `/data/files/${sha1}/log.txt`, 'shared bytes', {
        'x-content-sha1': sha1,
      });
      expect(put.status).to.equal(201);
      const own = await asAlice('PATCH', rows.codeRun!, { description: 'alice run, described' });
      expect(own.status).to.equal(200);
    });
  });
}
