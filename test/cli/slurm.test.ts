import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import type { JobStatus } from '../../src/core/jobStatus.js';
import type { RunReport } from '../../src/core/report.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { SETTINGS_DIR } from '../../src/paths.js';
import { RegistryLocations } from '../registry/backends.js';
import { demoCase, fairpod } from '../support/cli.js';
import { slurmCluster } from '../support/slurm.js';

/** One recorded file of `fairpod info RUN`: where, its hash, and its data product without the version. */
interface RecordedFile {
  location: string;
  hash: string;
  product?: string;
}

/** From `fairpod info RUN`: the stored config file, and the inputs and outputs. */
function recorded(info: string): { config: string; inputs: RecordedFile[]; outputs: RecordedFile[] } {
  const found = { config: '', inputs: [] as RecordedFile[], outputs: [] as RecordedFile[] };
  let section: 'inputs' | 'outputs' | undefined;
  for (const line of info.split('\n')) {
    const head = /^ {2}(inputs|outputs) \(/.exec(line);
    if (head) section = head[1] as 'inputs' | 'outputs';
    else if (!line.startsWith('    ')) section = undefined;
    const m = /^\s+(?:config\s+)?(\S+)\s+sha1 ([0-9a-f]{40})(?:\s+\(([^)@]+)@)?/.exec(line);
    if (!m) continue;
    if (/^ {2}config /.test(line)) found.config = m[1]!;
    else if (section) found[section].push({ location: m[1]!, hash: m[2]!, product: m[3] });
  }
  return found;
}

/** A netCDF file's content (`ncdump`), without what names the file or the time it was made. */
async function ncContent(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)('ncdump', [file], { maxBuffer: 64 * 1024 * 1024 });
  // The first line names the file; history starts with the time of preprocessing.
  return stdout
    .split('\n')
    .slice(1)
    .filter((l) => !/^\s*:history = /.test(l))
    .join('\n');
}

/** A stored run config without the names of the variables the run inherited (a Slurm job has SLURM_*). */
async function configWithoutInherited(file: string): Promise<unknown> {
  const config = YAML.parse(await fs.readFile(file, 'utf8')) as { environment: { inherited?: string[] } };
  delete config.environment.inherited;
  return config;
}

