import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { TOKEN_ENV } from '../../src/registry/client/token.js';
import { openCodeRun } from '../../src/registry/codeRun.js';
import { FAIR_TABLES } from '../../src/registry/migrations.js';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import { TestServer } from '../fetch/testServer.js';
import { fairpod, type CliResult } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';
import { describeOnBackends } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** `fairpod info` with file locations left out: a pulled registry names the remote's copies of the files. */
function withoutLocations(info: CliResult): string {
  return info.stdout.replace(/^(\s*(?:read )?)\S+( {2}sha1 )/gm, '$1<file>$2');
}

/** Row counts of every FAIR table of a project's registry. */
async function rowCounts(dir: string): Promise<Record<string, number>> {
  const project = await Project.open(dir);
  try {
    const counts: Record<string, number> = {};
    for (const table of FAIR_TABLES) {
      const [row] = (await project.registry.knex(table).count({ n: '*' })) as Array<{ n: number | string }>;
      counts[table] = Number(row!.n);
    }
    return counts;
  } finally {
    await project.close();
  }
}

describeOnBackends('fairpod pull from a registry on 127.0.0.1', (locations) => {
  let dir: string;
  let first: string;
  let third: string;
  let dataStore: string;
  let remote: ServedRegistry;
  let config: string;
  let env: SavedEnv;

  /** Runs fairpod in the project `projectDir`. */
  async function fairpodIn(projectDir: string, ...args: string[]): Promise<CliResult> {
    process.env[PROJECT_ENV] = projectDir;
    return fairpod(...args);
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-pull-'));
    first = path.join(dir, 'first');
    third = path.join(dir, 'third');
    dataStore = path.join(dir, 'remote-data');
    for (const d of [first, third, dataStore]) await fs.mkdir(d);
    env = saveEnv(PROJECT_ENV, TOKEN_ENV);
    delete process.env[TOKEN_ENV];
    remote = await serveFreshRegistry(locations);

    // The first project records a run reading one file and writing a data product, and pushes it.
    expect((await fairpodIn(first, 'init', first, '--user', 'alice', '--namespace', 'alice')).code).to.equal(
      0,
    );
    const project = await Project.open(first);
    let runId: string;
    try {
      const run = await openCodeRun(project.registry, project.store, {
        namespace: 'alice',
        configContent: 'pull test',
        description: 'pull test',
      });
      await fs.writeFile(path.join(first, 'input.csv'), 'input bytes');
      await fs.writeFile(path.join(first, 'output.csv'), 'output bytes');
      await run.recordRead(path.join(first, 'input.csv'));
      const stored = await project.store.add(path.join(first, 'output.csv'), {
        namespace: 'alice',
        name: 'results/out',
      });
      await run.recordWrite(stored, {
        dataProduct: { namespace: 'alice', name: 'results/out', version: '1.0.0' },
      });
      await run.finish('succeeded');
      runId = run.runId;
    } finally {
      await project.close();
    }
    const tokenFile = path.join(dir, 'token');
    await fs.writeFile(tokenFile, `${remote.token}\n`, { mode: 0o600 });
    expect((await fairpodIn(first, 'add', runId.slice(0, 12))).code).to.equal(0);
    const add = await fairpodIn(
      first,
      'remote',
      'add',
      'origin',
      remote.url,
      '--token-file',
      tokenFile,
      '--data-store',
      dataStore,
    );
    expect(add.code, add.stderr).to.equal(0);
    const push = await fairpodIn(first, 'push');
    expect(push.code, push.stderr).to.equal(0);

    // The third project knows the remote (read-only) and has a config reading the data product.
    expect((await fairpodIn(third, 'init', third, '--user', 'carol', '--namespace', 'carol')).code).to.equal(
      0,
    );
    // Read-only, naming the directory the remote's files are in (fairpod reads local files only from there).
    expect(
      (await fairpodIn(third, 'remote', 'add', 'origin', remote.url, '--data-store', dataStore)).code,
    ).to.equal(0);
    config = path.join(third, 'config.yaml');
    await fs.writeFile(
      config,
      [
        'run_metadata:',
        '  description: reads results',
        'read:',
        '  - data_product: results/*',
        '    use:',
        '      namespace: alice',
        '',
      ].join('\n'),
    );
  });
  afterEach(async () => {
    await remote.close();
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('copies a data product with its run and inputs; info shows the same hashes and lineage; pulling again adds nothing', async () => {
    const pull = await fairpodIn(third, 'pull', config);
    expect(pull.code, pull.stderr).to.equal(0);
    expect(pull.stdout).to.match(
      /pulled alice:results\/out@1\.0\.0 from origin: [1-9]\d* new row\(s\), 1 file\(s\) fetched \(12 bytes\)/,
    );

    const original = await fairpodIn(first, 'info', 'alice:results/out@1.0.0');
    const pulled = await fairpodIn(third, 'info', 'alice:results/out@1.0.0');
    expect(pulled.code, pulled.stderr).to.equal(0);
    expect(pulled.stdout).to.contain(`sha1 ${sha1('output bytes')}`);
    expect(pulled.stdout).to.match(/produced by run [0-9a-f]{12}/);
    expect(pulled.stdout).to.match(new RegExp(`read \\S+  sha1 ${sha1('input bytes')}`));
    expect(withoutLocations(pulled)).to.equal(withoutLocations(original));

    // Same uuids as the first project, and the file is in the third project's store.
    const [a, c] = [await Project.open(first), await Project.open(third)];
    try {
      const uuids = async (p: Project) => ({
        runs: await p.registry.knex('code_run').orderBy('uuid').pluck('uuid'),
        objects: await p.registry
          .knex('object as o')
          .join('data_product as d', 'd.object_id', 'o.id')
          .pluck('o.uuid'),
      });
      expect(await uuids(c)).to.deep.equal(await uuids(a));
      const [stored] = await c.store.findBySha1(sha1('output bytes'));
      expect(await fs.readFile(stored!.path, 'utf8')).to.equal('output bytes');
    } finally {
      await a.close();
      await c.close();
    }

    const before = await rowCounts(third);
    const again = await fairpodIn(third, 'pull', config, 'origin');
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/: 0 new row\(s\), 0 file\(s\) fetched/);
    expect(await rowCounts(third)).to.deep.equal(before);
  });

  it('pulls a code run from a registry without run_id (the FAIR data registry): the run id is the SHA-1 of its uuid', async () => {
    // The FAIR data registry's code_run has none of fairpod's run_id, status, finished_at, host, pid: a proxy
    // on 127.0.0.1 drops them from every row fairpod's server answers.
    const fairpodOnly = ['run_id', 'status', 'finished_at', 'host', 'pid'];
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (v && typeof v === 'object') {
        const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
        if ('run_id' in o) for (const k of fairpodOnly) delete o[k];
        return o;
      }
      return v;
    };
    const proxy = http.createServer((req, res) => {
      void (async () => {
        const answer = await fetch(new URL(req.url!, remote.url), {
          headers: { accept: 'application/json' },
        });
        const text = (await answer.text()).replaceAll(remote.url, `http://127.0.0.1:${port}`);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.ok ? JSON.stringify(strip(JSON.parse(text))) : text);
      })();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    try {
      expect(
        (
          await fairpodIn(
            third,
            'remote',
            'add',
            'fair',
            `http://127.0.0.1:${port}`,
            '--data-store',
            dataStore,
          )
        ).code,
      ).to.equal(0);
      const pull = await fairpodIn(third, 'pull', config, 'fair');
      expect(pull.code, pull.stderr).to.equal(0);
      const project = await Project.open(third);
      try {
        const runs = (await project.registry.knex('code_run').select('uuid', 'run_id', 'status')) as Array<{
          uuid: string;
          run_id: string;
          status: string;
        }>;
        expect(runs).to.have.length(1);
        expect(runs[0]).to.deep.equal({
          uuid: runs[0]!.uuid,
          run_id: sha1(runs[0]!.uuid),
          status: 'succeeded',
        });
      } finally {
        await project.close();
      }
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('downloads a file under an http root through the downloader, checking its hash', async () => {
    // The remote now serves its data store over HTTP.
    const files = new TestServer();
    await files.start();
    try {
      const root = files.url('/data/');
      await remote.registry
        .knex('storage_root')
        .where({ root: `file://${dataStore}/` })
        .update({ root });
      const location = (await remote.registry
        .knex('storage_location')
        .where({ hash: sha1('output bytes') })
        .first()) as {
        path: string;
      };
      files.serve(`/data/${location.path}`, Buffer.from('output bytes'));
      const pull = await fairpodIn(third, 'pull', config);
      expect(pull.code, pull.stderr).to.equal(0);
      expect(pull.stdout).to.match(/1 file\(s\) fetched \(12 bytes\)/);
      expect(files.requestsFor(`/data/${location.path}`)).to.have.length(1);
      const project = await Project.open(third);
      try {
        const [stored] = await project.store.findBySha1(sha1('output bytes'));
        expect(await fs.readFile(stored!.path, 'utf8')).to.equal('output bytes');
      } finally {
        await project.close();
      }
    } finally {
      await files.stop();
    }
  });

  it('refuses a file whose content no longer matches its hash, writing no row', async () => {
    const pushedFile = (await fs.readdir(dataStore, { recursive: true, withFileTypes: true })).find(
      (e) => e.isFile() && e.name.startsWith(sha1('output bytes')),
    )!;
    const file = path.join(pushedFile.parentPath, pushedFile.name);
    await fs.chmod(file, 0o644);
    await fs.writeFile(file, 'tampered bytes');
    const before = await rowCounts(third);
    const pull = await fairpodIn(third, 'pull', config);
    expect(pull.code).to.not.equal(0);
    expect(pull.stderr).to.match(/sha1|SHA-1|checksum/i);
    expect(await rowCounts(third)).to.deep.equal(before);
  });

  it('refuses a storage path from the remote that escapes its root, writing no row', async () => {
    // The same bytes sit outside the data store: only the path check stands between them and the store.
    await fs.writeFile(path.join(dir, 'outside.csv'), 'output bytes');
    await remote.registry
      .knex('storage_location')
      .where({ hash: sha1('output bytes') })
      .update({ path: '../outside.csv' });
    const before = await rowCounts(third);
    const pull = await fairpodIn(third, 'pull', config);
    expect(pull.code).to.not.equal(0);
    expect(pull.stderr).to.match(/storage path \.\.\/outside\.csv escapes its root/);
    expect(await rowCounts(third)).to.deep.equal(before);
  });

  it('names the config line of a read the remote cannot satisfy', async () => {
    await fs.writeFile(
      config,
      [
        'run_metadata:',
        '  description: x',
        'read:',
        '  - data_product: results/out',
        '    use:',
        '      namespace: alice',
        '      version: 9.9.9',
        '',
      ].join('\n'),
    );
    const pull = await fairpodIn(third, 'pull', config);
    expect(pull.code).to.not.equal(0);
    expect(pull.stderr).to.contain(`${config}:7`);
    expect(pull.stderr).to.match(/no version 9\.9\.9 of alice:results\/out.*\n?.*versions there: 1\.0\.0/);
  });
});
