import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { TOKEN_ENV } from '../../src/registry/client/token.js';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import { demoCase, fairpod, type CliResult } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';
import { RegistryLocations } from './backends.js';
import { serveFreshRegistry, type ServedRegistry } from './restServer.js';

/** `fairpod info` with file locations left out: each registry names its own copies of the files. */
function withoutLocations(info: CliResult): string {
  return info.stdout.replace(/^(\s*(?:read |config\s+|script\s+)?)\S+( {2}sha1 )/gm, '$1<file>$2');
}

/** The SHA-1 of every file a registry's data products point at, by `name@version`. */
async function productHashes(projectDir: string): Promise<Record<string, string>> {
  const project = await Project.open(projectDir);
  try {
    const rows = (await project.registry
      .knex('data_product as d')
      .join('object as o', 'd.object_id', 'o.id')
      .join('storage_location as s', 'o.storage_location_id', 's.id')
      .select('d.name', 'd.version', 's.hash')) as Array<{ name: string; version: string; hash: string }>;
    return Object.fromEntries(rows.map((r) => [`${r.name}@${r.version}`, r.hash]));
  } finally {
    await project.close();
  }
}

describe('a POD run pushed to two served registries (SQLite, PostgreSQL) and pulled into a third project', function () {
  this.timeout(120_000);
  const sqlite = new RegistryLocations('sqlite');
  const postgres = new RegistryLocations('postgres');
  let dir: string;
  let registries: Record<'lab' | 'team', ServedRegistry>;
  let env: SavedEnv;

  /** Runs fairpod in the project `projectDir`. */
  function fairpodIn(projectDir: string, ...args: string[]): Promise<CliResult> {
    process.env[PROJECT_ENV] = projectDir;
    return fairpod(...args);
  }

  async function ok(result: Promise<CliResult>): Promise<CliResult> {
    const r = await result;
    expect(r.code, `${r.stderr}${r.stdout}`).to.equal(0);
    return r;
  }

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-roundtrip-'));
    env = saveEnv(PROJECT_ENV, TOKEN_ENV);
    delete process.env[TOKEN_ENV];
    for (const d of ['lab-data', 'team-data', 'first', 'third']) await fs.mkdir(path.join(dir, d));
    // The lab's registry (SQLite) takes files over HTTP; the team's (PostgreSQL) in a shared directory.
    registries = {
      lab: await serveFreshRegistry(sqlite, { dataStore: path.join(dir, 'lab-data') }),
      team: await serveFreshRegistry(postgres),
    };
  });
  after(async () => {
    for (const r of Object.values(registries ?? {})) await r.close();
    await sqlite.cleanup();
    await postgres.cleanup();
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('fairpod info shows the same lineage with the same hashes after push and pull, through either registry', async () => {
    const first = path.join(dir, 'first');
    const third = path.join(dir, 'third');
    const catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;

    // 1. Run a POD in the first project: its results become data products of the POD and case.
    await ok(fairpodIn(first, 'init', first, '--user', 'alice', '--namespace', 'alice'));
    const run = await ok(
      fairpodIn(
        first,
        'run',
        'demo_plev',
        '-m',
        'filesystem',
        '--catalog',
        catalog,
        ...demoCase(),
        '--work-dir',
        path.join(dir, 'work'),
        '--project',
        first,
        '--json',
      ),
    );
    const runId = (JSON.parse(run.stdout) as { pods: Array<{ codeRun: string }> }).pods[0]!.codeRun;
    const product = 'alice:demo_plev/DEMO/output/summary.txt@0.0.1';
    const original = await ok(fairpodIn(first, 'info', product));
    const originalRun = await ok(fairpodIn(first, 'info', runId.slice(0, 12)));
    expect(original.stdout).to.contain(`produced by run ${runId.slice(0, 12)}`);

    // 2. Push it to both registries.
    await ok(fairpodIn(first, 'add', runId.slice(0, 12)));
    for (const [name, served] of Object.entries(registries)) {
      const tokenFile = path.join(dir, `${name}.token`);
      await fs.writeFile(tokenFile, `${served.token}\n`, { mode: 0o600 });
      const store = name === 'lab' ? `${served.url}/data/` : path.join(dir, 'team-data');
      await ok(
        fairpodIn(first, 'remote', 'add', name, served.url, '--token-file', tokenFile, '--data-store', store),
      );
    }
    const pushLab = await ok(fairpodIn(first, 'push', 'lab'));
    expect(pushLab.stdout).to.match(/[1-9]\d* file\(s\) uploaded/);
    await ok(fairpodIn(first, 'push', 'team'));
    // Pushing again changes nothing.
    expect((await ok(fairpodIn(first, 'push', 'lab'))).stdout).to.match(/nothing to push/);

    const config = path.join(dir, 'config.yaml');
    await fs.writeFile(
      config,
      [
        'run_metadata:',
        '  description: reads the POD summary',
        'read:',
        '  - data_product: demo_plev/DEMO/output/*',
        '    use:',
        '      namespace: alice',
        '',
      ].join('\n'),
    );

    // 3. Pull into a third project from each registry in turn, starting from a clean .fairpod each time.
    for (const name of ['lab', 'team'] as const) {
      await fs.rm(path.join(third, '.fairpod'), { recursive: true, force: true });
      await ok(fairpodIn(third, 'init', third, '--user', 'carol', '--namespace', 'carol'));
      // The team's files are in a shared directory: the puller names it, as only then does fairpod read there.
      const dataStore = name === 'team' ? ['--data-store', path.join(dir, 'team-data')] : [];
      await ok(fairpodIn(third, 'remote', 'add', name, registries[name].url, ...dataStore));
      const pull = await ok(fairpodIn(third, 'pull', config, name));
      expect(pull.stdout).to.match(/pulled alice:demo_plev\/DEMO\/output\/summary\.txt@0\.0\.1 from/);
      expect(pull.stdout).to.match(/[1-9]\d* file\(s\) fetched/);

      const pulled = await ok(fairpodIn(third, 'info', product));
      expect(withoutLocations(pulled), name).to.equal(withoutLocations(original));
      const pulledRun = await ok(fairpodIn(third, 'info', runId.slice(0, 12)));
      expect(withoutLocations(pulledRun), name).to.equal(withoutLocations(originalRun));
      expect(await productHashes(third)).to.deep.include(await productHashes(first));

      // The summary itself is in the third project's store, and reads verify it.
      const project = await Project.open(third);
      try {
        const hash = (await productHashes(third))['demo_plev/DEMO/output/summary.txt@0.0.1']!;
        const [stored] = await project.store.findBySha1(hash);
        expect(stored, name).to.not.equal(undefined);
        expect(await fs.readFile(stored!.path, 'utf8')).to.match(/^case DEMO 1985-1989\n/);
      } finally {
        await project.close();
      }
    }
  });
});
