import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running nginx serving one directory with autoindex on 127.0.0.1. */
export interface NginxServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT/`. */
  url: string;
  stop(): Promise<void>;
}

const NGINX = process.env.FAIRPOD_NGINX ?? '/usr/sbin/nginx';

/**
 * Starts Debian's nginx in the foreground with a config written to a temp dir, serving `root` with
 * autoindex on a free port of 127.0.0.1. Fails (never skips) when nginx is missing: `.ci/setup.d/40-nginx.sh`
 * installs it.
 */
export async function startNginx(root: string): Promise<NginxServer> {
  try {
    await fs.access(NGINX, fs.constants.X_OK);
  } catch {
    throw new Error(
      `nginx not found at ${NGINX}: install it with \`apt-get install nginx\` (see .ci/setup.d/40-nginx.sh)`,
    );
  }
  const prefix = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-nginx-'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${prefix}/${t};`)
    .join('\n');
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  await fs.writeFile(
    path.join(prefix, 'nginx.conf'),
    `${user}daemon off;
worker_processes 2;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
${temp}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${path.resolve(root)};
    location / { autoindex on; }
  }
}
`,
  );
  const child = spawn(
    NGINX,
    ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await fs.rm(prefix, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await fs.rm(prefix, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port}: ${stderr()}`);
}
