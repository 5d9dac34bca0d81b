import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryClient } from '../../src/registry/client/client.js';
import { openCodeRun } from '../../src/registry/codeRun.js';
import { Project } from '../../src/registry/project.js';
import { createToken } from '../../src/registry/rest/tokens.js';
import { RegistryPusher, entitiesToPush, markPushed } from '../../src/registry/sync/push.js';
import { describeOnBackends } from '../registry/backends.js';
import { serveFreshRegistry, type ServedRegistry } from '../registry/restServer.js';

const USERS = ['ann', 'ben', 'cat', 'dan'];

/**
 * Four users push at once to one team registry, each a run that read the same input bytes and wrote one
 * byte-identical result (a POD's empty log, say) and one of its own: every push ends, the shared content is
 * one storage location, nothing is left half-pushed, and pushing again sends nothing.
 */
describeOnBackends('faults: four concurrent pushes to one registry', (locations) => {
  let dir: string;
  let remote: ServedRegistry;
  let dataStore: string;
  const projects: Project[] = [];

  before(async function () {
    this.timeout(60_000);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-conc-push-'));
    dataStore = path.join(dir, 'team-data');
    await fs.mkdir(dataStore);
    remote = await serveFreshRegistry(locations);
    for (const user of USERS) {
      const project = await Project.init(path.join(dir, user), { user, namespace: user });
      projects.push(project);
      const run = await openCodeRun(project.registry, project.store, {
        namespace: user,
        configContent: `${user}'s run`,
        description: `${user}'s run`,
      });
      const input = path.join(dir, user, 'input.nc');
      await fs.writeFile(input, 'the same input bytes');
      await run.recordRead(input);
      for (const [name, content] of [
        ['log', ''],
        ['own', `${user}'s result`],
      ]) {
        const file = path.join(dir, user, `${name}.txt`);
        await fs.writeFile(file, content!);
        await run.recordWrite(await project.store.add(file, { namespace: user, name: `results/${name}` }), {
          dataProduct: { namespace: user, name: `results/${name}`, version: '0.0.1' },
        });
      }
      await run.finish('succeeded');
      await project.registry.knex('fairpod_staging').insert({
        entity: 'code_run',
        entity_id: (await project.registry.knex('code_run').first('id')).id,
        state: 'staged',
        updated_at: new Date().toISOString(),
      });
    }
  });
  after(async () => {
    for (const p of projects.splice(0)) await p.close();
    await remote.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('all four end pushed, share one location per content, and pushing again sends nothing', async function () {
    this.timeout(120_000);
    const push = async (project: Project, user: string) => {
      const token = await createToken(remote.registry, user);
      const client = new RegistryClient(remote.url, { token });
      const entities = await entitiesToPush(project, remote.url);
      const pusher = new RegistryPusher(project, client, { dataStore: `file://${dataStore}/`, token });
      await pusher.push(entities);
      await markPushed(project, entities, remote.url);
      return entitiesToPush(project, remote.url);
    };
    const left = await Promise.all(projects.map((p, i) => push(p, USERS[i]!)));
    expect(left.map((l) => l.length)).to.deep.equal([0, 0, 0, 0]);
    const knex = remote.registry.knex;
    expect(Number((await knex('code_run').count({ n: '*' }).first())!.n)).to.equal(4);
    for (const content of ['', 'the same input bytes']) {
      const hash = createHash('sha1').update(content).digest('hex');
      const rows = await knex('storage_location').where({ hash });
      expect(rows, `one location for the content "${content}"`).to.have.length(1);
    }
    const names = (await knex('data_product').pluck('name')) as string[];
    expect(names.filter((n) => n === 'results/log')).to.have.length(4);
  });
});
