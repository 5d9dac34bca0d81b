/**
 * CLI start-up and the read-only commands on a big project, each timed as a whole process (as a user runs
 * `fairpod`, Node's start included) against `node -e 0` in the same run:
 * - `fairpod --help` (goal < 300 ms; `node -e 0` is the floor no Node CLI goes under);
 * - `fairpod log`, `status` and `info RUN` on a project whose SQLite registry holds 10,000 code runs
 *   (goal < 500 ms each).
 * The runs are written as the recorder writes them (see `seed`), in one transaction: recording 10,000 runs
 * one by one would take minutes and is not what is measured here.
 * Usage: node dist/bench/cli.js [RUNS] [REPEATS]   (default 10000 and 5); with FAIRPOD_BENCH_KEEP=DIR the
 * project is written to DIR and kept (for profiling a command on it); with FAIRPOD_BENCH_BEFORE=DIR (another
 * checkout of fairpod, built) the same commands of that build are timed in the same rounds, for before/after.
 */
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Project } from '../src/registry/project.js';
import { isoNow } from '../src/registry/registry.js';
import { storeRootUrlOf } from '../src/registry/codeRun.js';
import { FAIRPOD, loadAverage, median, timeProcess } from './wholeProcess.js';

const RUNS = Number(process.argv[2] ?? 10_000);
const REPEATS = Number(process.argv[3] ?? 5);
/** Input files many runs read (the rest of the inputs are each run's own). */
const SHARED_INPUTS = 50;

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/**
 * `RUNS` finished code runs, each with what `openCodeRun` + `recordRead` x2 + `recordWrite` + `finish`
 * write: a stored working config (storage_location, object, whole_object component), one input shared with
 * other runs and one of its own (file:/// locations, objects, components), one output (every 10th also a
 * data product version), the code_run row and its input and output links; every 100th run staged.
 */
async function seed(project: Project): Promise<string> {
  const r = project.registry;
  const now = isoNow();
  let firstRunId = '';
  await r.write(async (trx) => {
    const storeRoot = await r.storageRoot(trx, storeRootUrlOf(project.store), true);
    const fileRoot = await r.storageRoot(trx, 'file:///', true);
    const yaml = await r.fileType(trx, 'yaml');
    const nc = await r.fileType(trx, 'nc');
    const ns = await r.namespace(trx, project.settings.namespace);
    const locations: object[] = [];
    const objects: object[] = [];
    const components: object[] = [];
    const runs: object[] = [];
    const inputs: object[] = [];
    const outputs: object[] = [];
    const products: object[] = [];
    const staging: object[] = [];
    let id = 0;
    /** A file on its own location and object, with its whole_object component; returns the shared id. */
    const file = (
      root: number,
      p: string,
      hash: string,
      type: number,
      description: string | null,
    ): number => {
      id++;
      locations.push({ id, path: p, hash, public: true, storage_root_id: root, last_updated: now });
      objects.push({
        id,
        description,
        storage_location_id: id,
        file_type_id: type,
        uuid: randomUUID(),
        last_updated: now,
      });
      components.push({ id, object_id: id, name: 'whole_object', whole_object: true, last_updated: now });
      return id;
    };
    const shared = Array.from({ length: SHARED_INPUTS }, (_, k) =>
      file(fileRoot, `data/in/shared${k}.nc`, sha1(`shared${k}`), nc, null),
    );
    for (let i = 1; i <= RUNS; i++) {
      const date = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
      const config = sha1(`config ${i}`);
      const configId = file(
        storeRoot,
        `${project.settings.namespace}/config/${config}.yaml`,
        config,
        yaml,
        'working config',
      );
      const own = file(fileRoot, `data/in/run${i}.nc`, sha1(`in${i}`), nc, null);
      const out = file(fileRoot, `data/out/run${i}.nc`, sha1(`out${i}`), nc, null);
      const runId = sha1(`run ${i}`);
      if (i === 1) firstRunId = runId;
      runs.push({
        id: i,
        run_date: date,
        description: `bench run ${i}`,
        model_config_id: configId,
        uuid: randomUUID(),
        run_id: runId,
        status: i % 17 === 0 ? 'failed' : 'succeeded',
        finished_at: date,
        host: os.hostname(),
        pid: 1,
        last_updated: now,
      });
      inputs.push(
        { code_run_id: i, object_component_id: shared[i % SHARED_INPUTS] },
        { code_run_id: i, object_component_id: own },
      );
      outputs.push({ code_run_id: i, object_component_id: out });
      if (i % 10 === 0)
        products.push({
          object_id: out,
          namespace_id: ns,
          name: `bench/product${i % 100}`,
          version: `0.${Math.floor(i / 100)}.0`,
          last_updated: now,
        });
      if (i % 100 === 0) staging.push({ entity: 'code_run', entity_id: i, state: 'staged', updated_at: now });
    }
    // SQLite allows 999 bound values per statement: batches of 50 rows of at most 11 columns stay below.
    for (const [table, rows] of [
      ['storage_location', locations],
      ['object', objects],
      ['object_component', components],
      ['code_run', runs],
      ['code_run_inputs', inputs],
      ['code_run_outputs', outputs],
      ['data_product', products],
      ['fairpod_staging', staging],
    ] as const)
      await trx.batchInsert(table, rows as never, 50);
  });
  return firstRunId;
}

