import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { peerSource } from './peers.js';
import { writeSeirsModel } from './seirsModel.js';
import { CLI, runTo, waitForServer, type Ran } from './processes.js';

const execFileP = promisify(execFile);
/**
 * Debian's Python with FAIR-CLI's dependencies (python3-click, -git, -jinja2, -pydantic, -email-validator,
 * -rich, -semver, -simplejson, -toml, -validators, -requests, -yaml: `.ci/setup.d/50-python.sh`).
 */
const PYTHON = '/usr/bin/python3';
/** Where `fair init --ci` puts the local and the remote ("origin") registry (fair/testing.py). */
const LOCAL_PORT = 8000;
const REMOTE_PORT = 8001;
/**
 * Debian has no python3-fake-useragent. FAIR-CLI imports it only to put a browser's User-Agent on the
 * requests it sends to ORCID and ROR (fair/identifiers.py), which this test never makes: the smallest
 * stand-in is a class with that one attribute.
 */
const FAKE_USERAGENT_STANDIN =
  'class UserAgent:\n    chrome = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"\n';

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/api/`).then(
    (r) => r.ok,
    () => false,
  );

describe('FAIR-CLI (`fair init / pull / run / add / push`) with fairpod as its local and its remote registry', function () {
  this.timeout(300_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let remote: ChildProcess | undefined;
  let remoteLog = '';

  /** `fairpod ARGS` as a user runs it, with the test's HOME. */
  const fairpod = (cwd: string, ...args: string[]) => runTo(process.execPath, [CLI, ...args], { cwd, env });
  /** FAIR-CLI's `fair` command, from its source (its console script calls `fair.cli:cli`). */
  const fair = (cwd: string, ...args: string[]) =>
    runTo(PYTHON, ['-c', 'import sys; from fair.cli import cli; sys.exit(cli())', ...args], { cwd, env });
  const git = (cwd: string, ...args: string[]) => execFileP('git', ['-C', cwd, ...args], { env });

  before(async function () {
    const missing = await runTo(
      PYTHON,
      [
        '-c',
        'import click, git, jinja2, pydantic, email_validator, rich, semver, simplejson, toml, validators, requests, yaml',
      ],
      { cwd: os.tmpdir() },
    );
    if (missing.code !== 0)
      throw new Error(
        `${PYTHON} lacks a FAIR-CLI dependency (.ci/setup.d/50-python.sh installs them): ${missing.stderr}`,
      );
    for (const port of [LOCAL_PORT, REMOTE_PORT])
      expect(await answers(port), `port ${port} must be free: \`fair init --ci\` names it`).to.equal(false);

    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-faircli-'));
    const home = path.join(dir, 'home');
    const standins = path.join(dir, 'standins');
    await fs.mkdir(home);
    await fs.mkdir(standins);
    await fs.writeFile(path.join(standins, 'fake_useragent.py'), FAKE_USERAGENT_STANDIN);
    await fs.writeFile(
      path.join(home, '.gitconfig'),
      '[user]\n\tname = Tester\n\temail = tester@example.org\n[init]\n\tdefaultBranch = master\n',
    );
    env = {
      ...process.env,
      HOME: home,
      PYTHONPATH: [peerSource('FAIR-CLI'), standins].join(path.delimiter),
      GIT_CONFIG_NOSYSTEM: '1',
    };
    delete env.FAIR_REGISTRY_DIR;
  });

  after(async () => {
    remote?.kill('SIGTERM');
    const stop = path.join(dir, 'home', '.fair', 'registry', 'scripts', 'stop_fair_registry');
    await runTo(stop, [], { cwd: dir });
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a model run by `fair run` is recorded in fairpod, pushed by `fair push` to a fairpod remote, and pulled back by `fair pull`', async () => {
    // The local registry: `fairpod registry install` in place of `fair registry install`.
    const installed = await fairpod(dir, 'registry', 'install');
    expect(installed.code, installed.stderr).to.equal(0);
    const registryDir = path.join(dir, 'home', '.fair', 'registry');
    expect((await fs.stat(path.join(registryDir, 'token'))).mode & 0o077).to.equal(0);

    // The remote: a shared fairpod registry serving its data store; the remote user is `fair init --ci`'s.
    const remoteDir = path.join(dir, 'remote');
    await fs.mkdir(path.join(remoteDir, 'data'), { recursive: true });
    expect((await fairpod(remoteDir, 'init', '--user', 'admin')).code).to.equal(0);
    const project = path.join(dir, 'project');
    await fs.mkdir(project);
    const remoteToken = await fairpod(remoteDir, 'registry', 'token', 'create', '--user', 'FAIRDataPipeline');
    expect(remoteToken.code, remoteToken.stderr).to.equal(0);
    await fs.writeFile(path.join(project, 'token'), remoteToken.stdout.trim() + '\n');
    remote = spawn(
      process.execPath,
      [
        CLI,
        'registry',
        'serve',
        '--port',
        String(REMOTE_PORT),
        '--data-store',
        path.join(remoteDir, 'data'),
        '--data-url',
        `http://localhost:${REMOTE_PORT}/data/`,
      ],
      { cwd: remoteDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    remote.stdout!.on('data', (c: Buffer) => (remoteLog += c.toString()));
    remote.stderr!.on('data', (c: Buffer) => (remoteLog += c.toString()));
    await waitForServer(`http://127.0.0.1:${REMOTE_PORT}/api/`, remote, () => remoteLog);

    // The modeller's repository: pyDataPipeline's SEIRS parameters, a model that reads them through
    // pyDataPipeline, and a FAIR config. FAIR-CLI wants the commit on the remote's branch.
    await writeSeirsModel(project);
    await fs.writeFile(
      path.join(project, 'config.yaml'),
      [
        'run_metadata:',
        '  description: SEIRS Model python',
        `  script: PYTHONPATH=${peerSource('pyDataPipeline')} ${PYTHON} ${path.join(project, 'model.py')}`,
        'register:',
        '- data_product: SEIRS_model/parameters',
        `  root: file://${path.join(project, 'data')}/`,
        '  path: static_params_SEIRS.csv',
        '  file_type: csv',
        '  version: "1.0.0"',
        'write:',
        '- data_product: SEIRS_model/results/model_output/python',
        '  description: SEIRS model results',
        '  file_type: csv',
        '',
      ].join('\n'),
    );
    await fs.writeFile(path.join(project, '.gitignore'), 'token\n');
    await execFileP('git', ['init', '-q', '--bare', path.join(dir, 'origin.git')], { env });
    await git(project, 'init', '-q');
    await git(project, 'add', '.');
    await git(project, 'commit', '-q', '-m', 'SEIRS model');
    await git(project, 'remote', 'add', 'origin', path.join(dir, 'origin.git'));
    await git(project, 'push', '-q', 'origin', 'master');

    const steps: Array<[string, Ran]> = [];
    const step = async (...args: string[]) => {
      const ran = await fair(project, ...args);
      steps.push([args.join(' '), ran]);
      expect(ran.code, `fair ${args.join(' ')}:\n${ran.stdout}\n${ran.stderr}`).to.equal(0);
      return ran;
    };
    await step('init', '--ci');
    await step('pull', 'config.yaml');
    await step('run', 'config.yaml');

    // FAIR-CLI started fairpod as its local registry; the run is there as a native one.
    const log = await fairpod(registryDir, 'log');
    expect(log.code, log.stderr).to.equal(0);
    const runs = log.stdout.trim().split('\n');
    expect(runs, log.stdout).to.have.length(1);
    expect(runs[0]).to.match(/^[0-9a-f]{12} {2}\S+ {2}succeeded\s+1 in, 1 out {2}SEIRS Model python$/);
    const info = await fairpod(registryDir, 'info', runs[0]!.slice(0, 12));
    expect(info.stdout).to.match(/inputs \(1\)\n {4}.*testing:SEIRS_model\/parameters@1\.0\.0/);
    expect(info.stdout).to.match(
      /outputs \(1\)\n {4}.*testing:SEIRS_model\/results\/model_output\/python@0\.0\.1/,
    );

    await step('add', 'testing:SEIRS_model/results/model_output/python@v0.0.1');
    await step('push');

    // On the remote: the product, its file uploaded into the data store, and the run that made it.
    const pushed = await fairpod(remoteDir, 'info', 'testing:SEIRS_model/results/model_output/python@0.0.1');
    expect(pushed.code, pushed.stderr + remoteLog).to.equal(0);
    const hash = /\/data\/([0-9a-f]{40}) {2}sha1 \1/.exec(pushed.stdout)?.[1];
    expect(hash, pushed.stdout).to.be.a('string');
    expect((await fs.readFile(path.join(remoteDir, 'data', hash!), 'utf8')).split('\n')[0]).to.equal(
      'time,S',
    );
    expect(pushed.stdout).to.match(
      /produced by run [0-9a-f]{12} .* succeeded\s+1 in, 1 out {2}SEIRS Model python/,
    );
    expect(pushed.stdout).to.match(
      /read http:\/\/localhost:8001\/data\/[0-9a-f]{40} .*testing:SEIRS_model\/parameters@1\.0\.0/,
    );
    const remoteRuns = await fairpod(remoteDir, 'log');
    expect(remoteRuns.stdout.trim().split('\n')).to.have.length(1);

    // FAIR-CLI leaves its local registry running; `fair registry stop` ends it through the stop script.
    await step('registry', 'stop');
    expect(await answers(LOCAL_PORT)).to.equal(false);
  });

  it('`fair pull` of a `read` item brings the product’s records from a fairpod remote', async () => {
    // A second modeller: a fresh local registry of their own, the same remote.
    const home2 = path.join(dir, 'home2');
    await fs.mkdir(home2);
    await fs.copyFile(path.join(dir, 'home', '.gitconfig'), path.join(home2, '.gitconfig'));
    const own = { ...env, HOME: home2 };
    const project = path.join(dir, 'reader');
    await fs.mkdir(project);
    await fs.copyFile(path.join(dir, 'project', 'token'), path.join(project, 'token'));
    await fs.writeFile(
      path.join(project, 'config.yaml'),
      [
        'run_metadata:',
        '  description: read the SEIRS output',
        '  script: echo read',
        'read:',
        '- data_product: SEIRS_model/results/model_output/python',
        '  use:',
        '    version: 0.0.1',
        '',
      ].join('\n'),
    );
    await fs.writeFile(path.join(project, '.gitignore'), 'token\n');
    const inProject = (file: string, ...args: string[]) => runTo(file, args, { cwd: project, env: own });
    await execFileP('git', ['init', '-q', '--bare', path.join(dir, 'reader.git')], { env: own });
    for (const args of [
      ['init', '-q'],
      ['add', '.'],
      ['commit', '-q', '-m', 'reader'],
      ['remote', 'add', 'origin', path.join(dir, 'reader.git')],
      ['push', '-q', 'origin', 'master'],
    ])
      expect((await inProject('git', ...args)).code).to.equal(0);
    expect((await inProject(process.execPath, CLI, 'registry', 'install')).code).to.equal(0);
    const fairIn = (...args: string[]) =>
      inProject(PYTHON, '-c', 'import sys; from fair.cli import cli; sys.exit(cli())', ...args);
    try {
      const init = await fairIn('init', '--ci');
      expect(init.code, init.stdout + init.stderr).to.equal(0);
      const pull = await fairIn('pull', 'config.yaml');
      // The records arrive: product, object, storage location under the remote's data root, file type.
      const registry2 = path.join(home2, '.fair', 'registry');
      const got = await runTo(
        process.execPath,
        [CLI, 'info', 'testing:SEIRS_model/results/model_output/python@0.0.1'],
        { cwd: registry2, env: own },
      );
      const serverLog = await fs
        .readFile(path.join(registry2, 'output.log'), 'utf8')
        .catch((err: Error) => `(no output.log: ${err.message})`);
      expect(
        got.code,
        `${got.stderr}\nfair pull: ${pull.stdout}\n${pull.stderr}\nregistry: ${serverLog}`,
      ).to.equal(0);
      expect(got.stdout).to.match(/http:\/\/localhost:8001\/data\/[0-9a-f]{40} {2}sha1 [0-9a-f]{40}/);
      // FAIR-CLI then fails in its own code, before fetching the file, whatever the registry: sync.py's
      // sync_data_products indexes the product it has already taken out of its list (`result[0]` of a
      // dict, at this commit). Named here so that a FAIR-CLI that fixes it makes this test say so.
      if (pull.code !== 0)
        expect(pull.stderr).to.match(
          /fetch_data_product\(origin_token, local_data_store, result\[0\]\)\s+.*\s+KeyError: 0/,
        );
    } finally {
      await inProject(path.join(home2, '.fair', 'registry', 'scripts', 'stop_fair_registry'));
    }
  });
});
