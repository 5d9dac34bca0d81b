import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError, ValidationErrors } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runCli } from '../../src/cli/program.js';
import { loadFairConfig, parseFairConfig } from '../../src/settings/fairConfig.js';
import '../../src/settings/fairConfigValidator.js';

const EXAMPLES = path.resolve(PACKAGE_ROOT, '..', 'shared', 'examples', 'fair-configs');

function errorsOf(err: unknown): ValidationError[] {
  if (err instanceof ValidationErrors) return err.errors as ValidationError[];
  if (err instanceof ValidationError) return [err];
  throw err;
}

describe('FAIR config.yaml', () => {
  it('accepts every example config from FAIR-CLI, pyDataPipeline and DataPipeline.jl', async () => {
    const files = (await fs.readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));
    expect(files).to.have.length(4);
    for (const f of files) {
      const config = await loadFairConfig(path.join(EXAMPLES, f));
      expect(config.warnings, f).to.deep.equal([]);
    }
    const seirs = await loadFairConfig(
      path.join(EXAMPLES, 'pyDataPipeline__data_pipeline_api_ext_SEIRSconfig.yaml'),
    );
    expect(seirs.write.map((w) => [w.data_product, w.file_type])).to.deep.equal([
      ['SEIRS_model/results/model_output/python', 'csv'],
      ['SEIRS_model/results/figure/python', 'png'],
    ]);
    const ext = seirs.register[1]!;
    expect(ext.kind).to.equal('external_object');
    expect(ext.kind === 'external_object' && [ext.name, ext.primary, ext.version]).to.deep.equal([
      'SEIRS_model/parameters',
      true,
      '1.0.0',
    ]);
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

  it('`fairpod validate` accepts the examples and fails a bad config with its location', async () => {
    const files = (await fs.readdir(EXAMPLES)).map((f) => path.join(EXAMPLES, f));
    expect(await runCli(['node', 'fairpod', 'validate', ...files])).to.equal(0);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-cfg-'));
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