const keep = process.env.FAIRPOD_BENCH_KEEP;
const dir = keep ? path.resolve(keep) : await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-cli-'));
try {
  const t0 = performance.now();
  const project = await Project.init(dir, { user: 'bench' });
  const runId = await seed(project);
  await project.close();
  console.log(
    `cli: project with ${RUNS} code runs written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const before = process.env.FAIRPOD_BENCH_BEFORE;
  const builds: Array<[string, string[]]> = [['', FAIRPOD]];
  if (before)
    builds.push([' (before)', [process.execPath, path.resolve(before, 'dist', 'src', 'cli', 'main.js')]]);
  const commands = builds.flatMap(([label, cli]) => [
    {
      name: `fairpod --help${label}`,
      argv: [...cli, '--help'],
      goal: 0.3,
      check: (o: string) => o.includes('Commands:'),
    },
    {
      name: `fairpod log${label}`,
      argv: [...cli, 'log'],
      goal: 0.5,
      check: (o: string) => o.split('\n').length > RUNS,
    },
    {
      name: `fairpod status${label}`,
      argv: [...cli, 'status'],
      goal: 0.5,
      check: (o: string) => o.includes('staged:'),
    },
    {
      name: `fairpod info ${runId.slice(0, 8)}${label}`,
      argv: [...cli, 'info', runId.slice(0, 8)],
      goal: 0.5,
      check: (o: string) => o.includes(runId),
    },
  ]);
  const floor: number[] = [];
  const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  const rss = new Map<string, number>();
  // Alternate the peer and every command in each round, so that all see the same load.
  for (let round = 0; round <= REPEATS; round++) {
    const base = await timeProcess([process.execPath, '-e', '0'], { cwd: dir });
    if (round > 0) floor.push(base.seconds);
    for (const c of commands) {
      const t = await timeProcess(c.argv, { cwd: dir });
      if (!c.check(t.stdout))
        throw new Error(`${c.name} printed something unexpected:\n${t.stdout.slice(0, 500)}`);
      if (round > 0) times.get(c.name)!.push(t.seconds); // round 0 warms the page cache
      rss.set(c.name, Math.max(rss.get(c.name) ?? 0, t.rssMb));
    }
  }
  const nodeFloor = median(floor);
  console.log(`cli: load average ${loadAverage()}; medians of ${REPEATS} rounds, whole processes`);
  console.log(`cli: node -e 0 (peer, the floor): ${(nodeFloor * 1000).toFixed(0)} ms`);
  for (const c of commands) {
    const m = median(times.get(c.name)!);
    console.log(
      `cli: ${c.name}: ${(m * 1000).toFixed(0)} ms, peak RSS ${rss.get(c.name)!.toFixed(0)} MB; ratio to node -e 0 = ${(m / nodeFloor).toFixed(2)}` +
        (c.name.endsWith('(before)') ? '' : ` (goal < ${c.goal * 1000} ms: ${m < c.goal ? 'ok' : 'FAIL'})`),
    );
  }
} finally {
  if (!keep) await fs.rm(dir, { recursive: true, force: true });
}
