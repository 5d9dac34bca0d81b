import { expect } from 'chai';
import path from 'node:path';
import { IndexedCatalog } from '../../src/catalog/catalogIndex.js';
import { periodsOverlap } from '../../src/catalog/dates.js';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { PeriodIndex } from '../../src/catalog/periodIndex.js';
import { searchRows } from '../../src/catalog/search.js';
import type { CatalogRow, EsmCatalog } from '../../src/catalog/types.js';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import { isolateIndexCache, tempDir } from './support.js';

/** A small deterministic generator (mulberry32), so that a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows whose period overlaps [qFirst, qLast] or who have none, by testing every row. */
function scan(first: Float64Array, last: Float64Array, qFirst: number, qLast: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < first.length; i++)
    if (Number.isNaN(first[i]) || periodsOverlap(first[i], last[i], qFirst, qLast)) out.push(i);
  return out;
}

describe('the period index', () => {
  // Each case: seed, rows, share of rows without a period, years the periods start in, longest period (years).
  const CASES: [number, number, number, number, number][] = [
    [1, 0, 0, 10, 1],
    [2, 1, 0, 10, 1],
    [3, 1, 1, 10, 1],
    [4, 50, 0, 5, 1],
    [5, 200, 0.2, 40, 3],
    [6, 500, 0.5, 200, 100],
    [7, 1000, 0, 1000, 2],
    [8, 300, 1, 10, 1],
  ];
  for (const [seed, rows, undatedShare, span, longest] of CASES) {
    it(`answers as a scan does: ${rows} rows, ${undatedShare * 100}% undated, starts over ${span} years, up to ${longest} long`, () => {
      const rnd = random(seed);
      const first = new Float64Array(rows);
      const last = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        if (rnd() < undatedShare) {
          first[i] = last[i] = NaN;
          continue;
        }
        const start = 1850 + Math.floor(rnd() * span);
        first[i] = start * 1e10 + 101000000;
        last[i] = (start + Math.floor(rnd() * longest)) * 1e10 + 1231235959;
      }
      const index = PeriodIndex.build(first, last);
      // The same index from period ids, as a table computes them: some ids name the same period (two spellings of
      // its dates), one names a period no row has.
      const periods: [number, number][] = [[0, 1]];
      const idOf = new Map<string, number>();
      const ids = Int32Array.from(first, (f, i) => {
        if (Number.isNaN(f)) return -1;
        const key = `${f},${last[i]},${i % 2}`;
        if (!idOf.has(key)) idOf.set(key, periods.push([f, last[i]]) - 1);
        return idOf.get(key)!;
      });
      expect(PeriodIndex.fromIds(ids, periods).parts).to.deep.equal(index.parts);
      for (let q = 0; q < 60; q++) {
        const a = 1840 + Math.floor(rnd() * (span + 20));
        const b = a + Math.floor(rnd() * 5);
        const [qFirst, qLast] = [a * 1e10 + 101000000, b * 1e10 + 1231235959];
        const expected = scan(first, last, qFirst, qLast);
        expect(Array.from(index.overlapping(qFirst, qLast)), `${a}-${b}`).to.deep.equal(expected);
        expect(index.count(qFirst, qLast)).to.equal(expected.length);
      }
    });
  }
});

describe('date-range searches through the period index', () => {
  isolateIndexCache();
  const COLUMNS = ['source_id', 'variable_id', 'table_id', 'start_time', 'end_time', 'path'];
  const rnd = random(42);
  const ROWS: CatalogRow[] = Array.from({ length: 400 }, (_, i) => {
    const fixed = rnd() < 0.15;
    const start = 1850 + Math.floor(rnd() * 150);
    const end = start + Math.floor(rnd() * 30);
    const month = String(1 + Math.floor(rnd() * 12)).padStart(2, '0');
    return {
      source_id: `M${Math.floor(rnd() * 3)}`,
      variable_id: ['tas', 'pr', 'ua', 'va', 'sftlf'][Math.floor(rnd() * 5)],
      table_id: fixed ? 'fx' : 'Amon',
      start_time: fixed ? '' : `${start}-${month}`,
      end_time: fixed ? '' : `${end}-12`,
      path: `/data/f${i}.nc`,
    };
  });
  const QUERIES: Record<string, string | string[]>[] = [
    {},
    { variable_id: 'tas' },
    { variable_id: ['pr', 'sftlf'], source_id: 'M1' },
    { table_id: 'fx' },
    { source_id: 'M2', path: '/data/f1.*' },
  ];
  let memory: EsmCatalog;
  let indexed: EsmCatalog;

  before(async () => {
    const json = path.join(tempDir(), 'cat.json');
    const header = {
      esmcat_version: '0.1.0',
      attributes: COLUMNS.filter((c) => c !== 'path').map((column_name) => ({ column_name })),
      assets: { column_name: 'path', format: 'netcdf' },
    };
    await writeEsmCatalog(json, header, ROWS);
    memory = await loadEsmCatalog(json, { index: false });
    await (await loadEsmCatalog(json)).close(); // builds the index
    indexed = await loadEsmCatalog(json);
  });
  after(async () => {
    await memory.close();
    await indexed.close();
  });

  it('loads the index with its period index', () => {
    expect(indexed).to.be.instanceOf(IndexedCatalog);
    expect((indexed as IndexedCatalog).table.hasPeriodIndex).to.equal(true);
  });

  for (const query of QUERIES) {
    it(`returns the rows (in order) a scan returns for ${JSON.stringify(query)} and random periods`, async () => {
      const q = random(Object.keys(query).length + 7);
      // Twice on the memory catalog: its first search tests keys, later ones build and use the index.
      for (let k = 0; k < 25; k++) {
        const a = 1840 + Math.floor(q() * 190);
        const b = a + Math.floor(q() * 10);
        const options = { timeRange: { start: String(a), end: `${b}-06-30` } };
        const expected = searchRows(ROWS, COLUMNS, query, options);
        expect(await memory.search(query, options), `memory ${a}-${b}`).to.deep.equal(expected);
        expect(await indexed.search(query, options), `indexed ${a}-${b}`).to.deep.equal(expected);
      }
    });
  }
});
