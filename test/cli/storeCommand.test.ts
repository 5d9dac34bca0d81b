import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ENV } from '../../src/registry/project.js';
import { fairpod } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';

describe('fairpod store add finds the project without opening its registry', () => {
  let dir: string;
  let env: SavedEnv;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-storecmd-'));
    env = saveEnv(PROJECT_ENV);
    delete process.env[PROJECT_ENV];
  });
  afterEach(async () => {
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('from a sub-directory, into the project store and namespace, with the registry unreachable', async () => {
    // A registry no one listens on: opening it would fail; `store add` must not need it.
    await fs.mkdir(path.join(dir, '.fairpod'));
    await fs.writeFile(
      path.join(dir, '.fairpod', 'config.yaml'),
      YAML.stringify({
        user: { name: 'ann' },
        namespace: 'ann',
        registry: 'postgres://fairpod@127.0.0.1:1/none',
        store: 'store',
      }),
    );
    const sub = path.join(dir, 'data', 'in');
    await fs.mkdir(sub, { recursive: true });
    await fs.writeFile(path.join(sub, 'tas.nc'), 'DATA');
    const cwd = process.cwd();
    process.chdir(sub);
    try {
      const added = await fairpod('store', 'add', 'tas.nc', '--name', 'cmip6/tas');
      expect(added.code, added.stderr).to.equal(0);
      const stored = added.stdout.trim();
      expect(stored).to.equal(
        path.join(
          dir,
          '.fairpod',
          'store',
          'ann',
          'cmip6',
          'tas',
          '580393f5a94fb469585f5dd2a6859a4aab899f37.nc',
        ),
      );
      expect(await fs.readFile(stored, 'utf8')).to.equal('DATA');
      const ls = await fairpod('store', 'ls');
      expect(ls.stdout).to.contain('ann/cmip6/tas/');
      expect(await fs.stat(path.join(sub, '.fairpod')).catch(() => undefined)).to.equal(undefined);
    } finally {
      process.chdir(cwd);
    }
  });
});
