import { expect } from 'chai';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RegistryClient, RegistryHttpError } from '../../src/registry/client/client.js';
import { loadRegistryToken, TOKEN_ENV } from '../../src/registry/client/token.js';
import { FairpodError } from '../../src/core/errors.js';
import { isoNow } from '../../src/registry/registry.js';
import { describeOnBackends } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

describeOnBackends('Registry client against the REST server', (locations) => {
  let served: ServedRegistry;
  beforeEach(async () => {
    served = await serveFreshRegistry(locations);
  });
  afterEach(() => served.close());

  it('follows next to the end: 260 rows in pages of 100, in id order, each once', async () => {
    const now = isoNow();
    const rows = Array.from({ length: 260 }, (_, i) => ({
      name: `ns${String(i).padStart(3, '0')}`,
      last_updated: now,
    }));
    await served.registry.knex.batchInsert('namespace', rows, 100);
    await served.registry.knex('namespace').insert({ name: 'other', last_updated: now });
    const client = new RegistryClient(served.url, { pageSize: 100 });
    const names: string[] = [];
    for await (const row of client.list('namespace', { name: 'ns*' })) names.push(row.name as string);
    expect(names).to.deep.equal(rows.map((r) => r.name));
    expect(await client.count('namespace')).to.equal(261);
  });

  it('postOrGet creates, then returns the existing row on 409; writes without a token fail with 403', async () => {
    const client = new RegistryClient(`${served.url}/api/`, { token: served.token });
    const root = await client.postOrGet('storage_root', { root: 'https://data.example/', local: false });
    const again = await client.postOrGet('storage_root', { root: 'https://data.example/', local: false });
    expect(again.url).to.equal(root.url);
    const loc = { path: 'a/b.nc', hash: 'abc', storage_root: root.url };
    const first = await client.postOrGet('storage_location', loc);
    expect((await client.postOrGet('storage_location', loc)).url).to.equal(first.url);
    expect(await client.count('storage_location')).to.equal(1);
    const anonymous = new RegistryClient(served.url);
    let err: unknown;
    await anonymous.post('namespace', { name: 'x' }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(RegistryHttpError);
    expect((err as RegistryHttpError).status).to.equal(403);
    await client.post('namespace', { nmae: 'x' }).catch((e: unknown) => (err = e));
    expect((err as RegistryHttpError).status).to.equal(400);
    expect(
      (err as RegistryHttpError).body,
      'the unknown field is ignored, the missing one named',
    ).to.have.keys(['name']);
  });
});

describe('Registry client', () => {
  it('retries on 5xx until the server answers', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ count: 1, next: null, previous: null, results: [{ url: 'u', name: 'x' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new RegistryClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
        maxRetryDelayMs: 20,
      });
      const rows = [];
      for await (const row of client.list('namespace')) rows.push(row);
      expect(rows).to.deep.equal([{ url: 'u', name: 'x' }]);
      expect(calls).to.equal(3);
      calls = -10; // more failures than retries: the error reaches the caller
      let err: unknown;
      await client.get('namespace', 1).catch((e: unknown) => (err = e));
      expect((err as RegistryHttpError).status).to.equal(503);
    } finally {
      server.close();
    }
  });

  describe('token', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-token-'));
    });
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));

    it('reads a mode-600 token file, prefers the environment variable, refuses a group/world-readable file', async () => {
      const file = path.join(dir, 'token');
      await fs.writeFile(file, `${'a'.repeat(40)}\n`, { mode: 0o600 });
      expect(await loadRegistryToken({ file, env: {} })).to.equal('a'.repeat(40));
      expect(await loadRegistryToken({ file, env: { [TOKEN_ENV]: 'b'.repeat(40) } })).to.equal(
        'b'.repeat(40),
      );
      expect(await loadRegistryToken({ env: {} })).to.equal(undefined);
      await fs.chmod(file, 0o640);
      let err: unknown;
      await loadRegistryToken({ file, env: {} }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(FairpodError);
      expect((err as FairpodError).message).to.contain('mode 640');
      expect((err as FairpodError).hint).to.contain('chmod 600');
      await fs.chmod(file, 0o604);
      err = undefined;
      await loadRegistryToken({ file, env: {} }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(FairpodError);
    });
  });
});
