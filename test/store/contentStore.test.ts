import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ContentStore } from '../../src/store/contentStore.js';
import { HashMismatchError, StoreError } from '../../src/store/errors.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const digest = (alg: string, data: string | Buffer): string => createHash(alg).update(data).digest('hex');

describe('ContentStore', () => {
  let dir: string;
  let store: ContentStore;
  let src: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-store-'));
    store = new ContentStore(path.join(dir, 'store'));
    src = path.join(dir, 'tas.nc');
    await fs.writeFile(src, 'surface air temperature');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('stores a file under <namespace>/<name>/<sha1>.<ext>, read-only, hashed in the same pass', async () => {
    const r = await store.add(src, {
      namespace: 'alice',
      name: 'cmip6/CESM2/tas',
      expected: { md5: digest('md5', 'surface air temperature') },
    });
    const sha1 = digest('sha1', 'surface air temperature');
    expect(r.relativePath).to.equal(`alice/cmip6/CESM2/tas/${sha1}.nc`);
    expect(r.digests).to.deep.equal({ sha1, md5: digest('md5', 'surface air temperature') });
    expect(await fs.readFile(r.path, 'utf8')).to.equal('surface air temperature');
    expect((await fs.stat(r.path)).mode & 0o777).to.equal(0o444);
    expect(r.deduplicated).to.equal(false);
  });

  it('adopts a file hashed while it was written: moved in (same inode), not copied; a mismatch removes it', async () => {
    const text = 'surface air temperature';
    const sha1 = digest('sha1', text);
    const received = path.join(store.root, '.cache', 'downloads', 'x.part');
    await fs.mkdir(path.dirname(received), { recursive: true });
    await fs.writeFile(received, text);
    const inode = (await fs.stat(received)).ino;
    const r = await store.adopt(
      received,
      { sha1, sha256: digest('sha256', text) },
      { namespace: 'downloads', name: 'host/tas', ext: 'nc', expected: { sha256: digest('sha256', text) } },
    );
    expect(r.relativePath).to.equal(`downloads/host/tas/${sha1}.nc`);
    expect((await fs.stat(r.path)).ino).to.equal(inode);
    expect((await fs.stat(r.path)).mode & 0o777).to.equal(0o444);
    await fs.access(received).then(
      () => expect.fail('the adopted file is still at its old path'),
      () => undefined,
    );
    expect((await store.get(r.relativePath)).sha1).to.equal(sha1);

    await fs.writeFile(received, 'other bytes');
    const err = await store
      .adopt(
        received,
        { sha1: digest('sha1', 'other bytes'), md5: digest('md5', 'other bytes') },
        {
          namespace: 'downloads',
          name: 'host/pr',
          expected: { md5: digest('md5', 'published') },
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(HashMismatchError);
    await fs.access(received).then(
      () => expect.fail('a file that failed its checksum was left behind'),
      () => undefined,
    );
    expect((await store.list()).map((o) => o.relativePath)).to.deep.equal([r.relativePath]);
  });

  it('stores identical content once, whatever its name', async () => {
    const a = await store.add(src, { namespace: 'alice', name: 'tas' });
    const again = await store.add(src, { namespace: 'alice', name: 'tas' });
    const b = await store.add(Readable.from([Buffer.from('surface air '), Buffer.from('temperature')]), {
      namespace: 'bob',
      name: 'other',
      ext: 'nc',
    });
    expect(again.deduplicated).to.equal(true);
    expect(again.path).to.equal(a.path);
    expect(b.sha1).to.equal(a.sha1);
    expect((await fs.stat(b.path)).ino).to.equal((await fs.stat(a.path)).ino);
    expect((await store.list()).map((o) => o.relativePath)).to.deep.equal([a.relativePath, b.relativePath]);
  });

  it('rejects content whose publisher checksum differs, leaving nothing behind', async () => {
    const err = await store
      .add(src, { namespace: 'alice', name: 'tas', expected: { sha256: '0'.repeat(64) } })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HashMismatchError);
    expect((err as HashMismatchError).algorithm).to.equal('sha256');
    expect((err as HashMismatchError).actual).to.equal(digest('sha256', 'surface air temperature'));
    expect(await store.list()).to.deep.equal([]);
    expect(await fs.readdir(path.join(store.root, '.tmp'))).to.deep.equal([]);
  });

  it('rejects names that would escape or hide in the layout', async () => {
    for (const name of ['../x', 'a//b', '.hidden', '']) {
      const err = await store.add(src, { namespace: 'alice', name }).catch((e: unknown) => e);
      expect(err, name).to.be.instanceOf(StoreError);
    }
    expect(() => store.relative('/etc/passwd')).to.throw(StoreError);
  });

  it('catches a tampered file on the next read and in verify, even with its mtime restored', async () => {
    const r = await store.add(src, { namespace: 'alice', name: 'tas' });
    await store.get(r.relativePath);
    const before = await fs.stat(r.path);
    await fs.chmod(r.path, 0o644);
    await fs.writeFile(r.path, 'surface air temperaturX');
    await fs.utimes(r.path, before.atime, before.mtime);
    const err = await store.get(r.relativePath).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HashMismatchError);
    const report = await store.verify();
    expect(report.bad.map((b) => b.relativePath).sort()).to.deep.equal(
      [`.objects/${r.sha1.slice(0, 2)}/${r.sha1}`, r.relativePath].sort(),
    );
    expect(report.bad[0]!.actual).to.equal(digest('sha1', 'surface air temperaturX'));
  });

  it('re-adding content whose stored copy was tampered with replaces the bad copy', async () => {
    const r = await store.add(src, { namespace: 'alice', name: 'tas' });
    await fs.chmod(r.path, 0o644);
    await fs.writeFile(r.path, 'garbage');
    const again = await store.add(src, { namespace: 'alice', name: 'tas' });
    expect(again.deduplicated).to.equal(false);
    expect(await fs.readFile(again.path, 'utf8')).to.equal('surface air temperature');
    expect((await store.verify()).bad).to.deep.equal([]);
  });

  it('persists verified files in a stat cache that a new store instance uses', async () => {
    const r = await store.add(src, { namespace: 'alice', name: 'tas' });
    await store.flush();
    const cache = JSON.parse(
      await fs.readFile(path.join(store.root, '.cache', 'stat.json'), 'utf8'),
    ) as Record<string, { sha1: string }>;
    expect(cache[r.relativePath]!.sha1).to.equal(r.sha1);
    expect((await new ContentStore(store.root).get(r.path)).sha1).to.equal(r.sha1);
  });

  it('a writer killed mid-add leaves no file in the store, and verify stays clean', async function () {
    const script = path.join(dir, 'writer.mjs');
    const storeUrl = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', 'store', 'contentStore.js')).href;
    await fs.writeFile(
      script,
      `import { ContentStore } from ${JSON.stringify(storeUrl)};
       import { Readable } from 'node:stream';
       // Never ends: the parent kills this process while the file is half written.
       const endless = new Readable({ read() { setTimeout(() => this.push(Buffer.alloc(65536, 1)), 5); } });
       await new ContentStore(${JSON.stringify(store.root)}).add(endless, { namespace: 'alice', name: 'big', ext: 'nc' });`,
    );
    const child = spawn(process.execPath, [script], { stdio: 'ignore' });
    const tmpDir = path.join(store.root, '.tmp');
    for (let i = 0; i < 200; i++) {
      const parts = await fs.readdir(tmpDir).catch(() => []);
      if (parts.length && (await fs.stat(path.join(tmpDir, parts[0]!))).size > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await fs.readdir(tmpDir)).to.have.length(1);
    expect(await store.list()).to.deep.equal([]);
    expect(await store.verify()).to.deep.equal({ checked: 0, bad: [] });
    expect(await store.cleanTemp()).to.have.length(1);
    expect(await fs.readdir(tmpDir)).to.deep.equal([]);
  });
});
