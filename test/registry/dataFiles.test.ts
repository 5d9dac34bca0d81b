import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryLocations } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('hex');

describe('fairpod registry serve --data-store: files at /data/', () => {
  const locations = new RegistryLocations('sqlite');
  let dir: string;
  let served: ServedRegistry;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-datafiles-'));
    served = await serveFreshRegistry(locations, { dataStore: dir });
  });
  afterEach(async () => {
    await served.close();
    await locations.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  function put(
    relPath: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${served.url}/data/${relPath}`, {
      method: 'PUT',
      body,
      headers: {
        'content-type': 'application/octet-stream',
        authorization: `token ${served.token}`,
        'x-content-sha1': sha1(body),
        ...headers,
      },
    });
  }

  /** Every file under the data store, as relative paths. */
  async function files(): Promise<string[]> {
    const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  }

  it('PUT creates a read-only file (201), the same bytes again are 200, other bytes 409', async () => {
    const created = await put('a/b/out.nc', 'first bytes');
    expect(created.status).to.equal(201);
    expect(await created.json()).to.include({ path: 'a/b/out.nc', sha1: sha1('first bytes'), size: 11 });
    const stat = await fs.stat(path.join(dir, 'a/b/out.nc'));
    expect(stat.mode & 0o222).to.equal(0);

    expect((await put('a/b/out.nc', 'first bytes')).status).to.equal(200);
    const other = await put('a/b/out.nc', 'other bytes');
    expect(other.status).to.equal(409);
    expect(await fs.readFile(path.join(dir, 'a/b/out.nc'), 'utf8')).to.equal('first bytes');
  });

  it('GET and HEAD need no token; Range is served; a missing file is 404', async () => {
    await put('x/data.bin', '0123456789');
    const get = await fetch(`${served.url}/data/x/data.bin`);
    expect(get.status).to.equal(200);
    expect(await get.text()).to.equal('0123456789');
    const head = await fetch(`${served.url}/data/x/data.bin`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).to.equal('10');
    const range = await fetch(`${served.url}/data/x/data.bin`, { headers: { range: 'bytes=4-' } });
    expect(range.status).to.equal(206);
    expect(await range.text()).to.equal('456789');
    expect((await fetch(`${served.url}/data/x/none.bin`)).status).to.equal(404);
  });

  it('refuses writes without a valid token (403) and writes nothing', async () => {
    const none = await fetch(`${served.url}/data/f.txt`, {
      method: 'PUT',
      body: 'bytes',
      headers: { 'x-content-sha1': sha1('bytes') },
    });
    expect(none.status).to.equal(403);
    expect((await put('f.txt', 'bytes', { authorization: `token ${'0'.repeat(40)}` })).status).to.equal(403);
    expect(await files()).to.deep.equal([]);
  });

  it('a body that does not match X-Content-SHA1 is 400 and leaves no file, not even a temporary one', async () => {
    const wrong = await put('f.txt', 'bytes', { 'x-content-sha1': sha1('other') });
    expect(wrong.status).to.equal(400);
    expect(JSON.stringify(await wrong.json())).to.match(/X-Content-SHA1/);
    const missing = await put('g.txt', 'bytes', { 'x-content-sha1': '' });
    expect(missing.status).to.equal(400);
    expect(await files()).to.deep.equal([]);
  });

  it('paths never escape the data store', async () => {
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-escaped.txt`);
    for (const p of [
      '..%2F' + encodeURIComponent(path.basename(outside)),
      '%2E%2E/x.txt',
      'a/..%2F..%2Fx.txt',
    ]) {
      const res = await put(p, 'bytes');
      expect(res.status, p).to.be.oneOf([400, 404]);
    }
    expect(await fs.stat(outside).catch(() => undefined)).to.equal(undefined);
    expect(await files()).to.deep.equal([]);
  });

  it('the served data store is the registry’s first storage root (FAIR-CLI files uploads under storage_root 1)', async () => {
    const roots = (await (await fetch(`${served.url}/api/storage_root/`)).json()) as {
      results: Array<{ url: string; root: string; local: boolean }>;
    };
    expect(roots.results).to.have.length(1);
    expect(roots.results[0]).to.include({
      url: `${served.url}/api/storage_root/1/`,
      root: `${served.url}/data/`,
      local: false,
    });
  });

  it('--data-url names the root another way; without --data-store it is an error naming the flag', async () => {
    const { fairpod } = await import('../support/cli.js');
    const bad = await fairpod(
      'registry',
      'serve',
      '--db',
      path.join(dir, 'r.db'),
      '--data-url',
      'http://localhost:1/data',
    );
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.contain('--data-url');
    expect(bad.stderr).to.contain('--data-store');
    const notHttp = await fairpod('registry', 'serve', '--data-url', 'ftp://x/');
    expect(notHttp.code).to.not.equal(0);
    expect(notHttp.stderr).to.contain('not an http(s) URL: ftp://x/');
  });

  it('a registry served without --data-store has no /data/ routes', async () => {
    const plain = await serveFreshRegistry(locations);
    try {
      const res = await fetch(`${plain.url}/data/f.txt`, {
        method: 'PUT',
        body: 'bytes',
        headers: { authorization: `token ${plain.token}`, 'x-content-sha1': sha1('bytes') },
      });
      expect(res.status).to.equal(404);
    } finally {
      await plain.close();
    }
  });
});
