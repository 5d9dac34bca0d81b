import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RegistryClient } from '../../src/registry/client/client.js';
import { TOKEN_ENV } from '../../src/registry/client/token.js';
import { openCodeRun } from '../../src/registry/codeRun.js';
import { FAIR_TABLES } from '../../src/registry/migrations.js';
import { createToken } from '../../src/registry/rest/tokens.js';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import { RegistryPusher } from '../../src/registry/sync/push.js';
import { fairpod } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';
import { describeOnBackends } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

/** The number of rows of a table (PostgreSQL counts as text). */
async function count(db: ServedRegistry['registry']['knex'], table: string): Promise<number> {
  const [row] = (await db(table).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(row!.n);
}

/** Row counts of every FAIR table of a registry (users and tokens left out: they belong to the server). */
async function rowCounts(served: ServedRegistry): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of FAIR_TABLES.filter((t) => t !== 'users')) {
    counts[table] = await count(served.registry.knex, table);
  }
  return counts;
}

describeOnBackends('fairpod remote and push to a registry on 127.0.0.1', (locations) => {
  let dir: string;
  let dataStore: string;
  let remote: ServedRegistry;
  let env: SavedEnv;
  let runId: string;
  let outputSha1: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-push-'));
    dataStore = path.join(dir, 'remote-data');
    await fs.mkdir(dataStore);
    env = saveEnv(PROJECT_ENV, TOKEN_ENV);
    process.env[PROJECT_ENV] = dir;
    delete process.env[TOKEN_ENV];
    remote = await serveFreshRegistry(locations);
    expect((await fairpod('init', dir, '--user', 'alice', '--namespace', 'alice')).code).to.equal(0);
    const project = await Project.open(dir);
    try {
      const run = await openCodeRun(project.registry, project.store, {
        namespace: 'alice',
        configContent: 'push test',
        description: 'push test',
      });
      const input = path.join(dir, 'input.nc');
      const output = path.join(dir, 'output.nc');
      await fs.writeFile(input, 'input bytes');
      await fs.writeFile(output, 'output bytes');
      outputSha1 = createHash('sha1').update('output bytes').digest('hex');
      await run.recordRead(input);
      await run.recordWrite(await project.store.add(output, { namespace: 'alice', name: 'results/out' }), {
        dataProduct: { namespace: 'alice', name: 'results/out', version: '1.0.0' },
      });
      await run.finish('succeeded');
      runId = run.runId;
    } finally {
      await project.close();
    }
    expect((await fairpod('add', runId.slice(0, 12))).code).to.equal(0);
  });
  afterEach(async () => {
    await remote.close();
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function tokenFile(mode: number): Promise<string> {
    const file = path.join(dir, `token-${mode.toString(8)}`);
    await fs.writeFile(file, `${remote.token}\n`, { mode });
    await fs.chmod(file, mode);
    return file;
  }

  /** `fairpod remote add origin` for the served remote, with a mode-600 token file and the directory data store. */
  async function addOrigin(): Promise<void> {
    const args = ['--token-file', await tokenFile(0o600), '--data-store', dataStore];
    const add = await fairpod('remote', 'add', 'origin', remote.url, ...args);
    expect(add.code, add.stderr).to.equal(0);
  }

  it('pushes a run with its inputs, outputs, data product and files; pushing again changes nothing', async () => {
    await addOrigin();
    expect((await fairpod('remote', 'list')).stdout).to.match(/^origin\thttp:\/\/127\.0\.0\.1:\d+\ttoken /m);

    const first = await fairpod('push');
    expect(first.code, first.stderr).to.equal(0);
    const after = await rowCounts(remote);
    expect(after.code_run).to.equal(1);
    expect(after.data_product).to.equal(1);
    const remoteRun = await remote.registry.knex('code_run').first();
    const project = await Project.open(dir);
    try {
      const localRun = await project.registry.knex('code_run').where({ run_id: runId }).first();
      expect(remoteRun.uuid).to.equal(localRun.uuid);
      expect(remoteRun.run_id).to.equal(runId);
      // Inputs and outputs arrive as links to the pushed components.
      expect(await count(remote.registry.knex, 'code_run_inputs')).to.equal(1);
      expect(await count(remote.registry.knex, 'code_run_outputs')).to.equal(
        await count(project.registry.knex, 'code_run_outputs'),
      );

      // The output's file now lives in the remote data store, under the remote's root, with its hash.
      const location = await remote.registry
        .knex('storage_location as s')
        .join('storage_root as r', 's.storage_root_id', 'r.id')
        .where({ 's.hash': outputSha1 })
        .first('s.path', 'r.root');
      expect(location.root).to.equal(`file://${dataStore}/`);
      expect(await fs.readFile(path.join(dataStore, location.path), 'utf8')).to.equal('output bytes');

      const again = await fairpod('push');
      expect(again.stdout).to.match(/nothing to push/);
      // Re-sending everything through the API (post-else-get) creates no row either.
      const client = new RegistryClient(remote.url, { token: remote.token });
      await new RegistryPusher(project, client, { dataStore: `file://${dataStore}/` }).push([
        { entity: 'code_run', id: localRun.id },
      ]);
      expect(await rowCounts(remote)).to.deep.equal(after);
    } finally {
      await project.close();
    }
  });

  it('pushes the user’s author with the remote user’s user_author, and a code repository as its origin URL', async () => {
    // A run whose code repository had no remote when it ran: recorded by its directory.
    const repo = path.join(dir, 'model');
    const git = (...args: string[]) =>
      promisify(execFile)('git', [
        '-C',
        repo,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.org',
        ...args,
      ]);
    await fs.mkdir(repo);
    await git('init', '-q');
    await fs.writeFile(path.join(repo, 'model.py'), 'print(1)\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'model');
    const project = await Project.open(dir);
    let codeRunId: string;
    try {
      const run = await openCodeRun(project.registry, project.store, {
        namespace: 'alice',
        configContent: 'code repo test',
        repoDir: repo,
      });
      await run.finish('succeeded');
      codeRunId = run.runId;
      const root = (await project.registry
        .knex('code_run as c')
        .join('object as o', 'c.code_repo_id', 'o.id')
        .join('storage_location as s', 'o.storage_location_id', 's.id')
        .join('storage_root as r', 's.storage_root_id', 'r.id')
        .where('c.run_id', codeRunId)
        .first('r.root')) as { root: string };
      expect(root.root).to.equal(`file://${repo}`);
    } finally {
      await project.close();
    }
    await git('remote', 'add', 'origin', 'https://example.org/alice/model.git');
    expect((await fairpod('add', codeRunId.slice(0, 12))).code).to.equal(0);
    await addOrigin();
    const push = await fairpod('push');
    expect(push.code, push.stderr).to.equal(0);

    const remoteRoot = (await remote.registry
      .knex('code_run as c')
      .join('object as o', 'c.code_repo_id', 'o.id')
      .join('storage_location as s', 'o.storage_location_id', 's.id')
      .join('storage_root as r', 's.storage_root_id', 'r.id')
      .where('c.run_id', codeRunId)
      .first('r.root', 'r.local')) as { root: string; local: boolean | number };
    expect([remoteRoot.root, Boolean(remoteRoot.local)]).to.deep.equal([
      'https://example.org/alice/model.git',
      false,
    ]);

    const local = await Project.open(dir);
    try {
      const author = (await local.registry.knex('author').where({ name: 'alice' }).first('uuid')) as {
        uuid: string;
      };
      const link = (await remote.registry
        .knex('user_author as ua')
        .join('users as u', 'ua.user_id', 'u.id')
        .join('author as a', 'ua.author_id', 'a.id')
        .select('u.username', 'a.uuid', 'a.name')) as unknown[];
      expect(link).to.deep.equal([{ username: 'tester', uuid: author.uuid, name: 'alice' }]);
    } finally {
      await local.close();
    }
  });

  it('uploads files with PUT to the HTTP data store of a served registry, once', async () => {
    const served = await serveFreshRegistry(locations, { dataStore });
    try {
      const servedToken = path.join(dir, 'served-token');
      await fs.writeFile(servedToken, `${served.token}\n`, { mode: 0o600 });
      const add = await fairpod(
        'remote',
        'add',
        'web',
        served.url,
        '--token-file',
        servedToken,
        '--data-store',
        `${served.url}/data`,
      );
      expect(add.code, add.stderr).to.equal(0);
      const push = await fairpod('push', 'web');
      expect(push.code, push.stderr).to.equal(0);
      expect(push.stdout).to.match(/[1-9]\d* file\(s\) uploaded/);
      const location = await served.registry
        .knex('storage_location as s')
        .join('storage_root as r', 's.storage_root_id', 'r.id')
        .where({ 's.hash': outputSha1 })
        .first('s.path', 'r.root', 'r.local');
      expect(location.root).to.equal(`${served.url}/data/`);
      expect(Boolean(location.local)).to.equal(false);
      const served1 = await fetch(`${location.root}${location.path}`);
      expect(await served1.text()).to.equal('output bytes');
      // The input, recorded outside the store, is filed under its hash.
      const input = await served.registry
        .knex('storage_location')
        .where({ hash: createHash('sha1').update('input bytes').digest('hex') })
        .first('path');
      expect(input.path).to.match(/^files\/[0-9a-f]{40}\/input\.nc$/);

      // Again through the API: no new row, no file sent again.
      const after = await rowCounts(served);
      const project = await Project.open(dir);
      try {
        const localRun = await project.registry.knex('code_run').where({ run_id: runId }).first();
        const report = await new RegistryPusher(
          project,
          new RegistryClient(served.url, { token: served.token }),
          {
            dataStore: `${served.url}/data/`,
            token: served.token,
          },
        ).push([{ entity: 'code_run', id: localRun.id }]);
        expect(report.filesUploaded).to.equal(0);
      } finally {
        await project.close();
      }
      expect(await rowCounts(served)).to.deep.equal(after);
    } finally {
      await served.close();
    }
  });

  it('two runs that read different content at the same local path both push: data store paths are by hash', async () => {
    await addOrigin();
    expect((await fairpod('push')).code).to.equal(0);
    // The input changes in place, and a second run reads it.
    const project = await Project.open(dir);
    let second: string;
    try {
      const input = path.join(dir, 'input.nc');
      await fs.writeFile(input, 'changed input bytes');
      const run = await openCodeRun(project.registry, project.store, {
        namespace: 'alice',
        configContent: 'push test 2',
        description: 'push test 2',
      });
      await run.recordRead(input);
      await run.finish('succeeded');
      second = run.runId;
    } finally {
      await project.close();
    }
    expect((await fairpod('add', second.slice(0, 12))).code).to.equal(0);
    const push = await fairpod('push');
    expect(push.code, push.stderr).to.equal(0);
    const inputs = (await remote.registry
      .knex('storage_location')
      .where('path', 'like', 'files/%/input.nc')
      .pluck('path')) as string[];
    expect(inputs).to.have.length(2);
    const contents = [];
    for (const p of inputs) {
      const content = await fs.readFile(path.join(dataStore, p), 'utf8');
      expect(p).to.contain(createHash('sha1').update(content).digest('hex'));
      contents.push(content);
    }
    expect(contents.sort()).to.deep.equal(['changed input bytes', 'input bytes']);
  });

  it('after a push, status lists the run and the data product it wrote as pushed, none as local only', async () => {
    await addOrigin();
    const before = await fairpod('status');
    expect(before.stdout).to.match(/local only:\n {2}data product alice:results\/out@1\.0\.0/);
    expect((await fairpod('push')).code).to.equal(0);
    const after = await fairpod('status');
    expect(after.stdout).to.not.include('local only');
    expect(after.stdout).to.match(
      new RegExp(
        `pushed:\\n {2}run ${runId.slice(0, 12)} -> [^\\n]+\\n {2}data product alice:results/out@1\\.0\\.0 -> `,
      ),
    );
    // Nothing is left to send to that remote.
    expect((await fairpod('push')).stdout).to.match(/nothing to push/);
  });

  it('a second user pushes the same bytes under other paths: both pushes succeed and share one storage location', async () => {
    await addOrigin();
    expect((await fairpod('push')).code).to.equal(0);
    // Bob, in a project of his own, wrote a file byte-identical to alice's output and read her input's bytes.
    const bobDir = path.join(dir, 'bob');
    await fs.mkdir(bobDir);
    expect((await fairpod('init', bobDir, '--user', 'bob', '--namespace', 'bob')).code).to.equal(0);
    process.env[PROJECT_ENV] = bobDir;
    const project = await Project.open(bobDir);
    let bobRun: string;
    try {
      const run = await openCodeRun(project.registry, project.store, {
        namespace: 'bob',
        configContent: 'bob copies',
        description: 'bob copies',
      });
      const input = path.join(bobDir, 'elsewhere', 'same-input.nc');
      const output = path.join(bobDir, 'copy.nc');
      await fs.mkdir(path.dirname(input));
      await fs.writeFile(input, 'input bytes');
      await fs.writeFile(output, 'output bytes');
      await run.recordRead(input);
      await run.recordWrite(await project.store.add(output, { namespace: 'bob', name: 'results/copy' }), {
        dataProduct: { namespace: 'bob', name: 'results/copy', version: '1.0.0' },
      });
      await run.finish('succeeded');
      bobRun = run.runId;
    } finally {
      await project.close();
    }
    const bobToken = path.join(dir, 'bob.token');
    await fs.writeFile(bobToken, `${await createToken(remote.registry, 'bob')}\n`, { mode: 0o600 });
    expect(
      (
        await fairpod(
          'remote',
          'add',
          'origin',
          remote.url,
          '--token-file',
          bobToken,
          '--data-store',
          dataStore,
        )
      ).code,
    ).to.equal(0);
    expect((await fairpod('add', bobRun.slice(0, 12))).code).to.equal(0);
    const push = await fairpod('push');
    expect(push.code, push.stderr).to.equal(0);
    // One location per content: bob's copy and alice's output are one stored file, each user's object points at it.
    const locations = (await remote.registry.knex('storage_location').where({ hash: outputSha1 })) as Array<{
      id: number;
    }>;
    expect(locations).to.have.length(1);
    const objects = await remote.registry.knex('object').where({ storage_location_id: locations[0]!.id });
    expect(objects.length).to.be.greaterThanOrEqual(2);
    expect(
      await remote.registry
        .knex('data_product')
        .whereIn('name', ['results/out', 'results/copy'])
        .pluck('name'),
    ).to.have.members(['results/out', 'results/copy']);
    // Pushing again sends nothing new.
    expect((await fairpod('push')).code).to.equal(0);
  });

  it('a file changed after it was recorded is refused by the HTTP data store, and the push names it', async () => {
    const served = await serveFreshRegistry(locations, { dataStore });
    try {
      const project = await Project.open(dir);
      try {
        const [stored] = await project.store.findBySha1(outputSha1);
        await fs.chmod(stored!.path, 0o644);
        await fs.writeFile(stored!.path, 'tampered bytes');
      } finally {
        await project.close();
      }
      process.env[TOKEN_ENV] = served.token;
      expect(
        (await fairpod('remote', 'add', 'web', served.url, '--data-store', `${served.url}/data/`)).code,
      ).to.equal(0);
      const push = await fairpod('push', 'web');
      expect(push.code).to.not.equal(0);
      expect(push.stderr).to.match(new RegExp(`does not match its registered hash ${outputSha1}`));
      expect(push.stderr).to.match(/fairpod store verify/);
      const files = await fs.readdir(dataStore, { recursive: true, withFileTypes: true });
      expect(files.filter((f) => f.isFile() && f.name.startsWith(outputSha1))).to.deep.equal([]);
    } finally {
      await served.close();
    }
  });

  it('an HTTP data store refuses an upload without a token, and the push fails naming it', async () => {
    const served = await serveFreshRegistry(locations, { dataStore });
    try {
      process.env[TOKEN_ENV] = served.token;
      expect(
        (await fairpod('remote', 'add', 'web', served.url, '--data-store', `${served.url}/data/`)).code,
      ).to.equal(0);
      // A wrong token in the environment: the registry and the data store both refuse.
      process.env[TOKEN_ENV] = 'f'.repeat(40);
      const push = await fairpod('push', 'web');
      expect(push.code).to.not.equal(0);
      expect(push.stderr).to.match(/403/);
      expect(push.stderr).to.not.contain('f'.repeat(40));
      expect(await fs.readdir(dataStore)).to.deep.equal([]);
    } finally {
      await served.close();
    }
  });

  it('writes nothing to a remote without a token, and refuses a token file others can read', async () => {
    const loose = await fairpod('remote', 'add', 'open', remote.url, '--token-file', await tokenFile(0o644));
    expect(loose.code).to.not.equal(0);
    expect(loose.stderr).to.match(/chmod 600/);

    expect((await fairpod('remote', 'add', 'anon', remote.url)).code).to.equal(0);
    const before = await rowCounts(remote);
    const push = await fairpod('push', 'anon');
    expect(push.code).to.not.equal(0);
    expect(push.stderr).to.match(/403/);
    expect(await rowCounts(remote)).to.deep.equal(before);

    // The token may come from the environment instead.
    process.env[TOKEN_ENV] = remote.token;
    const withEnv = await fairpod('push', 'anon');
    expect(withEnv.code, withEnv.stderr).to.equal(0);
    expect((await rowCounts(remote)).code_run).to.equal(1);
  });

  it('remote add refuses a data store that is neither a directory nor an http(s) URL', async () => {
    for (const store of ['ftp://example.org/data/', path.join(dir, 'missing')]) {
      const r = await fairpod('remote', 'add', 'x', remote.url, '--data-store', store);
      expect(r.code, store).to.equal(2);
      expect(r.stderr).to.match(
        /--data-store: data store .* (is not a directory|is neither a directory nor an http\(s\) URL)/,
      );
    }
    expect((await fairpod('remote', 'list')).stdout).to.equal('');
  });

  it('remove forgets a remote; pushing to an unknown one names the known ones', async () => {
    expect((await fairpod('remote', 'add', 'a', remote.url)).code).to.equal(0);
    expect((await fairpod('remote', 'add', 'b', remote.url)).code).to.equal(0);
    const unknown = await fairpod('push', 'c');
    expect(unknown.code).to.not.equal(0);
    expect(unknown.stderr).to.match(/remotes: a, b/);
    expect((await fairpod('remote', 'remove', 'a')).code).to.equal(0);
    expect((await fairpod('remote', 'list')).stdout).to.not.match(/^a\t/m);
  });
});
