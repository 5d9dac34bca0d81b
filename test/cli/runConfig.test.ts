import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fairpod } from '../support/cli.js';

describe('fairpod run CONFIG (a FAIR config.yaml)', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-runconfig-'));
    const init = await fairpod('init', dir, '--user', 'alice');
    expect(init.code, init.stderr).to.equal(0);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const config = (script: string) =>
    ['run_metadata:', '  description: a session from the command line', `  script: ${script}`, ''].join('\n');

  it('runs the config as a session and names its code run, without any POD options', async () => {
    const file = path.join(dir, 'ok.yaml');
    await fs.writeFile(file, config('test -n "$FDP_CONFIG_DIR"'));
    const r = await fairpod('run', file, '--project', dir);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^code run [0-9a-f]{40}: script exited with 0$/m);
  });

  it('exits non-zero when the script fails', async () => {
    const file = path.join(dir, 'fail.yaml');
    await fs.writeFile(file, config('exit 3'));
    const r = await fairpod('run', file, '--project', dir);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/script exited with 3/);
  });

  it('a POD run still needs the case options, and says which is missing', async () => {
    const r = await fairpod('run', 'demo_plev', '-m', 'filesystem', '--case', 'C', '--firstyr', '1980');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--lastyr is required to run PODs/);
  });
});
