import { expect } from 'chai';
import { runCli } from '../../src/cli/program.js';
import { capture } from './support.js';

/** `fairpod catalog ...args`, capturing what it prints. */
export const catalogCli = (...args: string[]) =>
  capture(() => runCli(['node', 'fairpod', 'catalog', ...args]));

/**
 * `fairpod catalog search` and `info` on a catalog as MDTF's CI writes them (its header names a table on
 * another machine; daily pr, huss and PRECT among its rows, 1hr PRECT before 1975, 3hr pr, mon PRECT): the
 * unit suite runs them on one it writes, the interop suite on MDTF's own. `rows` is the table's row count.
 */
export function catalogCliCases(catalog: () => string, rows: number): void {
  const cli = catalogCli;
  it('search prints matching rows, ORing repeated columns, and notes the moved table', async () => {
    const { result, stdout, stderr } = await cli(
      'search',
      catalog(),
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
      .and.match(new RegExp(`2 of ${rows} rows`));
  });

  it('search --json with --require-all-on and a period', async () => {
    const { result, stdout } = await cli(
      'search',
      catalog(),
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
    const { result, stdout } = await cli('info', catalog(), '--json');
    expect(result).to.equal(0);
    const info = JSON.parse(stdout) as { rows: number; columns: string[]; unique: Record<string, string[]> };
    expect(info.rows).to.equal(rows);
    expect(info.columns).to.include('path');
    expect(info.unique.frequency).to.include('day');
    const text = await cli('info', catalog());
    expect(text.stdout)
      .to.match(new RegExp(`rows: ${rows}`))
      .and.match(/frequency: \d+ values: /);
  });
}
