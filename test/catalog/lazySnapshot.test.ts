import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { IndexedCatalog } from '../../src/catalog/catalogIndex.js';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { searchRows } from '../../src/catalog/search.js';
import type { CatalogQuery, CatalogRow } from '../../src/catalog/types.js';
import { FairpodError } from '../../src/core/errors.js';
import { header, isolateIndexCache, tempDir } from './support.js';

const COLUMNS = ['source_id', 'variable_id', 'member_id', 'path'];
// Enough rows that a few of them are read as stretches of the snapshot, not whole columns (see catalogIndex.ts).
const ROWS: CatalogRow[] = Array.from({ length: 3000 }, (_, i) => ({
  source_id: `M${i % 7}`,
  variable_id: ['tas', 'pr', 'ua', 'va', 'zg'][i % 5],
  member_id: `r${i % 11}i1p1f1`,
  path: `/data/${'x'.repeat(i % 40)}/f${i}.nc`,
}));
const csvOf = (rows: CatalogRow[]): string =>
  `${COLUMNS.join(',')}\n${rows.map((r) => COLUMNS.map((c) => r[c]).join(',')).join('\n')}\n`;

describe('an index snapshot read when rows are asked for', () => {
  isolateIndexCache();

  function catalog(): string {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 't.csv'), csvOf(ROWS));
    fs.writeFileSync(path.join(dir, 'c.json'), header('t.csv', COLUMNS.slice(0, -1)));
    return path.join(dir, 'c.json');
  }

  it('returns in a fresh load, and in later searches, the rows a scan returns', async () => {
    const json = catalog();
    await (await loadEsmCatalog(json)).close(); // builds the index
    const queries: CatalogQuery[] = [
      { source_id: 'M3', member_id: 'r2i1p1f1', variable_id: 'tas' },
      { source_id: ['M3', 'M5'], member_id: 'r2i1p1f1', variable_id: 'ua' },
      { path: '/f12\\.nc$' },
      { source_id: 'M3', member_id: 'r2i1p1f1' },
      { variable_id: ['tas', 'zg'], source_id: 'M1' },
      { variable_id: 'pr' },
      { path: '.*/f12.*' },
      {},
    ];
    for (const query of queries) {
      const fresh = await loadEsmCatalog(json);
      expect(fresh).to.be.instanceOf(IndexedCatalog);
      const expected = searchRows(ROWS, COLUMNS, query);
      expect(await fresh.search(query), JSON.stringify(query)).to.deep.equal(expected);
      expect(await fresh.search(query), `${JSON.stringify(query)} again`).to.deep.equal(expected);
      await fresh.close();
    }
  });

  it('is a located error, not other rows, when the snapshot was rebuilt while the catalog is in use', async () => {
    const json = catalog();
    await (await loadEsmCatalog(json)).close();
    const old = await loadEsmCatalog(json);
    expect(old).to.be.instanceOf(IndexedCatalog);
    fs.appendFileSync(path.join(path.dirname(json), 't.csv'), 'M0,tas,r1i1p1f1,/new.nc\n');
    await (await loadEsmCatalog(json)).close(); // rebuilds the index in place
    let caught: unknown;
    try {
      await old.search({ source_id: 'M3' });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(FairpodError);
    expect((caught as FairpodError).location.file).to.match(/t\.csv\.fairpod-index$/);
    expect((caught as FairpodError).hint).to.match(/load the catalog again/);
  });
});
