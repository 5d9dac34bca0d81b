import { expect } from 'chai';
import type { RunReport } from '../../src/core/report.js';
import { fairpod } from '../support/cli.js';
import { examplesDir } from './examples.js';

const MULTICASE = 'diagnostics__example_multicase__esm_catalog_CMIP_synthetic_r1i1p1f1_gr1';

describe('interop: fairpod plan with an MDTF POD and catalog', () => {
  it('an example MDTF POD against an example MDTF catalog: candidates found, files missing on this machine', async () => {
    const pod = examplesDir('mdtf-pods', 'example.jsonc');
    const catalog = examplesDir('esm-catalogs', `${MULTICASE}.json`);
    const args = [
      '-m',
      'filesystem',
      '--catalog',
      catalog,
      '--firstyr',
      '1980',
      '--lastyr',
      '1984',
      '--json',
    ];
    const r = await fairpod('plan', pod, '--case', 'CMIP_Synthetic', ...args);
    const report = JSON.parse(r.stdout) as RunReport;
    const tas = report.pods[0]!.variables[0]!;
    expect(tas.query).to.equal('variable_id=tas frequency=day realm=atmos period=1980..1984');
    expect(tas.decisions.join('\n')).to.match(/chose case-scope .*experiment_id=synthetic/);
    expect(tas.failures.join()).to.match(
      /^fetch: file listed in the catalog is missing on disk: \/Users\/jess\/mdtf\/inputdata/,
    );
    expect(report.pods[0]!.ok).to.equal(false);
    expect(r.code).to.equal(1);
  });
});
