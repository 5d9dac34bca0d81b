/**
 * `npm run bench`: runs every benchmark in its own process, one after the other (they measure against
 * peers on the same 2 cores, so never side by side), keeps each one's whole output in
 * `bench/out/<name>.log`, and ends with one table: per benchmark, its exit status, wall time and the lines
 * where it states a ratio against its peer or a bound.
 * Usage: node dist/bench/run.js [NAME...]   (default: all of BENCHMARKS)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The benchmarks, in the order they run (cheap first, so a broken set-up shows early). */
const BENCHMARKS = [
  'cli',
  'store',
  'registry',
  'registryList',
  'push',
  'catalog',
  'planScale',
  'runScale',
  'preprocess',
  'preprocessLarge',
  'download',
  'slurm',
];

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '..', '..', 'bench', 'out');

/** Lines a benchmark prints that state a ratio or a bound: what the table shows. */
const RATIO_LINE = /ratio|bound|goal/i;

interface Outcome {
  name: string;
  code: number;
  seconds: number;
  ratios: string[];
}

/** Runs `dist/bench/<name>.js`, echoing its output and saving it; resolves with what the table needs. */
function runOne(name: string): Promise<Outcome> {
  const started = performance.now();
  const log = fs.createWriteStream(path.join(outDir, `${name}.log`));
  const child = spawn(process.execPath, [path.join(here, `${name}.js`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      log.write(chunk);
      process.stderr.write(chunk);
    });
  }
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      log.end();
      resolve({
        name,
        code: code ?? (signal ? 128 : 1),
        seconds: (performance.now() - started) / 1000,
        ratios: text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => RATIO_LINE.test(l)),
      });
    });
  });
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !BENCHMARKS.includes(n));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}\n`);
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const outcomes: Outcome[] = [];
for (const name of wanted.length ? wanted : BENCHMARKS) {
  process.stderr.write(`\n=== bench/${name} ===\n`);
  outcomes.push(await runOne(name));
}

const rows = outcomes.flatMap((o) =>
  (o.ratios.length ? o.ratios : ['(no ratio printed)']).map((ratio, i) =>
    i === 0
      ? [o.name, o.code === 0 ? 'ok' : `exit ${o.code}`, `${o.seconds.toFixed(0)} s`, ratio]
      : ['', '', '', ratio],
  ),
);
const header = ['benchmark', 'status', 'wall', 'ratios and bounds (see bench/out/<name>.log)'];
const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ');
process.stdout.write(`\n${line(header)}\n${rows.map(line).join('\n')}\n`);
process.exitCode = outcomes.some((o) => o.code !== 0) ? 1 : 0;
