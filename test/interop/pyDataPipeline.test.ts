import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { copyPeer, peerSource } from './peers.js';
import { writeSeirsModel } from './seirsModel.js';
import { CLI, runTo, waitForServer } from './processes.js';

const execFileP = promisify(execFile);
/** Debian's Python with python3-requests, python3-yaml, python3-pytest(-cov): `.ci/setup.d/50-python.sh`. */
const PYTHON = '/usr/bin/python3';
/** pyDataPipeline's suite names this address in its fixtures (tests/test_fdp_utils.py `url`, tests/ext/*.yaml). */
const SUITE_PORT = 8000;

/** `fairpod ARGS` as a user runs it: its own process, in `cwd`. */
const fairpod = (cwd: string, ...args: string[]) => runTo(process.execPath, [CLI, ...args], { cwd });

/** The counts in pytest's closing line (`== 52 passed, 1 failed in 2.4s ==`). */
function pytestCounts(output: string): Record<string, number> {
  const last =
    output
      .trim()
      .split('\n')
      .reverse()
      .find((l) => /^=+ .* in [\d.]+s/.test(l)) ?? '';
  const counts: Record<string, number> = {};
  for (const m of last.matchAll(/(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)/g)) {
    counts[m[2]!.replace(/s$/, '') === 'error' ? 'error' : m[2]!] = Number(m[1]);
  }
  return counts;
}

before(async () => {
  const missing = await runTo(PYTHON, ['-c', 'import requests, yaml, pytest, pytest_cov'], {
    cwd: os.tmpdir(),
  });
  if (missing.code !== 0) {
    throw new Error(
      `${PYTHON} with requests, yaml, pytest and pytest-cov is needed for pyDataPipeline ` +
        `(apt-get install python3-requests python3-yaml python3-pytest python3-pytest-cov; .ci/setup.d/50-python.sh): ${missing.stderr}`,
    );
  }
});

