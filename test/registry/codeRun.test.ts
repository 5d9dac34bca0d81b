import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { computeRunId, openCodeRun } from '../../src/registry/codeRun.js';
import { FAIR_TABLES, MIGRATIONS } from '../../src/registry/migrations.js';
import { Registry } from '../../src/registry/registry.js';
import { ContentStore } from '../../src/store/contentStore.js';
import { describeOnBackends } from './backends.js';

describeOnBackends('Registry and code runs', (locations) => {
  let dir: string;
  let store: ContentStore;
  let registry: Registry;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-run-'));
    store = new ContentStore(path.join(dir, 'store'));
    registry = await Registry.open(await locations.create());
  });
  afterEach(async () => {
    await registry.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates every FAIR table, and migrating again changes nothing', async () => {
    for (const table of FAIR_TABLES) expect(await registry.knex.schema.hasTable(table), table).to.equal(true);
    await registry.migrate();
    const [{ n }] = (await registry.knex('knex_migrations').count({ n: '*' })) as Array<{
      n: number | string;
    }>;
    expect(Number(n)).to.equal(MIGRATIONS.length);
  });

  it('enforces FAIR uniqueness: one data product per namespace + name + version', async () => {
    const ns = await registry.namespace(registry.knex, 'alice');
    const { objectId } = await registry.createObject(registry.knex, {});
    const row = { object_id: objectId, namespace_id: ns, name: 'tas', version: '1.0.0', last_updated: 'x' };
    await registry.knex('data_product').insert(row);
    let failed = false;
    await registry
      .knex('data_product')
      .insert(row)
      .catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it('records a run: id from config + date, config/script/repo stored, reads and writes linked', async () => {
    const config = path.join(dir, 'config.yaml');
    await fs.writeFile(config, 'run_metadata: {}\n');
    const script = path.join(dir, 'run.sh');
    await fs.writeFile(script, 'echo hi\n');
    const input = path.join(dir, 'in.csv');
    await fs.writeFile(input, 'a,b\n1,2\n');
    await promisify(execFile)('git', ['init', '-q', dir]);
    await promisify(execFile)('git', ['-C', dir, 'add', 'config.yaml']);
    await promisify(execFile)('git', [
      '-C',
      dir,
      '-c',
      'user.email=a@b',
      '-c',
      'user.name=a',
      'commit',
      '-q',
      '-m',
      'x',
    ]);
    await fs.writeFile(config, 'run_metadata:\n  description: test\n');
    const head = (await promisify(execFile)('git', ['-C', dir, 'rev-parse', 'HEAD'])).stdout.trim();

    const runDate = new Date('2026-01-02T03:04:05.678Z');
    const run = await openCodeRun(registry, store, {
      config,
      script,
      repoDir: dir,
      namespace: 'alice',
      description: 'unit',
      runDate,
    });
    expect(run.runId).to.equal(
      createHash('sha1').update('run_metadata:\n  description: test\n2026-01-02T03:04:05.678Z').digest('hex'),
    );
    expect(run.runId).to.equal(computeRunId('run_metadata:\n  description: test\n', run.runDate));

    const stored = await store.add(input, { namespace: 'alice', name: 'copy' });
    await run.recordRead(input);
    await run.recordWrite(stored, {
      dataProduct: { namespace: 'alice', name: 'results/copy', version: '0.1.0' },
    });
    await run.finish('succeeded');

    const row = await registry.knex('code_run').where({ id: run.id }).first();
    expect(row.status).to.equal('succeeded');
    expect(row.finished_at).to.be.a('string');
    const repoLoc = await registry
      .knex('object')
      .join('storage_location', 'object.storage_location_id', 'storage_location.id')
      .where('object.id', row.code_repo_id)
      .first('path');
    expect(repoLoc.path).to.equal(`${head}-dirty`);
    const configLoc = await registry
      .knex('object')
      .join('storage_location', 'object.storage_location_id', 'storage_location.id')
      .where('object.id', row.model_config_id)
      .first('path');
    expect(configLoc.path).to.match(/^alice\/config\/[0-9a-f]{40}\.yaml$/);

    const inputs = await registry
      .knex('code_run_inputs as l')
      .join('object_component as c', 'l.object_component_id', 'c.id')
      .join('object as o', 'c.object_id', 'o.id')
      .join('storage_location as s', 'o.storage_location_id', 's.id')
      .where('l.code_run_id', run.id)
      .select('s.path', 's.hash');
    expect(inputs).to.deep.equal([
      { path: input.slice(1), hash: createHash('sha1').update('a,b\n1,2\n').digest('hex') },
    ]);
    const dp = await registry
      .knex('data_product as d')
      .join('object_component as c', 'c.object_id', 'd.object_id')
      .join('code_run_outputs as l', 'l.object_component_id', 'c.id')
      .where('l.code_run_id', run.id)
      .first('d.name', 'd.version');
    expect(dp).to.deep.equal({ name: 'results/copy', version: '0.1.0' });
  });

  it('the data products a run writes have its user’s author; without a user, none', async () => {
    const userId = await registry.getOrCreate(registry.knex, 'users', { username: 'alice' });
    const authorId = await registry.insert(registry.knex, 'author', {
      name: 'Alice',
      identifier: 'https://orcid.org/0000-0001-0000-0000',
      uuid: '7d5b1bc6-5d1a-4bd7-8a4c-2c9a7c1c0f11',
      last_updated: 'x',
    });
    await registry.knex('user_author').insert({ user_id: userId, author_id: authorId, last_updated: 'x' });
    const authorsOf = async (runId: number) =>
      (await registry
        .knex('code_run_outputs as l')
        .join('object_component as c', 'c.id', 'l.object_component_id')
        .join('object_authors as oa', 'oa.object_id', 'c.object_id')
        .where('l.code_run_id', runId)
        .pluck('oa.author_id')) as unknown[];
    for (const [user, expected] of [
      ['alice', [authorId]],
      [undefined, []],
    ] as const) {
      const run = await openCodeRun(registry, store, {
        namespace: 'alice',
        configContent: String(user),
        user,
      });
      const out = await store.add(await writeTmp(dir, `o-${user}.txt`, String(user)), {
        namespace: 'alice',
        name: `made-${user}`,
      });
      await run.recordWrite(out, {
        dataProduct: { namespace: 'alice', name: `made/${user}`, version: '1.0.0' },
      });
      await run.finish('succeeded');
      expect((await authorsOf(run.id)).map(Number)).to.deep.equal(expected.map(Number));
    }
  });

  it('links a later run that reads a file to the object an earlier run wrote (lineage)', async () => {
    const out = await store.add(await writeTmp(dir, 'o.txt', 'made'), { namespace: 'alice', name: 'made' });
    const first = await openCodeRun(registry, store, { namespace: 'alice', configContent: 'a' });
    await first.recordWrite(out);
    await first.finish('succeeded');
    const second = await openCodeRun(registry, store, { namespace: 'alice', configContent: 'b' });
    await second.recordRead(out.path);
    await second.finish('succeeded');
    const wrote = await registry
      .knex('code_run_outputs')
      .where({ code_run_id: first.id })
      .first('object_component_id');
    const read = await registry
      .knex('code_run_inputs')
      .where({ code_run_id: second.id })
      .first('object_component_id');
    expect(read.object_component_id).to.equal(wrote.object_component_id);
  });

  it('records thousands of reads in batches, each file once, and a run left open stays not finished', async () => {
    const run = await openCodeRun(registry, store, { namespace: 'alice', configContent: 'many' });
    const hashes = Array.from({ length: 1200 }, (_, i) => createHash('sha1').update(String(i)).digest('hex'));
    await Promise.all(hashes.map((sha1, i) => run.recordRead({ path: `/data/f${i}.nc`, sha1 })));
    await run.recordRead({ path: '/data/f0.nc', sha1: hashes[0]! });
    await run.flush();
    const [{ n }] = (await registry
      .knex('code_run_inputs')
      .where({ code_run_id: run.id })
      .count({ n: '*' })) as Array<{ n: number | string }>;
    expect(Number(n)).to.equal(1200);
    expect((await registry.knex('code_run').where({ id: run.id }).first('status')).status).to.equal(
      'running',
    );
  });
});

async function writeTmp(dir: string, name: string, content: string): Promise<string> {
  await fs.writeFile(path.join(dir, name), content);
  return path.join(dir, name);
}