async function until(what: string, check: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('fairpod run --executor slurm on a single-machine Slurm cluster', function () {
  this.timeout(180_000);
  const locations = new RegistryLocations('postgres');
  let dir: string;
  let catalog: string;
  let project: string;
  const run = (...extra: string[]) => [
    '-m',
    'filesystem',
    '--catalog',
    catalog,
    ...demoCase(),
    '--project',
    project,
    ...extra,
  ];

  before(async () => {
    await slurmCluster();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-slurm-'));
    catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
    project = path.join(dir, 'project');
    const init = await fairpod('init', project, '--registry', await locations.create());
    expect(init.code, init.stderr).to.equal(0);
    process.env.FAIRPOD_PROJECT = project;
  });
  after(async () => {
    delete process.env.FAIRPOD_PROJECT;
    await locations.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('refuses an SQLite registry, saying why, and submits nothing', async () => {
    const sqliteProject = path.join(dir, 'sqlite-project');
    expect((await fairpod('init', sqliteProject)).code).to.equal(0);
    const runDir = path.join(dir, 'refused');
    const r = await fairpod(
      'run',
      'demo_plev',
      ...run('--executor', 'slurm', '--run-dir', runDir, '--work-dir', path.join(dir, 'w0')),
      '--project',
      sqliteProject,
    );
    expect(r.code).to.equal(2);
    expect(r.stderr)
      .to.match(/registry is SQLite/)
      .and.match(/shared filesystem/)
      .and.match(/postgres:\/\//)
      .and.match(/--allow-sqlite/);
    await fs.access(runDir).then(
      () => expect.fail('nothing may be planned or submitted'),
      () => undefined,
    );
  });

  it('rejects an --slurm-opt fairpod sets itself', async () => {
    const r = await fairpod(
      'run',
      'demo_plev',
      ...run('--executor', 'slurm', '--slurm-opt', 'array=0-3', '--work-dir', path.join(dir, 'w0')),
    );
    expect(r.code).to.equal(2);
    expect(r.stderr)
      .to.match(/--slurm-opt/)
      .and.match(/array is set by fairpod/);
  });

  it('runs the demo PODs as Slurm jobs and records the same runs as a local run', async () => {
    const workDir = path.join(dir, 'work');
    const local = await fairpod(
      'run',
      'demo_alternate',
      'demo_plev',
      ...run('--work-dir', workDir, '--json'),
    );
    expect(local.code, local.stderr).to.equal(0);
    const localReport = JSON.parse(local.stdout) as RunReport;
    // Preprocessed files are not byte-identical from run to run (HDF5 keeps times): kept to compare content.
    const preprocessed = new Map<string, string>();
    for (const p of localReport.pods)
      for (const v of p.variables)
        if (v.outputPath) preprocessed.set(v.outputPath, await ncContent(v.outputPath));
    const runDir = path.join(dir, 'run1');
    const slurm = await fairpod(
      'run',
      'demo_alternate',
      'demo_plev',
      ...run(
        '--work-dir',
        workDir,
        '--executor',
        'slurm',
        '--slurm-opt',
        'time=00:10:00',
        '--run-dir',
        runDir,
        '--wait',
        '--json',
      ),
    );
    expect(slurm.code, slurm.stderr).to.equal(0);
    const slurmReport = JSON.parse(slurm.stdout) as RunReport;
    expect(slurmReport.pods.map((p) => [p.name, p.ok])).to.deep.equal(
      localReport.pods.map((p) => [p.name, p.ok]),
    );
    expect(slurmReport.index).to.equal(path.join(workDir, 'index.html'));
    expect(await fs.readFile(slurmReport.index!, 'utf8'))
      .to.match(/demo_alternate/)
      .and.match(/demo_plev/);
    for (const [i, pod] of slurmReport.pods.entries()) {
      const [a, b] = [localReport.pods[i]!.codeRun!, pod.codeRun!];
      expect(b, pod.name).to.be.a('string').and.not.equal(a);
      const [ra, rb] = [
        recorded((await fairpod('info', a)).stdout),
        recorded((await fairpod('info', b)).stdout),
      ];
      expect(await configWithoutInherited(rb.config)).to.deep.equal(await configWithoutInherited(ra.config));
      const hashes = (files: RecordedFile[]) => files.map((f) => `${f.location} ${f.hash}`).sort();
      expect(ra.inputs, `${pod.name} inputs`).to.have.length.greaterThan(1);
      expect(hashes(rb.inputs), `${pod.name} inputs`).to.deep.equal(hashes(ra.inputs));
      const byName = (files: RecordedFile[]) => new Map(files.map((f) => [f.product ?? f.location, f.hash]));
      const [oa, ob] = [byName(ra.outputs), byName(rb.outputs)];
      expect([...ob.keys()].sort(), `${pod.name} outputs`).to.deep.equal([...oa.keys()].sort());
      for (const [name, hash] of oa) {
        if (preprocessed.has(name)) expect(await ncContent(name), name).to.equal(preprocessed.get(name));
        // The catalog of the preprocessed files carries the time it was written: the one difference.
        else if (!name.endsWith('MDTF_postprocessed_data.json')) expect(ob.get(name), name).to.equal(hash);
      }
    }
    const log = (await fairpod('log')).stdout;
    expect(log.match(/succeeded .*POD demo_plev, case DEMO/g)).to.have.length(2);
    const jobs = JSON.parse((await fairpod('jobs', runDir, '--json')).stdout) as JobStatus[];
    expect(jobs.map((j) => [j.job, j.state])).to.deep.equal([
      ['fetch', 'COMPLETED'],
      ['pod-0', 'COMPLETED'],
      ['pod-1', 'COMPLETED'],
      ['finish', 'COMPLETED'],
    ]);
    expect(jobs[1]!.slurmId).to.match(/^\d+_0$/);
  });

  it('a job killed mid-run leaves its code run unfinished and the store whole; --resume completes it', async () => {
    // A POD that waits for a go-ahead file: the first attempt hangs in its driver until it is cancelled.
    const pod = path.join(dir, 'sleeper');
    const flags = path.join(dir, 'flags');
    await fs.mkdir(flags);
    await fs.cp(path.join(SETTINGS_DIR, 'pods', 'demo_plev'), pod, { recursive: true });
    await fs.rm(path.join(pod, 'demo_plev.html'));
    await fs.writeFile(path.join(pod, 'sleeper.html'), '<html><body><h2>sleeper</h2></body></html>\n');
    await fs.rm(path.join(pod, 'demo_plev.js'));
    const settings = (await fs.readFile(path.join(pod, 'settings.jsonc'), 'utf8'))
      .replace('"driver": "demo_plev.js"', '"driver": "sleeper.js"')
      .replace(
        '"runtime_requirements"',
        `"pod_env_vars": { "FLAG_DIR": ${JSON.stringify(flags)} }, "runtime_requirements"`,
      )
      .replace('"settings": {', '"settings": { "slurm": { "time": "00:05:00" },');
    await fs.writeFile(path.join(pod, 'settings.jsonc'), settings);
    await fs.writeFile(
      path.join(pod, 'sleeper.js'),
      [
        "const fs = require('node:fs');",
        "const path = require('node:path');",
        'const flags = process.env.FLAG_DIR;',
        "fs.writeFileSync(path.join(flags, 'started'), String(process.pid));",
        "if (fs.existsSync(path.join(flags, 'go'))) fs.writeFileSync(path.join(process.env.WORK_DIR, 'model', 'result.txt'), 'done\\n');",
        "else { fs.writeFileSync(path.join(process.env.WORK_DIR, 'model', 'result.txt'), 'half'); setTimeout(() => {}, 600000); }",
        '',
      ].join('\n'),
    );
    const runDir = path.join(dir, 'run2');
    const submitted = await fairpod(
      'run',
      pod,
      ...run(
        '--work-dir',
        path.join(dir, 'work2'),
        '--executor',
        'slurm',
        '--run-dir',
        runDir,
        '--fetch-here',
      ),
    );
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect(submitted.stdout)
      .to.match(/fetched on this host/)
      .and.match(/fairpod jobs /);
    await until('the POD to start', () =>
      fs.access(path.join(flags, 'started')).then(
        () => true,
        () => false,
      ),
    );
    const states = JSON.parse((await fairpod('jobs', runDir, '--json')).stdout) as JobStatus[];
    const task = states.find((s) => s.job === 'pod-0')!;
    expect(task.state).to.equal('RUNNING');
    await promisify(execFile)('scancel', [task.slurmId!]);
    await until('the job to be cancelled', async () => {
      const s = JSON.parse((await fairpod('jobs', runDir, '--json')).stdout) as JobStatus[];
      return s.find((x) => x.job === 'pod-0')!.state === 'CANCELLED';
    });
    const jobs = (await fairpod('jobs', runDir)).stdout;
    expect(jobs).to.include(`pod-0 CANCELLED: log ${path.join(runDir, 'logs', 'pod-0.log')}`);
    expect((await fairpod('log')).stdout).to.match(/NOT FINISHED .*POD sleeper, case DEMO/);
    const status = (await fairpod('status')).stdout;
    expect(status).to.match(/\(NOT FINISHED\)\s+fairpod run: POD sleeper/);
    expect(status).to.not.match(/sleeper\/DEMO/);
    const verify = await fairpod('store', 'verify');
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);

    // The finishing job runs after the cancelled task (the page then lists the POD failed).
    await until('the finishing job', async () => {
      const s = JSON.parse((await fairpod('jobs', runDir, '--json')).stdout) as JobStatus[];
      return s.find((x) => x.job === 'finish')!.state === 'COMPLETED';
    });
    expect(await fs.readFile(path.join(dir, 'work2', 'index.html'), 'utf8')).to.match(/sleeper/);
    await fs.writeFile(path.join(flags, 'go'), '');
    const resumed = await fairpod('run', '--resume', runDir, '--wait', '--json');
    const podLog = await fs.readFile(path.join(runDir, 'logs', 'pod-0.log'), 'utf8').catch(() => '');
    expect(resumed.code, `${resumed.stderr}\n${podLog}`).to.equal(0);
    const report = JSON.parse(resumed.stdout) as RunReport;
    expect(report.pods[0]!.ok).to.equal(true);
    const info = (await fairpod('info', report.pods[0]!.codeRun!)).stdout;
    expect(info)
      .to.match(/status\s+succeeded/)
      .and.match(/sleeper\/DEMO\/model\/result\.txt/);
    const after = JSON.parse((await fairpod('jobs', runDir, '--json')).stdout) as JobStatus[];
    expect(after.map((s) => s.state)).to.deep.equal(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect((await fairpod('store', 'verify')).code).to.equal(0);
    // Nothing is left to resubmit.
    const again = await fairpod('run', '--resume', runDir);
    expect(again.stdout).to.match(/nothing to resubmit/);
  });
});
