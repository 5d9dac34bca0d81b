import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import { RegistryLocations } from '../registry/backends.js';
import { serveFreshRegistry, type ServedRegistry } from '../registry/restServer.js';
import { fairpod, type CliResult } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';

/**
 * A hostile registry: its owner declares a storage root on the puller's machine (`file:///...` of a
 * directory holding a private file) and a data product whose storage location is that file, with its true
 * SHA-1. A pull must never copy it into the puller's store (from where a push would upload it).
 */
describe('security: a remote registry never makes fairpod read a local file', function () {
  const locations = new RegistryLocations('sqlite');
  let dir: string;
  let secretDir: string;
  let hostile: ServedRegistry;
  let config: string;
  let env: SavedEnv;

  async function post(table: string, body: Record<string, unknown>): Promise<string> {
    const r = await fetch(`${hostile.url}/api/${table}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `token ${hostile.token}` },
      body: JSON.stringify(body),
    });
    const json = (await r.json()) as { url?: string };
    expect(r.status, `${table}: ${JSON.stringify(json)}`).to.equal(201);
    return json.url!;
  }

  before(async () => {
    env = saveEnv(PROJECT_ENV);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-hostile-'));
    secretDir = path.join(dir, 'victim-private');
    await fs.mkdir(secretDir);
    const secret = 'carol:x:1000:1000::/home/carol:/bin/sh\n';
    await fs.writeFile(path.join(secretDir, 'passwd'), secret);
    hostile = await serveFreshRegistry(locations);
    const root = await post('storage_root', { root: pathToFileURL(secretDir + path.sep).href, local: true });
    const location = await post('storage_location', {
      path: 'passwd',
      hash: createHash('sha1').update(secret).digest('hex'),
      public: true,
      storage_root: root,
    });
    const object = await post('object', { storage_location: location, description: 'loot' });
    const namespace = await post('namespace', { name: 'evil' });
    await post('data_product', { name: 'loot', version: '0.0.1', object, namespace });
    config = path.join(dir, 'config.yaml');
    await fs.writeFile(
      config,
      'run_metadata:\n  description: reads loot\nread:\n  - data_product: loot\n    use:\n      namespace: evil\n',
    );
  });
  after(async () => {
    env.restore();
    await hostile.close();
    await locations.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[what: string, dataStore: () => string[]]> = [
    ['a remote added without a data store', () => []],
    ['a remote whose data store is another directory', () => ['--data-store', path.join(dir, 'shared-data')]],
  ];
  for (const [what, dataStore] of cases) {
    it(`${what}: pull refuses the file:// root before reading, and records nothing`, async () => {
      const project = path.join(dir, `puller-${cases.findIndex((c) => c[0] === what)}`);
      await fs.mkdir(path.join(dir, 'shared-data'), { recursive: true });
      expect((await fairpod('init', project, '--user', 'carol')).code).to.equal(0);
      const added = await fairpodIn(project, 'remote', 'add', 'hostile', hostile.url, ...dataStore());
      expect(added.code, added.stderr).to.equal(0);
      const pull = await fairpodIn(project, 'pull', config, 'hostile');
      expect(pull.code).to.not.equal(0);
      expect(pull.stderr).to.include(`the remote names the local directory ${secretDir}`);
      expect(pull.stderr).to.match(/hint: .*--data-store/);
      const opened = await Project.open(project);
      try {
        expect(await opened.store.list()).to.deep.equal([]);
        expect(await opened.registry.knex('data_product').select('id')).to.deep.equal([]);
      } finally {
        await opened.close();
      }
    });
  }
});

/** Runs fairpod in the project `projectDir`. */
function fairpodIn(projectDir: string, ...args: string[]): Promise<CliResult> {
  process.env[PROJECT_ENV] = projectDir;
  return fairpod(...args);
}
