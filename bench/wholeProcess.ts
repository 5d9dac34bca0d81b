/**
 * Times commands as whole processes, as `hyperfine` or the shell's `time` would: from fork to exit, start-up
 * included, both for fairpod (`node dist/src/cli/main.js ...`, what the `fairpod` bin runs) and for its peer.
 * Peak memory comes from GNU time (`/usr/bin/time -o FILE -f %M`), so the command's own output is untouched.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

/** The CLI as the `fairpod` bin runs it. */
export const FAIRPOD = [process.execPath, path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js')];

/** One timed process. */
export interface ProcessTiming {
  seconds: number;
  /** Peak resident memory, MB. */
  rssMb: number;
  stdout: string;
  stderr: string;
}

/** Options of `timeProcess`. */
export interface TimeOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `argv` once and returns its wall time, peak RSS and stdout; a non-zero exit is an error. */
export async function timeProcess(argv: string[], options: TimeOptions = {}): Promise<ProcessTiming> {
  const rssFile = path.join(
    os.tmpdir(),
    `fairpod-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn('/usr/bin/time', ['-o', rssFile, '-f', '%M', ...argv], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const rss = fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()!;
  fs.rmSync(rssFile, { force: true });
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  return { seconds, rssMb: Number(rss) / 1024, stdout, stderr };
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `runs` timings of `argv`, alternated by the caller with its peer's so that both see the same load. */
export async function timeRepeated(
  argv: string[],
  runs: number,
  options: TimeOptions = {},
): Promise<ProcessTiming[]> {
  const out: ProcessTiming[] = [];
  for (let i = 0; i < runs; i++) out.push(await timeProcess(argv, options));
  return out;
}

/** The 1-minute load average, printed with every figure: the machine is shared. */
export function loadAverage(): string {
  return os.loadavg()[0]!.toFixed(2);
}

/** The value after `--name` on the benchmark's command line, else `fallback`. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}

/** A numeric `option`. */
export function numberOption(name: string, fallback: number): number {
  return Number(option(name, String(fallback)));
}
