import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { seedDataProducts } from '../../plugins/registry/contract.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { RegistryClient, type Resource } from '../../src/registry/client/client.js';
import { derivedRunId } from '../../src/registry/codeRun.js';
import { Project } from '../../src/registry/project.js';
import { startDataRegistry, type DataRegistry } from './dataRegistry.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

/** What one `fairpod` process printed and exited with. */
interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` in the project `cwd`, as a user would. */
async function fairpod(cwd: string, ...args: string[]): Promise<Cli> {
  const env: NodeJS.ProcessEnv = { ...process.env, FAIRPOD_PROJECT: cwd };
  delete env.FAIRPOD_REGISTRY_TOKEN;
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(result: Promise<Cli>): Promise<Cli> {
  const r = await result;
  expect(r.code, `${r.stderr}${r.stdout}`).to.equal(0);
  return r;
}

/** A code run's inputs or outputs as `object uuid sha1` lines, sorted, read through the remote's API. */
async function remoteLinks(client: RegistryClient, components: unknown): Promise<string[]> {
  const lines: string[] = [];
  for (const url of components as string[]) {
    const component = await client.getUrl(url);
    const object = await client.getUrl(String(component.object));
    const location = await client.getUrl(String(object.storage_location));
    lines.push(`${String(object.uuid)} ${String(location.hash)}`);
  }
  return lines.sort();
}

/** The same, from a project's own registry. */
async function localLinks(project: Project, table: string, runId: number): Promise<string[]> {
  const rows = (await project.registry
    .knex(`${table} as l`)
    .join('object_component as c', 'c.id', 'l.object_component_id')
    .join('object as o', 'o.id', 'c.object_id')
    .join('storage_location as s', 's.id', 'o.storage_location_id')
    .where('l.code_run_id', runId)
    .select('o.uuid', 's.hash')) as Array<{ uuid: string; hash: string }>;
  return rows.map((r) => `${r.uuid} ${r.hash}`).sort();
}

/** The one row of a remote listing. */
async function one(
  client: RegistryClient,
  table: string,
  filters: Record<string, string>,
): Promise<Resource> {
  const rows: Resource[] = [];
  for await (const r of client.list(table, filters)) rows.push(r);
  expect(rows, `${table} ${JSON.stringify(filters)}`).to.have.length(1);
  return rows[0]!;
}

/**
 * A proxy to `target` that loses the answer to `POST /api/code_run/`: the registry stores the run, the
 * client sees 502, as when the connection drops after the row landed (fairpod retries, then gives up).
 */
async function losingCodeRunAnswers(target: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const lose = req.method === 'POST' && req.url?.startsWith('/api/code_run/');
    const upstream = http.request(
      new URL(req.url!, target),
      { method: req.method, headers: req.headers },
      (answer) => {
        if (lose) {
          answer.resume();
          res.writeHead(502, { 'content-type': 'text/plain' }).end('the answer was lost');
          return;
        }
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('fairpod against the real FAIR data registry (FAIRDataPipeline/data-registry, Django, Debian python3-django)', function () {
  this.timeout(300_000);
  let dir: string;
  let registry: DataRegistry;
  let alice: string;
  let remoteData: string;
  let runId: string;
  const product = 'alice:demo_plev/DEMO/output/summary.txt@0.0.1';

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-data-registry-'));
    registry = await startDataRegistry(path.join(dir, 'registry'));
    alice = path.join(dir, 'alice');
    remoteData = path.join(dir, 'remote-data');
    for (const d of [alice, remoteData]) await fs.mkdir(d, { recursive: true });
    const catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
    await ok(fairpod(alice, 'init', alice, '--user', 'alice', '--namespace', 'alice'));
    const r = await ok(
      fairpod(
        alice,
        'run',
        'demo_plev',
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
        '--work-dir',
        path.join(dir, 'work'),
        '--json',
      ),
    );
    runId = (JSON.parse(r.stdout) as { pods: Array<{ codeRun: string }> }).pods[0]!.codeRun;
    await ok(fairpod(alice, 'add', runId.slice(0, 12)));
    const tokenFile = path.join(dir, 'admin.token');
    await fs.writeFile(tokenFile, `${registry.token}\n`, { mode: 0o600 });
    await ok(
      fairpod(
        alice,
        'remote',
        'add',
        'django',
        registry.url,
        '--token-file',
        tokenFile,
        '--data-store',
        remoteData,
      ),
    );
  });
  after(async () => {
    await registry?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a push that fails part-way leaves rows there; the next push completes, and a repeat push sends nothing', async () => {
    const proxy = await losingCodeRunAnswers(registry.url);
    const client = new RegistryClient(registry.url);
    try {
      const tokenFile = path.join(dir, 'admin.token');
      await ok(
        fairpod(
          alice,
          'remote',
          'add',
          'lossy',
          proxy.url,
          '--token-file',
          tokenFile,
          '--data-store',
          remoteData,
        ),
      );
      const failed = await fairpod(alice, 'push', 'lossy');
      expect(failed.code).to.not.equal(0);
      expect(failed.stderr).to.match(/POST .*\/api\/code_run\/ failed: 502/);
    } finally {
      proxy.close();
    }
    expect(await client.count('object'), 'the objects sent before the code run stay').to.be.greaterThan(8);
    expect(await client.count('code_run'), 'the run landed, its answer was lost').to.equal(1);

    const push = await ok(fairpod(alice, 'push', 'django'));
    expect(push.stdout).to.match(/pushed 1 item\(s\) to django/);
    expect(await client.count('code_run')).to.equal(1);
    const rows = await client.count('object');
    expect((await ok(fairpod(alice, 'push', 'django'))).stdout).to.match(/nothing to push/);
    expect(await client.count('object')).to.equal(rows);
  });

  it('the records read back through its API equal what fairpod pushed: uuids, hashes, lineage, author, code repo', async () => {
    const client = new RegistryClient(registry.url, { token: registry.token });
    const project = await Project.open(alice);
    try {
      const knex = project.registry.knex;
      const local = (await knex('code_run').where('run_id', runId).first()) as Record<string, unknown>;
      const remote = await one(client, 'code_run', { uuid: String(local.uuid) });
      expect(remote.description).to.equal(local.description);
      expect(Date.parse(String(remote.run_date))).to.equal(Date.parse(String(local.run_date)));
      expect(await remoteLinks(client, remote.inputs)).to.deep.equal(
        await localLinks(project, 'code_run_inputs', Number(local.id)),
      );
      const outputs = await localLinks(project, 'code_run_outputs', Number(local.id));
      expect(outputs.length).to.be.greaterThan(3);
      expect(await remoteLinks(client, remote.outputs)).to.deep.equal(outputs);

      // The outputs' data products: same names and versions, in alice's namespace, on the same objects.
      const ns = await one(client, 'namespace', { name: 'alice' });
      const summary = await one(client, 'data_product', {
        namespace: String(/(\d+)\/$/.exec(ns.url)![1]),
        name: 'demo_plev/DEMO/output/summary.txt',
      });
      expect(summary.version).to.equal('0.0.1');
      const summaryObject = await client.getUrl(String(summary.object));
      const localSummary = (await knex('data_product as d')
        .join('object as o', 'o.id', 'd.object_id')
        .where('d.name', 'demo_plev/DEMO/output/summary.txt')
        .first('o.uuid')) as { uuid: string };
      expect(summaryObject.uuid).to.equal(localSummary.uuid);

      // model_config and submission_script are the same objects with the same content.
      for (const field of ['model_config', 'submission_script'] as const) {
        const obj = await client.getUrl(String(remote[field]));
        const mine = (await knex('object as o')
          .join('storage_location as s', 's.id', 'o.storage_location_id')
          .where('o.id', local[`${field}_id`] as number)
          .first('o.uuid', 's.hash')) as { uuid: string; hash: string };
        expect(obj.uuid, field).to.equal(mine.uuid);
        expect((await client.getUrl(String(obj.storage_location))).hash, field).to.equal(mine.hash);
      }

      // The code repository: its commit as the location's hash, under its origin URL (or its directory).
      const repo = await client.getUrl(String(remote.code_repo));
      const repoLocation = await client.getUrl(String(repo.storage_location));
      const localRepo = (await knex('object as o')
        .join('storage_location as s', 's.id', 'o.storage_location_id')
        .join('storage_root as r', 'r.id', 's.storage_root_id')
        .where('o.id', local.code_repo_id as number)
        .first('s.hash', 'r.root')) as { hash: string; root: string };
      expect(repoLocation.hash).to.equal(localRepo.hash);
      const repoRoot = (await client.getUrl(String(repoLocation.storage_root))).root;
      const origin = await promisify(execFile)('git', [
        '-C',
        fileURLToPath(localRepo.root),
        'remote',
        'get-url',
        'origin',
      ])
        .then((r) => r.stdout.trim())
        .catch(() => undefined);
      expect(repoRoot).to.equal(origin && !origin.startsWith('file:') ? origin : localRepo.root);

      // The author: alice's, linked to the token's user as `fair init` links it.
      const author = (await knex('author').where('name', 'alice').first()) as { uuid: string };
      const link = await one(client, 'user_author', { user: '1' });
      expect((await client.getUrl(String(link.author))).uuid).to.equal(author.uuid);
      // An object's authors are the ones fairpod recorded for it (its runs record none on their files).
      const objectAuthors = (await knex('object_authors as oa')
        .join('object as o', 'o.id', 'oa.object_id')
        .join('author as a', 'a.id', 'oa.author_id')
        .where('o.uuid', localSummary.uuid)
        .pluck('a.uuid')) as string[];
      const remoteAuthors: string[] = [];
      for (const a of summaryObject.authors as string[])
        remoteAuthors.push(String((await client.getUrl(a)).uuid));
      expect(remoteAuthors).to.deep.equal(objectAuthors);
    } finally {
      await project.close();
    }
  });

  it('fairpod pull CONFIG copies the data product and the run behind it into a fresh project', async () => {
    const bob = path.join(dir, 'bob');
    await fs.mkdir(bob);
    await ok(fairpod(bob, 'init', bob, '--user', 'bob', '--namespace', 'bob'));
    const config = path.join(bob, 'config.yaml');
    await fs.writeFile(
      config,
      'run_metadata: { description: reads the summary }\nread:\n  - data_product: demo_plev/DEMO/output/*\n    use: { namespace: alice }\n',
    );
    await ok(fairpod(bob, 'remote', 'add', 'django', registry.url, '--data-store', remoteData));
    const pull = await ok(fairpod(bob, 'pull', config, 'django'));
    expect(pull.stdout).to.match(/pulled alice:demo_plev\/DEMO\/output\/summary\.txt@0\.0\.1 from django/);
    expect(pull.stdout).to.match(/1 file\(s\) fetched/);

    const aliceProject = await Project.open(alice);
    const bobProject = await Project.open(bob);
    try {
      const original = (await aliceProject.registry.knex('code_run').where('run_id', runId).first()) as {
        id: number;
        uuid: string;
      };
      const pulled = (await bobProject.registry.knex('code_run').where('uuid', original.uuid).first()) as {
        id: number;
        run_id: string;
      };
      // The FAIR data registry has no run_id: the pulled run's is the SHA-1 of its uuid.
      expect(pulled.run_id).to.equal(derivedRunId(original.uuid));
      for (const table of ['code_run_inputs', 'code_run_outputs']) {
        expect(await localLinks(bobProject, table, pulled.id), table).to.deep.equal(
          await localLinks(aliceProject, table, original.id),
        );
      }
    } finally {
      await aliceProject.close();
      await bobProject.close();
    }
    const info = await ok(fairpod(bob, 'info', product));
    expect(info.stdout).to.contain(
      `produced by run ${derivedRunId((await runUuid(alice, runId)) ?? '').slice(0, 12)}`,
    );
  });

  it('fairpod run -m registry reads its published data products, records them as its inputs, and pushes the run onto them', async () => {
    // A publisher registers netCDF files as CMIP6-named data products over the API (files in a shared directory).
    const cmip = path.join(dir, 'cmip');
    await writeDemoDataset(cmip, { chunks: [[1985, 1989]] });
    const files = (await fs.readdir(cmip, { recursive: true })).filter((f) => f.endsWith('.nc')).sort();
    // The FAIR data registry takes only semantic versions (400 for `v20190101`): a DRS version vYYYYMMDD
    // goes as YYYYMMDD.0.0, which orders the same.
    const products = files.map((f) => {
      const [, , source, experiment, member, table, variable, grid, version] = f.split(path.sep);
      return {
        name: `cmip6/${source}/${experiment}/${member}/${table}/${variable}/${grid}`,
        version: `${version!.slice(1)}.0.0`,
        path: f,
      };
    });
    const publisher = new RegistryClient(registry.url, { token: registry.token });
    await seedDataProducts(publisher, {
      root: pathToFileURL(cmip + path.sep).href,
      namespace: 'esgf',
      products,
    });

    const carol = path.join(dir, 'carol');
    await fs.mkdir(carol);
    await ok(fairpod(carol, 'init', carol, '--user', 'carol', '--namespace', 'carol'));
    const r = await ok(
      fairpod(
        carol,
        'run',
        'demo_plev',
        '-m',
        'registry',
        '--registry-url',
        `${registry.url}/api/`,
        '--data-root',
        cmip,
        '--case',
        'DEMO',
        '--firstyr',
        '1985',
        '--lastyr',
        '1989',
        '--work-dir',
        path.join(dir, 'work-carol'),
        '--json',
      ),
    );
    const carolRun = (JSON.parse(r.stdout) as { pods: Array<{ codeRun: string }> }).pods[0]!.codeRun;
    const project = await Project.open(carol);
    let read: { name: string; version: string; uuid: string; run: string };
    try {
      const rows = (await project.registry
        .knex('code_run as r')
        .join('code_run_inputs as i', 'i.code_run_id', 'r.id')
        .join('object_component as c', 'c.id', 'i.object_component_id')
        .join('data_product as d', 'd.object_id', 'c.object_id')
        .join('object as o', 'o.id', 'c.object_id')
        .where('r.run_id', carolRun)
        .select('d.name', 'd.version', 'o.uuid', 'r.uuid as run')) as Array<typeof read>;
      expect(rows, 'the ua850 file is read as its data product').to.have.length(1);
      read = rows[0]!;
    } finally {
      await project.close();
    }
    const published = await one(publisher, 'data_product', { name: read.name, version: read.version });
    const publishedObject = await publisher.getUrl(String(published.object));
    expect(read.uuid).to.equal(publishedObject.uuid);

    // Pushed, the run's input is the published object's whole_object component: lineage joins on the registry.
    const tokenFile = path.join(dir, 'admin.token');
    await ok(fairpod(carol, 'add', carolRun.slice(0, 12)));
    await ok(fairpod(carol, 'remote', 'add', 'django', registry.url, '--token-file', tokenFile));
    await ok(fairpod(carol, 'push', 'django'));
    const pushed = await one(publisher, 'code_run', { uuid: read.run });
    const inputObjects: string[] = [];
    for (const c of pushed.inputs as string[]) inputObjects.push(String((await publisher.getUrl(c)).object));
    expect(inputObjects).to.include(published.object);
  });
});

/** The uuid of a project's code run. */
async function runUuid(projectDir: string, runId: string): Promise<string | undefined> {
  const project = await Project.open(projectDir);
  try {
    return (
      (await project.registry.knex('code_run').where('run_id', runId).first('uuid')) as { uuid: string }
    ).uuid;
  } finally {
    await project.close();
  }
}
