import { expect } from 'chai';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fairpod } from '../support/cli.js';

describe('fairpod registry serve: an address it cannot take', () => {
  let dir: string;
  let holder: net.Server;
  let port: number;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-serve-'));
    holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a port another server holds is a clear error with a hint, not an internal error', async () => {
    const result = await fairpod('registry', 'serve', '--db', path.join(dir, 'r.db'), '--port', String(port));
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.contain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(result.stderr).to.contain('--port');
    expect(result.stderr).to.not.contain('internal error');
  });
});
