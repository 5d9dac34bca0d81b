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

  /**
   * A server answering as the FAIR data registry (Django) does where fairpod's own server is more lenient:
   * a listing given a query parameter outside the table's filter fields is a 400 (its `users` listing takes
   * only `username` and `cursor`), and `code_run` filters only on the FAIR fields (no `run_id`, `status`).
   */
  async function strictRegistry(): Promise<{ url: string; close(): void; queries: string[] }> {
    const allowed: Record<string, string[]> = {
      users: ['username', 'cursor', 'format'],
      code_run: ['uuid', 'run_date', 'description', 'code_repo', 'page_size', 'ordering', 'cursor'],
    };
    const queries: string[] = [];
    const server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://127.0.0.1');
      const table = url.pathname.split('/')[2]!;
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST') return json(409, { detail: 'Field uuid must be unique' });
      queries.push(`${table}?${url.searchParams.toString()}`);
      const refused = [...url.searchParams.keys()].filter((k) => !allowed[table]!.includes(k));
      if (refused.length) return json(400, { detail: `Invalid query arguments: ${refused.join(', ')}` });
      const row =
        table === 'users'
          ? { url: 'http://127.0.0.1/api/users/1/', username: url.searchParams.get('username') }
          : { url: 'http://127.0.0.1/api/code_run/7/', uuid: url.searchParams.get('uuid') };
      return json(200, { count: 1, next: null, previous: null, results: [row] });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => server.close(),
      queries,
    };
  }

  it('lists users without page_size or ordering, which the FAIR data registry refuses there', async () => {
    const strict = await strictRegistry();
    try {
      const users = [];
      for await (const u of new RegistryClient(strict.url).list('users', { username: 'alice' }))
        users.push(u);
      expect(users.map((u) => u.username)).to.deep.equal(['alice']);
      expect(strict.queries).to.deep.equal(['users?username=alice']);
    } finally {
      strict.close();
    }
  });

  it('postOrGet finds a row left by an earlier push by its unique key, not by fields the registry cannot filter on', async () => {
    const strict = await strictRegistry();
    try {
      const uuid = '0f1e2d3c-4b5a-4968-8776-655443322110';
      const run = await new RegistryClient(strict.url, { token: 't' }).postOrGet('code_run', {
        uuid,
        description: 'a run pushed before the push stopped',
        run_id: 'a'.repeat(40),
        status: 'succeeded',
      });
      expect(run).to.deep.equal({ url: 'http://127.0.0.1/api/code_run/7/', uuid });
      expect(strict.queries).to.deep.equal([`code_run?uuid=${uuid}&page_size=1000&ordering=id`]);
    } finally {
      strict.close();
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
