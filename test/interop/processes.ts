import { execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/paths.js';

const execFileP = promisify(execFile);

/** fairpod's command, as a user runs it (`node dist/src/cli/main.js`). */
export const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

/** What a finished process printed and exited with. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, whatever its exit code. */
export async function runTo(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  try {
    const { stdout, stderr } = await execFileP(file, args, { ...options, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Waits until `url` answers 200, or fails naming what the server printed. */
export async function waitForServer(url: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (server.exitCode !== null)
      throw new Error(`fairpod registry serve exited ${server.exitCode}: ${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fairpod registry serve did not answer ${url} in 15 s: ${log()}`);
}
