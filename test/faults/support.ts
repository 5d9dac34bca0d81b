import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** The compiled CLI entry, run as users run it. */
export const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

/** How one `fairpod` process ended. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when it was still running at the time limit (and was killed). */
  hung: boolean;
}

/** Options of `runFairpod`. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process (and count it as hung) after this many milliseconds; default 30 s. */
  timeoutMs?: number;
  /** Close the read end of stdout at once, as `| head -0` would. */
  closeStdout?: boolean;
  /** Written to stdin, which is then closed. */
  stdin?: string;
}

/** Runs `node dist/src/cli/main.js ...args` in its own process, under a time limit. */
export function runFairpod(args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(options.stdin ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, hung });
    });
  });
}
