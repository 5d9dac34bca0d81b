import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { runConfigSession } from '../../src/cli/session.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import { TOKEN_TABLE } from '../../src/registry/rest/tokens.js';
import { fairpod } from '../support/cli.js';
import { saveEnv } from '../support/env.js';
import { describeOnBackends } from './backends.js';

const run = promisify(execFile);
/** Debian's Python, with python3-yaml (pyDataPipeline reads its config with yaml.safe_load); `.ci/setup.d/50-python.sh`. */
const PYTHON = '/usr/bin/python3';
/** pyDataPipeline's initialise / link_read / link_write / finalise, request for request (see its header). */
const CLIENT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'fair', 'pipeline_client.py');
const ORIGIN = 'https://example.org/modellers/seirs.git';

describeOnBackends(
  'a FAIR language API inside fairpod run CONFIG (pyDataPipeline’s requests)',
  (locations) => {
    let dir: string;
    let env: ReturnType<typeof saveEnv>;

    before(async () => {
      await run(PYTHON, ['-c', 'import yaml']).catch((err: Error) => {
        throw new Error(
          `${PYTHON} with python3-yaml is needed (apt-get install python3-yaml): ${err.message}`,
        );
      });
    });

    beforeEach(async () => {
      env = saveEnv(PROJECT_ENV);
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-pyclient-'));
      const git = (...args: string[]) =>
        run('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]);
      await run('git', ['init', '-q', dir]);
      await fs.mkdir(path.join(dir, 'data'));
      await fs.writeFile(path.join(dir, 'data', 'params.csv'), 'beta,gamma\n0.3,0.1\n');
      await fs.writeFile(path.join(dir, '.gitignore'), '.fairpod/\n');
      await git('add', '.');
      await git('commit', '-q', '-m', 'model');
      await git('remote', 'add', 'origin', ORIGIN);
      (
        await Project.init(dir, { user: 'alice', namespace: 'alice', registry: await locations.create() })
      ).close();
      await fs.writeFile(
        path.join(dir, 'config.yaml'),
        [
          'run_metadata:',
          '  description: SEIRS-like model run',
          `  script: ${PYTHON} ${CLIENT} model/params model/result`,
          'register:',
          '  - data_product: model/params',
          '    root: data',
          '    path: params.csv',
          '    file_type: csv',
          '    version: "1.0.0"',
          'write:',
          '  - data_product: model/result',
          '    description: model results',
          '    file_type: csv',
          '',
        ].join('\n'),
      );
      process.env[PROJECT_ENV] = dir;
    });
    afterEach(async () => {
      env.restore();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('initialise, link_read, link_write and finalise make one finished code run, shown as a native one', async () => {
      const result = await runConfigSession(path.join(dir, 'config.yaml'), { project: dir, stdio: 'pipe' });
      expect(result.exitCode, result.stderr).to.equal(0);

      // The working config the client read: FAIR-CLI's shape, the session's registry URL, the register item as a read.
      const working = YAML.parse(await fs.readFile(path.join(result.jobDir, 'config.yaml'), 'utf8')) as {
        run_metadata: Record<string, unknown>;
        read: Array<{ data_product: string; use: Record<string, string> }>;
        write: Array<{ use: Record<string, string> }>;
        register?: unknown;
      };
      expect(working.run_metadata.local_data_registry_url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
      expect(working.run_metadata).to.include({
        script_path: path.join(result.jobDir, 'script.sh'),
        remote_repo: ORIGIN,
      });
      expect(working.run_metadata).to.not.have.property('script');
      expect(working.register).to.equal(undefined);
      expect(working.read).to.deep.equal([
        {
          data_product: 'model/params',
          use: { namespace: 'alice', data_product: 'model/params', version: '1.0.0' },
        },
      ]);
      expect(working.write[0]!.use.version).to.equal('0.0.1');

      // One code run (the client's POST became the session's), finished, with the client's input and output.
      const log = await fairpod('log');
      expect(log.code, log.stderr).to.equal(0);
      const lines = log.stdout.trim().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(
        new RegExp(`^${result.runId.slice(0, 12)}  \\S+  succeeded\\s+1 in, 1 out  SEIRS-like model run$`),
      );

      const info = await fairpod('info', result.runId.slice(0, 12));
      expect(info.code, info.stderr).to.equal(0);
      const store = path.join(dir, '.fairpod', 'store');
      expect(info.stdout).to.match(/status {6}succeeded at /);
      expect(info.stdout).to.match(new RegExp(`config {6}${store}/alice/config/[0-9a-f]{40}\\.yaml`));
      expect(info.stdout).to.match(
        new RegExp(`script {6}${store}/alice/submission_script/[0-9a-f]{40}\\.sh`),
      );
      expect(info.stdout).to.contain(ORIGIN);
      expect(info.stdout).to.match(/inputs \(1\)\n {4}.*alice:model\/params@1\.0\.0/);
      expect(info.stdout).to.match(/outputs \(1\)\n {4}.*alice:model\/result@0\.0\.1/);

      // The output is a store file: read-only, its content what the script wrote.
      const product = await fairpod('info', 'alice:model/result@0.0.1');
      const file = /(\S+\/alice\/model\/result\/[0-9a-f]{40}\.csv)/.exec(product.stdout)?.[1];
      expect(file, product.stdout).to.be.a('string');
      expect(await fs.readFile(file!, 'utf8')).to.equal('BETA,GAMMA\n0.3,0.1\n');
      expect((await fs.stat(file!)).mode & 0o222).to.equal(0);
      const verify = await fairpod('store', 'verify');
      expect(verify.code, verify.stdout + verify.stderr).to.equal(0);

      // The session's token is gone with the session.
      const project = await Project.open(dir);
      try {
        const tokens = (await project.registry.knex(TOKEN_TABLE).count({ n: '*' }).first()) as { n: unknown };
        expect(Number(tokens.n)).to.equal(0);
      } finally {
        await project.close();
      }
    });

    it('a second session writes the next version (PATCH, as FAIR-CLI), again as one finished run', async () => {
      const first = await runConfigSession(path.join(dir, 'config.yaml'), { project: dir, stdio: 'pipe' });
      expect(first.exitCode, first.stderr).to.equal(0);
      const second = await runConfigSession(path.join(dir, 'config.yaml'), { project: dir, stdio: 'pipe' });
      expect(second.exitCode, second.stderr).to.equal(0);
      const log = await fairpod('log');
      expect(
        log.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[2]),
      ).to.deep.equal(['succeeded', 'succeeded']);
      const v2 = await fairpod('info', 'alice:model/result@0.0.2');
      expect(v2.code, v2.stderr).to.equal(0);
    });
  },
);
