/**
 * `fairpod plan` at real catalog sizes (issue 15, deliverable 1; issue 14, deliverable 3). Run:
 * `npx tsc -p . && node dist/bench/planScale.js [--rows 1000000,3500000] [--runs 3]`.
 *
 * For each size, generates (once, under bench/out/plan-<rows>/, see scaleCatalog.ts) a CMIP6-like ESM catalog (JSON
 * header + CSV), 10 PODs of 10 monthly variables each (20 distinct variables: each is asked for by 5 PODs) and the
 * empty files of the case's chunks inside the analysis period (`plan` checks the files it would use; it reads none).
 *
 * Then, as whole processes timed from fork to exit with their peak RSS (GNU time, see wholeProcess.ts):
 * - `fairpod plan` of the 10 PODs for case MODEL-03, 1980-1989: cold (no catalog index yet: it parses the CSV and
 *   writes the index) and warm (the index read), against the goal (< 2 s, < 400 MB);
 * - the cold load of the catalog alone (`fairpod catalog info --no-index`: the CSV parsed, facets listed) against pandas' `read_csv` of the same
 *   CSV (Debian's /usr/bin/python3), alternating rounds, median: goal >= 3x faster with less memory.
 * The load average is printed beside each figure: the 2 cores are shared.
 */
import fs from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { caseArgs, dropIndex, generate } from './scaleCatalog.js';
import { FAIRPOD, loadAverage, median, timeProcess, type ProcessTiming, option } from './wholeProcess.js';

const PYTHON = '/usr/bin/python3';

const SIZES = option('rows', '1000000,3500000').split(',').map(Number);
const RUNS = Number(option('runs', '3'));

const f2 = (n: number): string => n.toFixed(2);
const mb = (n: number): string => `${n.toFixed(0)} MB`;
const fig = (t: ProcessTiming[]): { s: number; rss: number } => ({
  s: median(t.map((x) => x.seconds)),
  rss: median(t.map((x) => x.rssMb)),
});

async function benchSize(rows: number): Promise<void> {
  const t0 = performance.now();
  const generated = generate(rows, { prefix: 'plan' });
  const { dir, catalog, csv } = generated;
  const csvMb = fs.statSync(csv).size / 1e6;
  process.stdout.write(
    `\n== ${rows} rows (${csvMb.toFixed(0)} MB CSV; ${((performance.now() - t0) / 1000).toFixed(1)} s to generate or reuse) ==\n`,
  );
  const plan = [...FAIRPOD, 'plan', ...caseArgs(generated)];
  // Cold: no index (the plan parses the CSV and writes the index); then warm: the index read. The index just
  // written is flushed first (`sync`): its dirty pages written back during a warm run slowed it several-fold.
  const cold: ProcessTiming[] = [];
  const warm: ProcessTiming[] = [];
  for (let k = 0; k < RUNS; k++) {
    dropIndex(dir);
    cold.push(await timeProcess(plan));
  }
  execFileSync('sync');
  for (let k = 0; k < RUNS; k++) warm.push(await timeProcess(plan));
  const summary = warm[0]!.stdout;
  const lines = summary.trimEnd().split('\n');
  process.stdout.write(`plan output: ${lines.length} lines; last: ${lines[lines.length - 1]}\n`);
  const c = fig(cold);
  const w = fig(warm);
  process.stdout.write(
    `plan 10 PODs x 10 variables, cold (CSV parsed, index written): ${f2(c.s)} s, peak RSS ${mb(c.rss)} (load ${loadAverage()})\n`,
  );
  process.stdout.write(
    `plan 10 PODs x 10 variables, warm (index read): ${f2(w.s)} s, peak RSS ${mb(w.rss)} (load ${loadAverage()})\n`,
  );
  process.stdout.write(
    `GOAL plan < 2 s and < 400 MB at ${rows} rows: warm ${w.s < 2 && w.rss < 400 ? 'met' : 'NOT met'} (${f2(w.s)} s, ${mb(w.rss)}), cold ${c.s < 2 && c.rss < 400 ? 'met' : 'NOT met'} (${f2(c.s)} s, ${mb(c.rss)})\n`,
  );

  // Cold load of the catalog alone, as a user would time it: `fairpod catalog info` without an index vs pandas.
  const info = [...FAIRPOD, 'catalog', 'info', '--no-index', catalog];
  const pandas = [
    PYTHON,
    '-c',
    `import pandas; df = pandas.read_csv(${JSON.stringify(csv)}); print(len(df))`,
  ];
  if (spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status !== 0) {
    process.stdout.write('RATIO catalog load: pandas missing (apt-get install python3-pandas), no ratio\n');
    return;
  }
  const ours: ProcessTiming[] = [];
  const peer: ProcessTiming[] = [];
  for (let k = 0; k < RUNS; k++) {
    ours.push(await timeProcess(info));
    peer.push(await timeProcess(pandas));
  }
  const o = fig(ours);
  const p = fig(peer);
  process.stdout.write(
    `cold catalog load (fairpod catalog info --no-index: the CSV parsed): ${f2(o.s)} s, ${mb(o.rss)}; pandas read_csv: ${f2(p.s)} s, ${mb(p.rss)} (load ${loadAverage()})\n`,
  );
  process.stdout.write(
    `RATIO cold catalog load at ${rows} rows (pandas / fairpod): ${f2(p.s / o.s)}x time (goal >= 3x), RSS ${f2(o.rss / p.rss)}x pandas' (goal < 1)\n`,
  );
}

process.stdout.write(`load average at start: ${loadAverage()}\n`);
for (const rows of SIZES) await benchSize(rows);
process.stdout.write(`load average at end: ${loadAverage()}\n`);
