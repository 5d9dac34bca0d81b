import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../src/core/errors.js';
import { CredentialStore } from '../../src/fetch/credentials.js';
import { Downloader, type DownloaderOptions } from '../../src/fetch/downloader.js';
import { DownloadState } from '../../src/fetch/downloadState.js';
import { DownloadError } from '../../src/fetch/errors.js';
import { formatSummary } from '../../src/fetch/summary.js';
import { ContentStore } from '../../src/store/contentStore.js';
import { digestOf, TestServer, testBytes } from './testServer.js';

const SIZE = 256 * 1024;

describe('Downloader against a faulty server on 127.0.0.1', () => {
  let server: TestServer;
  let dir: string;
  let store: ContentStore;
  const body = testBytes(SIZE);
  const noCredentials = new CredentialStore({}, '/nonexistent');

  const downloader = (options: Partial<DownloaderOptions> = {}): Downloader =>
    new Downloader({
      store,
      retries: 3,
      timeoutMs: 2000,
      backoff: { baseMs: 5, capMs: 20 },
      progress: false,
      credentials: noCredentials,
      ...options,
    });

  /** Every file in the store matches the SHA-1 its name claims (the store never holds a bad byte). */
  const expectStoreClean = async (): Promise<void> => {
    const report = await store.verify();
    expect(report.bad).to.deep.equal([]);
  };

  beforeEach(async () => {
    server = new TestServer();
    await server.start();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-fetch-'));
    store = new ContentStore(path.join(dir, 'store'));
  });
  afterEach(async () => {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('downloads a file into the store under <namespace>/<host>/<path>, verified against its checksums', async () => {
    server.serve('/data/tas_200001-200112.nc', body);
    const d = downloader();
    const r = await d.download({
      urls: [server.url('/data/tas_200001-200112.nc')],
      expected: { md5: digestOf(body, 'md5'), sha256: digestOf(body, 'sha256') },
      size: SIZE,
    });
    expect(r.cached).to.equal(false);
    expect(r.sha1).to.equal(digestOf(body, 'sha1'));
    expect(r.relativePath).to.match(
      /^downloads\/127\.0\.0\.1_\d+\/data\/tas_200001-200112\/[0-9a-f]{40}\.nc$/,
    );
    expect(await fs.readFile(r.path)).to.deep.equal(body);
    const s = d.summary();
    expect([s.files, s.bytes, s.cacheHits, s.retries, s.failures.length]).to.deep.equal([1, SIZE, 0, 0, 0]);
    expect(formatSummary(s)).to.match(
      /^downloads: 1 file\(s\), 0\.3 MiB .* 0 cache hit\(s\), 0 retries, 0 failure\(s\)/,
    );
  });

  it('resumes with a Range request after the connection drops mid-body', async () => {
    server.serve('/f.nc', body, { faults: [{ kind: 'drop', afterBytes: 100_000 }] });
    const d = downloader();
    const r = await d.download({
      urls: [server.url('/f.nc')],
      expected: { sha256: digestOf(body, 'sha256') },
    });
    expect(await fs.readFile(r.path)).to.deep.equal(body);
    const seen = server.requestsFor('/f.nc');
    expect(seen).to.have.length(2);
    expect(seen[1]!.range).to.match(/^bytes=\d+-$/);
    expect(Number(seen[1]!.range!.slice(6, -1))).to.be.greaterThan(0);
    expect(d.summary().retries).to.equal(1);
    expect(d.summary().bytes).to.equal(SIZE);
    await expectStoreClean();
  });

  it('starts again from zero when the server ignores Range', async () => {
    server.serve('/f.nc', body, { honourRange: false, faults: [{ kind: 'drop', afterBytes: 100_000 }] });
    const r = await downloader().download({
      urls: [server.url('/f.nc')],
      expected: { md5: digestOf(body, 'md5') },
    });
    expect(await fs.readFile(r.path)).to.deep.equal(body);
    expect(server.requestsFor('/f.nc')[1]!.range).to.match(/^bytes=/);
  });

  it('resumes a partial download left by an earlier run (a restart of fairpod)', async () => {
    server.serve('/f.nc', body, { faults: [{ kind: 'drop', afterBytes: 150_000 }] });
    const first = downloader({ retries: 0 });
    const error = await first.download({ urls: [server.url('/f.nc')] }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DownloadError);
    expect(await store.list()).to.deep.equal([]);
    const state = new DownloadState(store.root);
    expect(await state.partialSize(state.keyOf(server.url('/f.nc')))).to.be.greaterThan(0);

    const second = downloader();
    const r = await second.download({
      urls: [server.url('/f.nc')],
      expected: { sha1: digestOf(body, 'sha1') },
    });
    expect(await fs.readFile(r.path)).to.deep.equal(body);
    expect(server.requestsFor('/f.nc')[1]!.range).to.match(/^bytes=\d+-$/);
    expect(second.summary().bytes).to.be.lessThan(SIZE);
    expect(await state.partialSize(state.keyOf(server.url('/f.nc')))).to.equal(0);
  });

  it('retries 500 and 503 with backoff, then succeeds', async () => {
    server.serve('/f.nc', body, {
      faults: [
        { kind: 'status', code: 500 },
        { kind: 'status', code: 503 },
      ],
    });
    const d = downloader();
    await d.download({ urls: [server.url('/f.nc')] });
    expect(server.requestsFor('/f.nc')).to.have.length(3);
    expect(d.summary().retries).to.equal(2);
  });

  it('does not retry a 4xx: the key fails at once with the reason', async () => {
    const d = downloader();
    const error = (await d
      .download({ urls: [server.url('/missing.nc')] })
      .catch((e: unknown) => e)) as DownloadError;
    expect(error).to.be.instanceOf(DownloadError);
    expect(error.message).to.match(/HTTP 404 Not Found/);
    expect(server.requestsFor('/missing.nc')).to.have.length(1);
    expect(d.summary().failures).to.deep.equal([
      { url: server.url('/missing.nc'), reason: 'HTTP 404 Not Found' },
    ]);
  });

  it('gives up after the retries on a server that keeps failing, naming the status', async () => {
    server.serve('/f.nc', body, {
      faults: Array.from({ length: 10 }, () => ({ kind: 'status' as const, code: 503 })),
    });
    const error = (await downloader({ retries: 2 })
      .download({ urls: [server.url('/f.nc')] })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).to.match(/HTTP 503/);
    expect(server.requestsFor('/f.nc')).to.have.length(3);
  });

  it('never stores wrong bytes: a checksum mismatch fails the key and the store stays empty', async () => {
    server.serve('/f.nc', body, { faults: [{ kind: 'wrongBytes' }] });
    const d = downloader();
    const error = (await d
      .download({ urls: [server.url('/f.nc')], expected: { md5: digestOf(body, 'md5') } })
      .catch((e: unknown) => e)) as Error;
    expect(error).to.be.instanceOf(DownloadError);
    expect(error.message).to.match(/checksum mismatch: md5 is [0-9a-f]{32}, expected/);
    expect(await store.list()).to.deep.equal([]);
    await expectStoreClean();
  });

  it('tries mirrors in order: wrong bytes from the first, the right ones from the second', async () => {
    server.serve('/a/f.nc', body, { faults: [{ kind: 'wrongBytes' }] });
    server.serve('/b/f.nc', body);
    const r = await downloader().download({
      urls: [server.url('/a/f.nc'), server.url('/b/f.nc')],
      expected: { sha256: digestOf(body, 'sha256') },
    });
    expect(await fs.readFile(r.path)).to.deep.equal(body);
    expect(r.url).to.equal(server.url('/b/f.nc'));
    await expectStoreClean();
  });

  it('fails a file whose size differs from the catalog without storing it', async () => {
    server.serve('/f.nc', body);
    const error = (await downloader()
      .download({ urls: [server.url('/f.nc')], size: SIZE + 1 })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).to.match(/server has 262144 bytes, the catalog says 262145/);
    expect(await store.list()).to.deep.equal([]);
  });

  it('times out a stalled transfer and resumes it', async () => {
    server.serve('/f.nc', body, { faults: [{ kind: 'stall', afterBytes: 64 * 1024 }] });
    const d = downloader({ timeoutMs: 300 });
    const r = await d.download({ urls: [server.url('/f.nc')], expected: { md5: digestOf(body, 'md5') } });
    expect(await fs.readFile(r.path)).to.deep.equal(body);
    expect(d.summary().retries).to.equal(1);
    expect(server.requestsFor('/f.nc')[1]!.range).to.match(/^bytes=\d+-$/);
  });

  it('follows redirects', async () => {
    server.serve('/old.nc', body, { redirectTo: '/new.nc' });
    server.serve('/new.nc', body);
    const r = await downloader().download({ urls: [server.url('/old.nc')] });
    expect(r.sha1).to.equal(digestOf(body, 'sha1'));
    expect(server.requestsFor('/new.nc')).to.have.length(1);
  });

  it('answers a second request from the store (a cache hit, no transfer) and re-checks a new checksum type', async () => {
    server.serve('/f.nc', body);
    await downloader().download({ urls: [server.url('/f.nc')] });
    const d = downloader();
    const r = await d.download({
      urls: [server.url('/f.nc')],
      expected: { sha256: digestOf(body, 'sha256') },
    });
    expect(r.cached).to.equal(true);
    expect(d.summary()).to.include({ cacheHits: 1, files: 0, bytes: 0 });
    expect(server.requestsFor('/f.nc')).to.have.length(1);
    const wrong = await d
      .download({ urls: [server.url('/f.nc')], expected: { md5: '0'.repeat(32) } })
      .catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(DownloadError);
  });

  it('downloads an object once when several PODs, or several downloaders sharing the store, want it at once', async () => {
    server.serve('/f.nc', body, { delayMs: 100 });
    const a = downloader();
    const b = downloader();
    const results = await Promise.all([
      a.download({ urls: [server.url('/f.nc')] }),
      a.download({ urls: [server.url('/f.nc')] }),
      b.download({ urls: [server.url('/f.nc')] }),
    ]);
    expect(server.requestsFor('/f.nc')).to.have.length(1);
    expect(new Set(results.map((r) => r.path)).size).to.equal(1);
    // Whichever downloader takes the lock first fetches; the other finds the object in the store.
    expect(a.summary().files + b.summary().files).to.equal(1);
    expect(a.summary().cacheHits + b.summary().cacheHits).to.equal(1);
  });

  it('keeps to the connection limit', async () => {
    for (let i = 0; i < 6; i++) server.serve(`/f${i}.nc`, testBytes(1000, i + 1), { delayMs: 60 });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        downloader({ maxConnections: 2 }).download({ urls: [server.url(`/f${i}.nc`)] }),
      ),
    );
    expect(server.maxActive).to.equal(6); // six separate downloaders: six connections

    server.maxActive = 0;
    for (let i = 0; i < 6; i++) server.serve(`/g${i}.nc`, testBytes(1000, i + 1), { delayMs: 60 });
    const shared = downloader({ maxConnections: 2 });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => shared.download({ urls: [server.url(`/g${i}.nc`)] })),
    );
    expect(server.maxActive).to.equal(2);
  });

  it('refuses URLs that would escape the store', async () => {
    const d = downloader();
    for (const bad of [
      'http://127.0.0.1/a/../../etc/passwd',
      'http://127.0.0.1/a/%2e%2e/x.nc',
      'http://127.0.0.1/a%2F..%2Fx.nc',
      'file:///etc/passwd',
      '/etc/passwd',
    ]) {
      const error = await d.download({ urls: [bad] }).catch((e: unknown) => e);
      expect(error, bad).to.be.instanceOf(ValidationError);
    }
    expect(server.requests).to.deep.equal([]);
  });

  it('sends netrc credentials to their host only, and never shows them in errors or the summary', async () => {
    const netrc = path.join(dir, 'netrc');
    await fs.writeFile(netrc, 'machine 127.0.0.1 login alice password s3cret\n');
    const credentials = new CredentialStore({}, netrc);
    const d = downloader({ credentials });
    server.serve('/f.nc', body);
    await d.download({ urls: [server.url('/f.nc')] });
    expect(server.requestsFor('/f.nc')[0]!.authorization).to.equal(
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    );
    const error = (await d
      .download({ urls: [server.url('/nope.nc').replace('http://', 'http://bob:hunter2@')] })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).to.match(/404/);
    expect(`${error.message} ${formatSummary(d.summary())}`).not.to.match(/hunter2|s3cret/);
  });
});
