import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCodeRun } from '../../src/registry/codeRun.js';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import type { StoredObject } from '../../src/store/contentStore.js';
import { fairpod } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';

/** Ways a stored file can be damaged after it was written, each applied to a writable copy of its path. */
const TAMPERINGS: Record<string, (file: string) => Promise<void>> = {
  'byte flip': async (file) => {
    const bytes = await fs.readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await fs.rm(file);
    await fs.writeFile(file, bytes);
  },
  truncate: async (file) => {
    const bytes = await fs.readFile(file);
    await fs.rm(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 1));
  },
  delete: (file) => fs.rm(file),
  symlink: async (file) => {
    // The same bytes, but behind a link whose target anyone can change later.
    const copy = `${file}.elsewhere`;
    await fs.copyFile(file, copy);
    await fs.rm(file);
    await fs.symlink(copy, file);
  },
};

describe('faults: a tampered store is reported by verify, get and info', function () {
  let dir: string;
  let env: SavedEnv;
  let output: StoredObject;
  let runId: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-tamper-'));
    env = saveEnv(PROJECT_ENV);
    process.env[PROJECT_ENV] = dir;
    expect((await fairpod('init', dir, '--user', 'alice', '--namespace', 'alice')).code).to.equal(0);
    const project = await Project.open(dir);
    try {
      const run = await openCodeRun(project.registry, project.store, {
        namespace: 'alice',
        configContent: 'tampering',
        description: 'writes one POD output',
      });
      const src = path.join(dir, 'summary.txt');
      await fs.writeFile(src, 'the POD output, long enough to flip a byte in\n');
      output = await project.store.add(src, { namespace: 'alice', name: 'pod/DEMO/output/summary.txt' });
      await run.recordWrite(output);
      await run.finish('succeeded');
      runId = run.runId;
    } finally {
      await project.close();
    }
  });
  afterEach(async () => {
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an untouched store verifies', async () => {
    const r = await fairpod('store', 'verify');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/ 0 bad/);
  });

  for (const [name, tamper] of Object.entries(TAMPERINGS)) {
    it(`${name}: store verify names the file and exits 1; info does not show it as present`, async () => {
      // The layout entry and its content object are hard links: damage both, as a user editing the file in place would.
      const object = path.join(dir, '.fairpod', 'store', '.objects', output.sha1.slice(0, 2), output.sha1);
      for (const file of [output.path, object]) {
        await fs.chmod(path.dirname(file), 0o755);
        await tamper(file);
      }
      const verify = await fairpod('store', 'verify');
      expect(verify.code).to.equal(1);
      expect(verify.stderr).to.include(`BAD ${output.relativePath}: `);
      expect(verify.stderr).to.match(
        {
          'byte flip': /does not match/,
          truncate: /does not match/,
          delete: /missing/,
          symlink: /symbolic link/,
        }[name]!,
      );
      const get = await fairpod('store', 'get', output.relativePath);
      expect(get.code, get.stdout).to.not.equal(0);
      const info = await fairpod('info', runId.slice(0, 12));
      expect(info.code).to.equal(0);
      if (name === 'delete') expect(info.stdout).to.include(`${output.path}  [MISSING]`);
      if (name === 'symlink') expect(info.stdout).to.include(`${output.path}  [NOT A FILE]`);
    });
  }
});
