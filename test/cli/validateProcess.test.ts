import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CLI } from '../faults/support.js';

const run = promisify(execFile);

// In one mocha process other tests load every module, so a validator that registers itself on import is
// always there; a `fairpod validate` process loads only what the command imports.
describe('fairpod validate, as its own process', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-validate-proc-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('knows a FAIR config (found: a lazily loaded CLI called it "not a kind of document")', async () => {
    const config = path.join(dir, 'config.yaml');
    await fs.writeFile(
      config,
      'run_metadata:\n  description: d\n  script: echo\nwrite:\n  - data_product: results/table\n    file_type: csv\n',
    );
    const ok = await run(process.execPath, [CLI, 'validate', config]);
    expect(ok.stdout).to.match(/^ok .*config\.yaml/);
    await fs.writeFile(config, 'run_metadata:\n  description: d\nwrite:\n  - data_product: ../out\n');
    const bad = await run(process.execPath, [CLI, 'validate', config]).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain(`${config}:4:19: write[0].data_product:`);
  });
});
