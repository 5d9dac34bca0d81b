import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { contractRows, writeTestCatalog, type ContractFixture } from 'fairpod/plugin';

/** Serves the files under `root` on 127.0.0.1 (random port); unknown paths are 404. */
async function startFileServer(root: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent((req.url ?? '/').split('?')[0]!));
    if (!file.startsWith(root + path.sep)) return void res.writeHead(403).end();
    fs.stat(file).then(
      (st) => {
        res.writeHead(200, { 'content-length': st.size });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404, 'Not Found').end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A catalog of URLs served by a real HTTP server on 127.0.0.1: one file present, one missing (404). */
export const contractFixture: ContractFixture = {
  async create(dir) {
    const data = path.join(dir, 'served');
    await fs.mkdir(path.join(data, 'data'), { recursive: true });
    await fs.writeFile(path.join(data, 'data', 'present_200001-200112.nc'), 'not read by the contract suite');
    const server = await startFileServer(data);
    const catalog = await writeTestCatalog(
      path.join(dir, 'contract.json'),
      contractRows((file) => `${server.url}/data/${file}`),
    );
    return {
      options: {
        catalog,
        store: path.join(dir, 'store'),
        retries: '1',
        timeout: '5',
      },
      teardown: server.stop,
    };
  },
};
