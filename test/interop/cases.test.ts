import { expect } from 'chai';
import type { RunReport } from '../../src/core/report.js';
import { fairpod } from '../support/cli.js';
import { examplesDir } from './examples.js';

const MULTICASE = examplesDir('mdtf-pod-dirs', 'example_multicase');
const CASES = [
  'CMIP_Synthetic_r1i1p1f1_gr1_19800101-19841231',
  'CMIP_Synthetic_r1i1p1f1_gr1_19850101-19891231',
];

describe('MDTF 4.2 runtime configs as case lists', () => {
  it("container_config_demo.jsonc: each case is matched to its own file of MDTF's container catalog", async () => {
    const r = await fairpod(
      'plan',
      MULTICASE,
      '-m',
      'filesystem',
      '--catalog',
      `${MULTICASE}/container_cat.json`,
      '--case-list',
      `${MULTICASE}/container_config_demo.jsonc`,
      '--json',
    );
    const reports = JSON.parse(r.stdout) as RunReport[];
    expect(
      reports.map((x) => [x.case.name, x.case.firstYear, x.case.lastYear, x.case.convention]),
    ).to.deep.equal([
      [CASES[0], 1980, 1984, 'CMIP'],
      [CASES[1], 1985, 1989, 'CMIP'],
    ]);
    for (const [i, report] of reports.entries()) {
      const tas = report.pods[0]!.variables[0]!;
      // The catalog's files are not on this machine: each case's own file is the one found missing. The other
      // case's file is dropped for its path, or (outside the period searched) never found: the failures name
      // only the case's own file.
      if (tas.decisions.some((d) => d.includes('whose path does not name')))
        expect(tas.decisions.join('\n')).to.include(
          `dropped 1 file(s) whose path does not name case ${CASES[i]}`,
        );
      expect(tas.failures.join()).to.include(`/${CASES[i]}/day/${CASES[i]}.tas.day.nc`);
      expect(tas.failures.join()).to.not.include(CASES[1 - i]!);
    }
  });

  it('multirun_config_demo1.jsonc names one case twice: refused with both places, not silently merged', async () => {
    const config = `${MULTICASE}/multirun_config_demo1.jsonc`;
    const r = await fairpod(
      'plan',
      MULTICASE,
      '-m',
      'filesystem',
      '--catalog',
      `${MULTICASE}/c384L65_am5f3b1r0_amip.json`,
      '--case-list',
      config,
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include(`${config}:14:7: case_list.c384L65_am5f3b1r0_amip: duplicate key`);
  });
});
