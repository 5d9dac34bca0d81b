import { expect } from 'chai';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CredentialStore } from '../../src/fetch/credentials.js';
import { Downloader } from '../../src/fetch/downloader.js';
import { ContentStore } from '../../src/store/contentStore.js';
import { digestOf, testBytes } from './testServer.js';

/** A server on 127.0.0.1 whose every request is answered by `handler`. */
async function serve(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Downloader: bodies as they arrive', () => {
  let dir: string;
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is not stored: the download is retried and the whole file enters the store', async () => {
    const body = testBytes(300 * 1024);
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      // Chunked (no length): only the body's end tells that it is complete.
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      if (requests === 1) {
        res.write(body.subarray(0, 100 * 1024), () => res.socket?.destroy());
        return;
      }
      res.end(body);
    });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-chunked-'));
    try {
      const downloader = new Downloader({
        store: new ContentStore(path.join(dir, 'store')),
        retries: 2,
        backoff: { baseMs: 5, capMs: 20 },
        progress: false,
        credentials: new CredentialStore({}, '/nonexistent'),
      });
      const result = await downloader.download({
        urls: [`http://127.0.0.1:${server.port}/f.nc`],
        expected: { sha256: digestOf(body, 'sha256') },
      });
      expect(await fs.readFile(result.path)).to.deep.equal(body);
      expect(downloader.summary().retries).to.equal(1);
      expect(result.bytes).to.equal(body.length);
    } finally {
      await server.close();
    }
  });

  // Each result's bytes were the shared counter's growth over its transfer: other connections' bytes too.
  it('counts in a result only its own transfer, while others run beside it', async () => {
    const bodies = [testBytes(600 * 1024), testBytes(200 * 1024)];
    const server = await serve((req, res) => {
      const body = bodies[Number(req.url!.slice(1, 2))]!;
      res.writeHead(200, { 'content-length': body.length });
      // In small pieces, so that both transfers are under way at once.
      let at = 0;
      const next = (): void => {
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, (at += 16 * 1024)), () => setTimeout(next, 1));
      };
      next();
    });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bytes-'));
    try {
      const downloader = new Downloader({
        store: new ContentStore(path.join(dir, 'store')),
        progress: false,
        credentials: new CredentialStore({}, '/nonexistent'),
      });
      const results = await Promise.all(
        bodies.map((_, i) => downloader.download({ urls: [`http://127.0.0.1:${server.port}/${i}.nc`] })),
      );
      expect(results.map((r) => r.bytes)).to.deep.equal(bodies.map((b) => b.length));
    } finally {
      await server.close();
    }
  });
});
