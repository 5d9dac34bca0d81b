import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError, ValidationErrors } from '../../src/core/errors.js';
import { runCli } from '../../src/cli/program.js';
import { loadFairConfig, parseFairConfig } from '../../src/settings/fairConfig.js';
import '../../src/settings/fairConfigValidator.js';

/** A config with run_metadata, register (a namespace, an external object), and write, as pyDataPipeline's. */
const SEIRS_LIKE = `run_metadata:
  default_input_namespace: lab
  description: A model run
  script: python3 model.py
  remote_repo: https://example.org/lab/model.git

register:
- namespace: LAB
  full_name: The Lab
  website: https://example.org/lab

- external_object: model/parameters
  namespace_name: LAB
  root: https://example.org/
  path: lab/model/static_params.csv
  title: Static parameters of the model
  description: Static parameters of the model
  identifier: https://doi.org/10.0000/example
  file_type: csv
  release_date: 2021-09-20T12:00
  version: "1.0.0"
  primary: True

write:
- data_product: model/results/output
  description: model results
  file_type: csv

- data_product: model/results/figure
  description: output plot
  file_type: png
`;

function errorsOf(err: unknown): ValidationError[] {
  if (err instanceof ValidationErrors) return err.errors as ValidationError[];
  if (err instanceof ValidationError) return [err];
  throw err;
}

describe('FAIR config.yaml', () => {
  it('accepts a config with every section, as pyDataPipeline writes them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-cfg-'));
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, SEIRS_LIKE);
    try {
      const config = await loadFairConfig(file);
      expect(config.warnings).to.deep.equal([]);
      expect(config.write.map((w) => [w.data_product, w.file_type])).to.deep.equal([
        ['model/results/output', 'csv'],
        ['model/results/figure', 'png'],
      ]);
      const ext = config.register[1]!;
      expect(ext.kind).to.equal('external_object');
      expect(ext.kind === 'external_object' && [ext.name, ext.primary, ext.version]).to.deep.equal([
        'model/parameters',
        true,
        '1.0.0',
      ]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('names file, line and key of every problem', () => {
    const text = [
      'run_metadata:',
      '  description: bad',
      'read:',
      '  - data_product: a/b',
      '    use:',
      '      version: 1.0',
      'write:',
      '  - description: no name',
      'register:',
      '  - data_product: x',
      '    path: f.csv',
      '    version: one',
    ].join('\n');
    const errors = errorsOf(
      (() => {
        try {
          parseFairConfig(text, '/tmp/config.yaml');
        } catch (e) {
          return e;
        }
      })(),
    );
    expect(errors.map((e) => [e.location.line, e.location.key])).to.deep.equal([
      [6, 'read[0].use.version'],
      [8, 'write[0].data_product'],
      [10, 'register[0].root'],
      [12, 'register[0].version'],
    ]);
    for (const e of errors) expect(e.location.file).to.equal('/tmp/config.yaml');
  });

  it('rejects sections of the wrong shape and register entries that are two things', () => {
    const errors = errorsOf(
      (() => {
        try {
          parseFairConfig(
            'run_metadata: {}\nread: a/b\nregister:\n  - namespace: n\n    author: a\n',
            'c.yaml',
          );
        } catch (e) {
          return e;
        }
      })(),
    );
    expect(errors.map((e) => e.location.key)).to.deep.equal(['read', 'register[0]']);
    expect(errors[1]!.message).to.contain('`namespace` and `author`');
  });

  it('warns about unknown keys with a suggestion', () => {
    const config = parseFairConfig('run_metadata:\n  scrpt: echo hi\n', 'c.yaml');
    expect(config.warnings).to.have.length(1);
    expect(config.warnings[0]).to.contain('c.yaml:2:3').and.to.contain('script');
  });

  it('`fairpod validate` accepts a good config and fails a bad config with its location', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-cfg-'));
    const good = path.join(dir, 'good.yaml');
    await fs.writeFile(good, SEIRS_LIKE);
    expect(await runCli(['node', 'fairpod', 'validate', good])).to.equal(0);
    const bad = path.join(dir, 'config.yaml');
    await fs.writeFile(bad, 'run_metadata:\n  public: maybe\n');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (
      errors.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    try {
      expect(await runCli(['node', 'fairpod', 'validate', bad])).to.equal(2);
    } finally {
      process.stderr.write = write;
      await fs.rm(dir, { recursive: true, force: true });
    }
    expect(errors.join('')).to.contain(`${bad}:2:11: run_metadata.public`);
  });
});
