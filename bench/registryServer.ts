import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

/**
 * `fairpod registry serve --db FILE [ARGS]` on a free port of 127.0.0.1, in its own process, for the registry
 * benchmarks.
 */
export async function serveRegistry(
  db: string,
  extraArgs: string[] = [],
): Promise<{ url: string; child: ChildProcess }> {
  const main = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
  const args = [main, 'registry', 'serve', '--db', db, '--port', '0', ...extraArgs];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+?)\/api\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { url, child };
}
