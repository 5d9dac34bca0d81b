import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { loadFairConfig } from '../../src/settings/fairConfig.js';
import '../../src/settings/fairConfigValidator.js';
import { examplesDir } from './examples.js';

const EXAMPLES = examplesDir('fair-configs');

describe('interop: FAIR config.yaml files of FAIR-CLI, pyDataPipeline and DataPipeline.jl', () => {
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
