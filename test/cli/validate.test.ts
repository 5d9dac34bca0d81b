import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fairpod, type CliResult } from '../support/cli.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const YAML_POD = path.resolve(PACKAGE_ROOT, 'test', 'fixtures', 'settings', 'EOF_500hPa', 'settings.yaml');

/** A POD written here: one variable, its dimensions declared. */
const GOOD_POD = `// a POD
{
  "settings": {"driver": "run.py", "convention": "cmip"},
  "dimensions": {"time": {"standard_name": "time"}, "lat": {"standard_name": "latitude"}, "lon": {"standard_name": "longitude"}},
  "varlist": {
    "pr": {
      "dimensions": ["time", "lat", "lon"],
      "standard_name": "precipitation_flux",
      "frequency": "day"
    }
  }
}
`;

/** Runs `fairpod validate ...args`, capturing what it prints. */
function validate(...args: string[]): Promise<CliResult> {
  return fairpod('validate', ...args);
}

describe('fairpod validate', () => {
  let dir: string;
  let broken: string;
  let warned: string;
  let unknownKind: string;
  let good: string;
  let config: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-validate-'));
    good = path.join(dir, 'good.jsonc');
    await writeFile(good, GOOD_POD);
    broken = path.join(dir, 'broken.jsonc');
    // Line 7 holds pr's dimensions; naming one that is not declared makes the file invalid.
    await writeFile(broken, GOOD_POD.replace('["time", "lat", "lon"]', '["time", "latitude", "lon"]'));
    config = path.join(dir, 'config.yaml');
    await writeFile(
      config,
      'run_metadata:\n  description: a run\n  script: python3 run.py\nwrite:\n- data_product: out/table\n  file_type: csv\n',
    );
    await writeFile(path.join(dir, 'notes.md'), '# notes\n');
    unknownKind = path.join(dir, 'catalog.yaml');
    await writeFile(unknownKind, 'esmcat_version: 0.1.0\nassets: {column_name: path}\n');
    warned = path.join(dir, 'warned.yaml');
    await writeFile(
      warned,
      'settings: {driver: run.py}\ndimensions: {time: {standard_name: time}}\nvarlist:\n  pr: {standard_name: precipitation_flux, dimensions: [time], freq: day}\n',
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints ok with the number of variables for each good file and exits 0', async () => {
    const { code, stdout, stderr } = await validate(good, YAML_POD);
    expect(code).to.equal(0);
    expect(stderr).to.equal('');
    expect(stdout.trimEnd().split('\n')).to.deep.equal([
      `ok ${good} (1 variable)`,
      `ok ${YAML_POD} (3 variables)`,
    ]);
  });

  it('validates a FAIR config.yaml too', async () => {
    const { code, stdout } = await validate(config);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^ok .*config\.yaml/);
  });

  it('prints warnings but exits 0 when a file only has warnings', async () => {
    const { code, stdout, stderr } = await validate(warned);
    expect(code).to.equal(0);
    expect(stdout).to.equal(`ok ${warned} (1 variable)\n`);
    expect(stderr).to.match(
      new RegExp(
        `^warning: ${warned}:4:\\d+: varlist\\.pr\\.freq: unknown key .*did you mean \`frequency\`\\?`,
      ),
    );
  });

  const failures = [
    {
      what: 'an invalid POD',
      file: () => broken,
      stderr: () =>
        new RegExp(
          `error: ${broken}:7:\\d+: varlist\\.pr\\.dimensions\\[1\\]: dimension \`latitude\` is not declared`,
        ),
    },
    {
      what: 'a nonexistent path',
      file: () => path.join(dir, 'nope', 'settings.jsonc'),
      stderr: () => /error: .*nope\/settings\.jsonc: no such file\n {2}hint: /,
    },
    {
      what: 'a file of an unknown type',
      file: () => path.join(dir, 'notes.md'),
      stderr: () => /unknown file type `\.md`/,
    },
    {
      what: 'a document no validator recognises',
      file: () => unknownKind,
      stderr: () =>
        /not a kind of document fairpod can validate\n {2}hint: expected POD settings \(with a `settings` or `varlist` section\)/,
    },
  ];
  for (const { what, file, stderr: expected } of failures) {
    it(`reports ${what} and exits non-zero`, async () => {
      const { code, stdout, stderr } = await validate(file());
      expect(code).to.equal(2);
      expect(stdout).to.equal('');
      expect(stderr).to.match(expected());
      expect(stderr).to.match(/1 of 1 file failed validation\n$/);
    });
  }

  it('checks every file even after a bad one, and fails the whole run', async () => {
    const { code, stdout, stderr } = await validate(broken, good);
    expect(code).to.equal(2);
    expect(stdout).to.equal(`ok ${good} (1 variable)\n`);
    expect(stderr).to.match(/1 of 2 files failed validation/);
  });

  it('needs at least one path', async () => {
    const { code } = await validate();
    expect(code).to.equal(2);
  });
});
