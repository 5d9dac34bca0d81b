/**
 * What `fairpod run` adds over `fairpod plan` (issue 15, deliverable 1). Run:
 * `npx tsc -p . && node dist/bench/runScale.js [--rows 1000000] [--runs 3]`.
 *
 * Generates (once, under bench/out/run-<rows>/, see scaleCatalog.ts) the planScale catalog with the monthly files
 * of the case's member r1i1p1f1 as small real netCDF-4 files (200 of them: 20 variables x 10 years), then times, as
 * whole processes in alternating rounds (medians), `fairpod plan` and `fairpod run` of the same 10 PODs x 10
 * variables, both with `--timings` (the wall time of each stage, printed on stderr), after one untimed plan (the
 * catalog's index is built) and one untimed run (the project and its registry are created).
 *
 * A run does what its plan does (start-up, catalog load, query, select, a fetch that for the filesystem data
 * manager checks the files, as the plan's does) and then preprocesses, runs the drivers (empty Node scripts),
 * records each POD run in the registry (SQLite) and writes the POD pages. The overhead is what is left of the run's
 * wall time once the plan's time and the run's own stages are taken off:
 *   run - plan - (preprocess + POD drivers + registry recording + POD output) - (run's fetch - plan's fetch);
 * goal: within noise of 0, under 10% of the plan. The load average is printed: the 2 cores are shared.
 */
import path from 'node:path';
import { parseStageTimes, STAGES } from '../src/core/stageTimes.js';
import { caseArgs, generate } from './scaleCatalog.js';
import { FAIRPOD, loadAverage, median, timeProcess, type ProcessTiming, option } from './wholeProcess.js';

const ROWS = Number(option('rows', '1000000'));
const RUNS = Number(option('runs', '3'));

/** The stages only a run has (the plan's are 0). */
const RUN_ONLY = ['preprocess', 'POD drivers', 'registry recording', 'POD output'];
/** Every stage line `--timings` prints, in order. */
const ROWS_PRINTED = ['start-up', ...STAGES, 'other', 'total'];

/** A timed process with the stage times it printed. */
interface Timed {
  process: ProcessTiming;
  stages: Record<string, number>;
}

async function timed(argv: string[]): Promise<Timed> {
  const process = await timeProcess(argv);
  const stages = parseStageTimes(process.stderr);
  if (stages.total === undefined) throw new Error(`${argv.join(' ')} printed no stage times`);
  return { process, stages };
}

/** The median of each stage, and of the process's wall time and peak RSS. */
function medians(runs: Timed[]): { seconds: number; rssMb: number; stages: Record<string, number> } {
  return {
    seconds: median(runs.map((r) => r.process.seconds)),
    rssMb: median(runs.map((r) => r.process.rssMb)),
    stages: Object.fromEntries(ROWS_PRINTED.map((s) => [s, median(runs.map((r) => r.stages[s] ?? 0))])),
  };
}

const f2 = (n: number): string => n.toFixed(2);
const f3 = (n: number): string => n.toFixed(3);

const t0 = performance.now();
const cat = generate(ROWS, { prefix: 'run', netcdf: true });
process.stdout.write(
  `load average at start: ${loadAverage()}\n== ${ROWS} rows, 10 PODs x 10 variables, 200 netCDF files (${f2((performance.now() - t0) / 1000)} s to generate or reuse) ==\n`,
);
const args = [...caseArgs(cat), '--timings'];
const plan = [...FAIRPOD, 'plan', ...args];
const run = [...FAIRPOD, 'run', ...args, '--project', path.join(cat.dir, 'project')];
await timeProcess(plan);
await timeProcess(run);
const plans: Timed[] = [];
const runs: Timed[] = [];
for (let k = 0; k < RUNS; k++) {
  plans.push(await timed(plan));
  runs.push(await timed(run));
}
const p = medians(plans);
const r = medians(runs);
process.stdout.write(`stage (median of ${RUNS}, s)   plan     run\n`);
for (const s of ROWS_PRINTED)
  process.stdout.write(`  ${s.padEnd(22)} ${f3(p.stages[s]!).padStart(7)} ${f3(r.stages[s]!).padStart(7)}\n`);
process.stdout.write(
  `whole process: plan ${f2(p.seconds)} s, ${p.rssMb.toFixed(0)} MB; run ${f2(r.seconds)} s, ${r.rssMb.toFixed(0)} MB (load ${loadAverage()})\n`,
);
// Per round, so that each round's plan and run (which saw the same load) are compared with each other.
const overheads = runs.map((x, k) => {
  const y = plans[k]!;
  const own = RUN_ONLY.reduce((n, s) => n + (x.stages[s] ?? 0), 0);
  const fetchDelta = (x.stages.fetch ?? 0) - (y.stages.fetch ?? 0);
  return x.process.seconds - y.process.seconds - own - fetchDelta;
});
const overhead = median(overheads);
const share = overhead / p.seconds;
process.stdout.write(
  `run - plan - (preprocess + drivers + recording + output) - (fetch difference), per round: ${overheads.map(f3).join(', ')} s\n`,
);
process.stdout.write(
  `RATIO run overhead over plan at ${ROWS} rows: ${f3(overhead)} s = ${(share * 100).toFixed(1)}% of the plan's ${f2(p.seconds)} s; run / plan ${f2(r.seconds / p.seconds)}x, of which preprocess ${f2(r.stages.preprocess!)} s, drivers ${f2(r.stages['POD drivers']!)} s, recording ${f2(r.stages['registry recording']!)} s, output ${f2(r.stages['POD output']!)} s\n`,
);
process.stdout.write(
  `GOAL run adds only fetch, preprocess, drivers (and recording, output): overhead < 10% of plan: ${Math.abs(share) < 0.1 ? 'met' : 'NOT met'} (${(share * 100).toFixed(1)}%)\n`,
);
process.stdout.write(`load average at end: ${loadAverage()}\n`);
