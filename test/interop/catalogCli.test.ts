import { expect } from 'chai';
import { runCli } from '../../src/cli/program.js';
import { capture, isolateIndexCache } from '../catalog/support.js';
import { examplesDir } from './examples.js';

const cli = (...args: string[]) => capture(() => runCli(['node', 'fairpod', 'catalog', ...args]));
const EXAMPLE = examplesDir('esm-catalogs', 'tests__esm_catalog_test_ubuntu.json');

describe('interop: fairpod catalog on a catalog of MDTF-diagnostics', () => {
  isolateIndexCache();

  it('search prints matching rows, ORing repeated columns, and notes the moved table', async () => {
    const { result, stdout, stderr } = await cli(
      'search',
      EXAMPLE,
      'variable_id=pr',
      'variable_id=huss',
      'frequency=day',
    );
    expect(result).to.equal(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.equal('variable_id\tfrequency\tpath');
    expect(
      lines
        .slice(1)
        .map((l) => l.split('\t')[0])
        .sort(),
    ).to.deep.equal(['huss', 'pr']);
    expect(stderr)
      .to.match(/note: .*does not exist here/)
      .and.match(/2 of 58 rows/);
  });

  it('search --json with --require-all-on and a period', async () => {
    const { result, stdout } = await cli(
      'search',
      EXAMPLE,
      'variable_id=pr',
      'variable_id=PRECT',
      '--require-all-on',
      'frequency',
      '--start',
      '1975',
      '--end',
      '1995',
      '--json',
    );
    expect(result).to.equal(0);
    const rows = JSON.parse(stdout) as { variable_id: string; frequency: string }[];
    // Only the daily group holds both variables (1hr's PRECT ends before it starts, 3hr and mon hold one).
    expect(rows.map((r) => `${r.frequency}:${r.variable_id}`).sort()).to.deep.equal(['day:PRECT', 'day:pr']);
  });

  it('info lists rows, columns and unique facet values', async () => {
    const { result, stdout } = await cli('info', EXAMPLE, '--json');
    expect(result).to.equal(0);
    const info = JSON.parse(stdout) as { rows: number; columns: string[]; unique: Record<string, string[]> };
    expect(info.rows).to.equal(58);
    expect(info.columns).to.include('path');
    expect(info.unique.frequency).to.include('day');
    const text = await cli('info', EXAMPLE);
    expect(text.stdout)
      .to.match(/rows: 58/)
      .and.match(/frequency: \d+ values: /);
  });
});
