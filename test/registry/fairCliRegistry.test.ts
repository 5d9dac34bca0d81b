import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fairpod } from '../support/cli.js';

const run = promisify(execFile);

/** A port free now (the OS's choice), for a server the scripts start. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('fairpod registry install: a local registry FAIR-CLI starts and stops', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-faircli-home-'));
  });
  afterEach(async () => {
    await run(path.join(dir, 'scripts', 'stop_fair_registry')).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('start_fair_registry -p -a serves it with the token of user admin (who has an author); stop_fair_registry ends it', async () => {
    const made = await fairpod('registry', 'install', '--directory', dir);
    expect(made.code, made.stderr).to.equal(0);
    const token = (await fs.readFile(path.join(dir, 'token'), 'utf8')).trim();
    expect(token).to.match(/^[0-9a-f]{40}$/);
    expect((await fs.stat(path.join(dir, 'token'))).mode & 0o777).to.equal(0o600);

    const port = await freePort();
    await run(path.join(dir, 'scripts', 'start_fair_registry'), ['-p', String(port), '-a', '127.0.0.1']);
    expect((await fs.readFile(path.join(dir, 'session_port.log'), 'utf8')).trim()).to.equal(String(port));
    expect((await fs.readFile(path.join(dir, 'session_address.log'), 'utf8')).trim()).to.equal('127.0.0.1');
    const api = `http://127.0.0.1:${port}/api`;
    const me = await fetch(`${api}/username/`, { headers: { authorization: `token ${token}` } });
    expect(await me.json()).to.deep.equal({ username: 'admin' });
    // What pyDataPipeline's initialise looks up: users?username=admin, then its user_author.
    const users = (await (await fetch(`${api}/users/?username=admin`)).json()) as {
      results: Array<{ id: number }>;
    };
    const links = (await (await fetch(`${api}/user_author/?user=${users.results[0]!.id}`)).json()) as {
      count: number;
    };
    expect(links.count).to.equal(1);

    // Started again (FAIR-CLI does, per command), it keeps the one server.
    const again = await run(path.join(dir, 'scripts', 'start_fair_registry'), ['-p', String(port)]);
    expect(again.stdout).to.contain('already running');

    await run(path.join(dir, 'scripts', 'stop_fair_registry'));
    const after = await fetch(`${api}/`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('a start that cannot listen fails with the server’s error instead of pretending', async () => {
    expect((await fairpod('registry', 'install', '--directory', dir)).code).to.equal(0);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const started = await run(path.join(dir, 'scripts', 'start_fair_registry'), ['-p', String(port)]).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(started.code).to.equal(1);
      expect(started.stderr).to.contain('EADDRINUSE');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('a directory holding the Django registry is refused, not overwritten', async () => {
    await fs.writeFile(path.join(dir, 'manage.py'), '# the FAIR data registry\n');
    const refused = await fairpod('registry', 'install', '--directory', dir);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.contain('already holds a FAIR data registry');
    expect(refused.stderr).to.contain('--directory');
    expect(await fs.readdir(dir)).to.deep.equal(['manage.py']);
  });
});
