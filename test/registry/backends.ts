import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** The registry backends every registry test runs on. */
export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

const PG_SCRIPT = path.join(PACKAGE_ROOT, '.ci', 'setup.d', '30-postgresql.sh');
let pgUrl: Promise<string> | undefined;
let startedCluster = false;

/**
 * The PostgreSQL test URL: `FAIRPOD_TEST_PG_URL` (set by .ci/run), else the local cluster started by the
 * CI setup script if postgresql is installed. Never skips: without PostgreSQL the tests fail with a hint.
 */
function postgresUrl(): Promise<string> {
  pgUrl ??= (async () => {
    if (process.env.FAIRPOD_TEST_PG_URL) return process.env.FAIRPOD_TEST_PG_URL;
    try {
      const { stdout } = await promisify(execFile)('bash', [PG_SCRIPT, 'start'], { encoding: 'utf8' });
      startedCluster = /^STARTED=1$/m.test(stdout);
      const url = /^FAIRPOD_TEST_PG_URL=(.+)$/m.exec(stdout)?.[1];
      if (!url) throw new Error(`no URL in the output of ${PG_SCRIPT}: ${stdout}`);
      return url;
    } catch (err) {
      throw new Error(
        `PostgreSQL registry tests need a server: set FAIRPOD_TEST_PG_URL=postgres://... or install postgresql ` +
          `(apt-get install postgresql) and run as root so ${PG_SCRIPT} can start it (${(err as Error).message})`,
        { cause: err },
      );
    }
  })();
  return pgUrl;
}

// Root hook: stop the cluster only if these tests started it.
after(async () => {
  if (startedCluster) await promisify(execFile)('bash', [PG_SCRIPT, 'stop']);
});

/**
 * Fresh, empty registry locations for one test: a new SQLite file, or a new schema in the test
 * PostgreSQL database. Everything is removed by `cleanup`.
 */
export class RegistryLocations {
  private readonly schemas: string[] = [];
  private readonly dirs: string[] = [];
  constructor(readonly backend: Backend) {}

  async create(): Promise<string> {
    if (this.backend === 'sqlite') {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-registry-'));
      this.dirs.push(dir);
      return path.join(dir, 'registry.db');
    }
    const schema = `t_${randomBytes(6).toString('hex')}`;
    this.schemas.push(schema);
    const url = new URL(await postgresUrl());
    url.searchParams.set('schema', schema);
    return url.toString();
  }

  async cleanup(): Promise<void> {
    for (const dir of this.dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
    if (!this.schemas.length) return;
    const admin = knexFactory({ client: 'pg', connection: await postgresUrl() });
    try {
      for (const s of this.schemas.splice(0)) await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [s]);
    } finally {
      await admin.destroy();
    }
  }
}

/** Declares `fn`'s tests once per backend, each with its own `RegistryLocations` cleaned after every test. */
export function describeOnBackends(title: string, fn: (locations: RegistryLocations) => void): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, () => {
      const locations = new RegistryLocations(backend);
      afterEach(() => locations.cleanup());
      fn(locations);
    });
  }
}
