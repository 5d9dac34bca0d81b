/**
 * `fairpod run --executor slurm` against `--executor local` on the single-machine Slurm cluster of
 * .ci/setup.d/60-slurm.sh: 40 tiny PODs (copies of the demo POD demo_plev) on the demo dataset, both recording
 * into one PostgreSQL registry ($FAIRPOD_TEST_PG_URL, default the CI cluster on 127.0.0.1:5432, in a schema of
 * its own that is dropped afterwards). Prints both wall times, their ratio, and the overhead per job: the
 * core-seconds a POD costs as a Slurm job beyond what it costs in a local run.
 * Usage: node dist/bench/slurm.js [PODS]   (default 40)
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { writeDemoDataset } from '../src/demo/dataset.js';
import { PACKAGE_ROOT, SETTINGS_DIR } from '../src/paths.js';

const run = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const PODS = Number(process.argv[2] ?? 40);
const PG =
  process.env.FAIRPOD_TEST_PG_URL ?? 'postgres://fairpod_test:fairpod_test@127.0.0.1:5432/fairpod_test';

async function fairpod(cwd: string, args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, [CLI, ...args], { cwd, maxBuffer: 256 * 1024 * 1024 });
  return (performance.now() - started) / 1000;
}

await run('bash', [path.join(PACKAGE_ROOT, '.ci', 'setup.d', '60-slurm.sh'), 'start']);
const cores =
  Number((await run('sinfo', ['-h', '-o', '%C'])).stdout.trim().split('/').pop()) || os.cpus().length;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-slurm-'));
const schema = `bench_${randomBytes(4).toString('hex')}`;
try {
  const catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
  const pods: string[] = [];
  await fs.mkdir(path.join(dir, 'pods'));
  await fs.writeFile(path.join(dir, 'pods', 'package.json'), '{"type": "module"}\n');
  for (let i = 1; i <= PODS; i++) {
    const name = `pod${String(i).padStart(2, '0')}`;
    const pod = path.join(dir, 'pods', name);
    await fs.cp(path.join(SETTINGS_DIR, 'pods', 'demo_plev'), pod, { recursive: true });
    await fs.rename(path.join(pod, 'demo_plev.html'), path.join(pod, `${name}.html`));
    // The shipped driver imports ../demoDriver.js: the copy imports it from where it is shipped.
    const shared = pathToFileURL(path.join(SETTINGS_DIR, 'pods', 'demoDriver.js')).href;
    await fs.writeFile(
      path.join(pod, 'demo_plev.js'),
      `import { summarize } from ${JSON.stringify(shared)};\nawait summarize(['u850']);\n`,
    );
    pods.push(pod);
  }
  const url = new URL(PG);
  url.searchParams.set('schema', schema);
  await fairpod(dir, ['init', 'project', '--registry', url.toString()]);
  const common = [
    'run',
    ...pods,
    '-m',
    'filesystem',
    '--catalog',
    catalog,
    '--case',
    'DEMO',
    '--firstyr',
    '1985',
    '--lastyr',
    '1989',
    '--project',
    path.join(dir, 'project'),
  ];
  process.stderr.write(`${PODS} PODs, --executor local ...\n`);
  const local = await fairpod(dir, [...common, '--work-dir', path.join(dir, 'local')]);
  process.stderr.write(`${PODS} PODs, --executor slurm (${cores} cores) ...\n`);
  const slurm = await fairpod(dir, [
    ...common,
    '--work-dir',
    path.join(dir, 'slurm'),
    '--executor',
    'slurm',
    '--run-dir',
    path.join(dir, 'run'),
    '--wait',
  ]);
  const perPodLocal = local / PODS;
  const perJobSlurm = (slurm * cores) / PODS;
  process.stdout.write(
    [
      `local: ${local.toFixed(1)} s for ${PODS} PODs (${perPodLocal.toFixed(2)} s each, one after the other)`,
      `slurm: ${slurm.toFixed(1)} s for ${PODS} PODs as ${PODS} array tasks + fetch + finish jobs on ${cores} cores`,
      `ratio slurm/local wall time: ${(slurm / local).toFixed(2)}`,
      `overhead per job: ${(perJobSlurm - perPodLocal).toFixed(2)} core-s (${perJobSlurm.toFixed(2)} core-s per job vs ${perPodLocal.toFixed(2)} s per POD locally)`,
      '',
    ].join('\n'),
  );
} finally {
  const admin = knexFactory({ client: 'pg', connection: PG });
  await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]).finally(() => admin.destroy());
  await fs.rm(dir, { recursive: true, force: true });
}