describe('pyDataPipeline’s own test suite against `fairpod registry serve`', function () {
  this.timeout(180_000);
  let dir: string;
  let server: ChildProcess | undefined;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-pydp-suite-'));
  });
  after(async () => {
    server?.kill('SIGTERM');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('passes unmodified, and the runs it records are the project’s', async () => {
    // As a local FAIR registry is set up for it: a user `admin` with an author (fairpod init), the token in
    // ~/.fair/registry/token (where the suite's fixtures read it), the registry served on port 8000.
    const project = path.join(dir, 'project');
    const home = path.join(dir, 'home');
    await fs.mkdir(path.join(home, '.fair', 'registry'), { recursive: true });
    await fs.mkdir(project);
    const init = await fairpod(
      project,
      'init',
      '--user',
      'admin',
      '--identifier',
      'https://orcid.org/0000-0000-0000-0000',
    );
    expect(init.code, init.stderr).to.equal(0);
    const token = await fairpod(project, 'registry', 'token', 'create', '--user', 'admin');
    expect(token.code, token.stderr).to.equal(0);
    await fs.writeFile(path.join(home, '.fair', 'registry', 'token'), token.stdout.trim() + '\n');

    const taken = await fetch(`http://127.0.0.1:${SUITE_PORT}/api/`).then(
      () => true,
      () => false,
    );
    expect(taken, `port ${SUITE_PORT} must be free: pyDataPipeline's suite names it`).to.equal(false);
    let serverLog = '';
    server = spawn(process.execPath, [CLI, 'registry', 'serve', '--port', String(SUITE_PORT)], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (serverLog += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (serverLog += c.toString()));
    await waitForServer(`http://127.0.0.1:${SUITE_PORT}/api/`, server, () => serverLog);

    // The suite writes beside itself (tmp/, htmlcov/): it runs in its own copy, its files as they are.
    const suite = copyPeer('pyDataPipeline', dir);
    const ran = await runTo(PYTHON, ['-m', 'pytest', '-p', 'no:cacheprovider', 'tests'], {
      cwd: suite,
      env: { ...process.env, HOME: home, PYTHONPATH: suite },
    });
    const counts = pytestCounts(ran.stdout);
    expect(counts, `${ran.stdout.slice(-6000)}\n${ran.stderr.slice(-2000)}\nserver: ${serverLog}`).to.include(
      {
        passed: 52,
      },
    );
    expect(counts.failed ?? 0).to.equal(0);
    expect(counts.error ?? 0).to.equal(0);
    expect(ran.code).to.equal(0);

    // What the suite's initialise() calls recorded are code runs of this project, listed by `fairpod log`.
    const log = await fairpod(project, 'log');
    expect(log.code, log.stderr).to.equal(0);
    const runs = log.stdout.trim().split('\n');
    expect(runs.length).to.be.at.least(10);
    expect(runs.filter((l) => /Write csv file$/.test(l)).length).to.be.at.least(5);
    expect(runs.some((l) => /\b1 out\b/.test(l))).to.equal(true);
  });
});

describe('a pyDataPipeline model inside `fairpod run CONFIG.yaml` (as FAIR-CLI’s `fair run`)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-pydp-run-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('initialise, link_read, link_write and finalise are one code run, shown by log and info as a native one', async () => {
    const git = (...args: string[]) =>
      execFileP('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
    await execFileP('git', ['init', '-q', dir]);
    await writeSeirsModel(dir);
    await fs.writeFile(path.join(dir, '.gitignore'), '.fairpod/\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'model');
    await git('remote', 'add', 'origin', 'https://example.org/modellers/seirs.git');
    const init = await fairpod(dir, 'init', '--user', 'alice');
    expect(init.code, init.stderr).to.equal(0);
    await fs.writeFile(
      path.join(dir, 'config.yaml'),
      [
        'run_metadata:',
        '  description: SEIRS Model python',
        '  default_input_namespace: alice',
        `  script: PYTHONPATH=${peerSource('pyDataPipeline')} ${PYTHON} model.py`,
        'register:',
        '  - data_product: SEIRS_model/parameters',
        '    root: data',
        '    path: static_params_SEIRS.csv',
        '    file_type: csv',
        '    version: "1.0.0"',
        'write:',
        '  - data_product: SEIRS_model/results/model_output/python',
        '    description: SEIRS model results',
        '    file_type: csv',
        '',
      ].join('\n'),
    );

    const run = await fairpod(dir, 'run', 'config.yaml');
    expect(run.code, run.stdout + run.stderr).to.equal(0);

    const log = await fairpod(dir, 'log');
    expect(log.code, log.stderr).to.equal(0);
    const lines = log.stdout.trim().split('\n');
    expect(lines, log.stdout).to.have.length(1);
    expect(lines[0]).to.match(/^([0-9a-f]{12}) {2}\S+ {2}succeeded\s+1 in, 1 out {2}SEIRS Model python$/);
    const runId = lines[0]!.slice(0, 12);

    const info = await fairpod(dir, 'info', runId);
    expect(info.code, info.stderr).to.equal(0);
    expect(info.stdout).to.match(/status {6}succeeded at /);
    expect(info.stdout).to.match(/inputs \(1\)\n {4}.*alice:SEIRS_model\/parameters@1\.0\.0/);
    expect(info.stdout).to.match(
      /outputs \(1\)\n {4}.*alice:SEIRS_model\/results\/model_output\/python@0\.0\.1/,
    );
    expect(info.stdout).to.contain('https://example.org/modellers/seirs.git');

    const product = await fairpod(dir, 'info', 'alice:SEIRS_model/results/model_output/python@0.0.1');
    const file = /(\S+\/[0-9a-f]{40}\.csv)/.exec(product.stdout)?.[1];
    expect(file, product.stdout).to.be.a('string');
    expect((await fs.readFile(file!, 'utf8')).split('\n')[0]).to.equal('time,S');
    const verify = await fairpod(dir, 'store', 'verify');
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });
});
