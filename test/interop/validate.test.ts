import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fairpod, type CliResult } from '../support/cli.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { examplesDir } from './examples.js';

const PODS = examplesDir('mdtf-pods');
const YAML_POD = path.resolve(PACKAGE_ROOT, 'test', 'fixtures', 'settings', 'EOF_500hPa', 'settings.yaml');

/** Runs `fairpod validate ...args`, capturing what it prints. */
function validate(...args: string[]): Promise<CliResult> {
  return fairpod('validate', ...args);
}

describe('interop: fairpod validate on MDTF PODs and FAIR configs others wrote', () => {
  let dir: string;
  let broken: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-validate-'));
    broken = path.join(dir, 'broken.jsonc');
    const text = await readFile(path.join(PODS, 'EOF_500hPa.jsonc'), 'utf8');
    // Line 67 holds zg_hybrid_sigma's dimensions; naming one that is not declared makes the file invalid.
    await writeFile(
      broken,
      text.replace(
        '"dimensions": ["time", "lev", "lat", "lon"]',
        '"dimensions": ["time", "level", "lat", "lon"]',
      ),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints ok with the number of variables for each good file and exits 0', async () => {
    const files = [
      'EOF_500hPa.jsonc',
      'MJO_suite.jsonc',
      'albedofb.jsonc',
      'convective_transition_diag.jsonc',
      'example.jsonc',
      'precip_diurnal_cycle.jsonc',
    ].map((f) => path.join(PODS, f));
    const { code, stdout, stderr } = await validate(...files, YAML_POD);
    expect(code).to.equal(0);
    expect(stderr).to.equal('');
    expect(stdout.trimEnd().split('\n')).to.deep.equal([
      `ok ${files[0]} (3 variables)`,
      `ok ${files[1]} (6 variables)`,
      `ok ${files[2]} (6 variables)`,
      `ok ${files[3]} (5 variables)`,
      `ok ${files[4]} (1 variable)`,
      `ok ${files[5]} (1 variable)`,
      `ok ${YAML_POD} (3 variables)`,
    ]);
  });

  it('validates the FAIR config.yaml examples too', async () => {
    const configs = ['FAIR-CLI__tests_data_test_register.yaml', 'FAIR-CLI__tests_data_test_pull_config.yaml'];
    const { code, stdout } = await validate(...configs.map((c) => examplesDir('fair-configs', c)));
    expect(code).to.equal(0);
    expect(stdout.split('\n').filter((l) => l.startsWith('ok '))).to.have.length(2);
  });

  it('reports an undeclared dimension in EOF_500hPa at its line and exits non-zero', async () => {
    const { code, stderr } = await validate(broken);
    expect(code).to.equal(2);
    expect(stderr).to.match(
      new RegExp(
        `error: ${broken}:67:\\d+: varlist\\.zg_hybrid_sigma\\.dimensions\\[1\\]: dimension \`level\` is not declared`,
      ),
    );
  });

  it('checks every file even after a bad one, and fails the whole run', async () => {
    const good = path.join(PODS, 'example.jsonc');
    const { code, stdout, stderr } = await validate(broken, good);
    expect(code).to.equal(2);
    expect(stdout).to.equal(`ok ${good} (1 variable)\n`);
    expect(stderr).to.match(/1 of 2 files failed validation/);
  });
});
