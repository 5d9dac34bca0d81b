import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { IndexedCatalog, indexLocations } from '../../src/catalog/catalogIndex.js';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { MemoryCatalog } from '../../src/catalog/memoryCatalog.js';
import { searchRows } from '../../src/catalog/search.js';
import type { CatalogQuery, CatalogRow } from '../../src/catalog/types.js';
import { header, isolateIndexCache, tempDir } from './support.js';

/** The table mtime an index file records (its metadata block follows an 8-byte magic). */
function recordedMtime(index: string): string {
  const head = Buffer.alloc(4096);
  const fd = fs.openSync(index, 'r');
  fs.readSync(fd, head, 0, 4096, 8);
  fs.closeSync(fd);
  return (JSON.parse(head.toString('utf8')) as { mtimeNs: string }).mtimeNs;
}

function catalogIn(dir: string, csv: string): string {
  fs.writeFileSync(path.join(dir, 't.csv'), csv);
  fs.writeFileSync(path.join(dir, 'c.json'), header('t.csv', ['variable_id', 'start_time', 'end_time']));
  return path.join(dir, 'c.json');
}

const CSV = 'variable_id,start_time,end_time,path\ntas,1980,1989,/a\npr,1990,1999,/b\n';

describe('the catalog index', () => {
  isolateIndexCache();

  it('is built beside the table on first load and used by the next', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    const first = await loadEsmCatalog(json);
    expect(first).to.be.instanceOf(MemoryCatalog);
    expect(first).not.to.be.instanceOf(IndexedCatalog);
    expect(fs.existsSync(indexLocations(path.join(dir, 't.csv'))[0])).to.equal(true);
    const second = await loadEsmCatalog(json);
    expect(second).to.be.instanceOf(IndexedCatalog);
    expect(await second.search({}, { timeRange: { start: '1995', end: '2000' } })).to.deep.equal([
      { variable_id: 'pr', start_time: '1990', end_time: '1999', path: '/b' },
    ]);
    await second.close();
  });

  it('is rebuilt when the table changes, even with the same size', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    await loadEsmCatalog(json);
    fs.writeFileSync(path.join(dir, 't.csv'), CSV.replace('/b', '/c'));
    const changed = await loadEsmCatalog(json);
    expect(changed).not.to.be.instanceOf(IndexedCatalog);
    expect((await changed.search({ variable_id: 'pr' }))[0].path).to.equal('/c');
    const reread = await loadEsmCatalog(json);
    expect(reread).to.be.instanceOf(IndexedCatalog);
    expect((await reread.search({ variable_id: 'pr' }))[0].path).to.equal('/c');
    await reread.close();
    fs.appendFileSync(path.join(dir, 't.csv'), 'ua,2000,2009,/d\n');
    const grown = await loadEsmCatalog(json);
    expect(grown.size).to.equal(3);
    expect(grown).not.to.be.instanceOf(IndexedCatalog);
  });

  it('is kept when the table is only touched (same hash), and records the new mtime', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    await loadEsmCatalog(json);
    const table = path.join(dir, 't.csv');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(table, later, later);
    const touched = await loadEsmCatalog(json);
    expect(touched).to.be.instanceOf(IndexedCatalog);
    // The next load trusts the stat again instead of hashing the table.
    expect(recordedMtime(indexLocations(table)[0])).to.equal(
      String(fs.statSync(table, { bigint: true }).mtimeNs),
    );
    await touched.close();
  });

  it('replaces the SQLite index of earlier versions', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    const former = path.join(dir, 't.csv.fairpod-index.sqlite');
    fs.writeFileSync(former, 'SQLite format 3');
    await loadEsmCatalog(json);
    expect(fs.existsSync(former)).to.equal(false);
    expect(await loadEsmCatalog(json)).to.be.instanceOf(IndexedCatalog);
  });

  it('is rebuilt when damaged', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    await loadEsmCatalog(json);
    const index = indexLocations(path.join(dir, 't.csv'))[0];
    fs.truncateSync(index, fs.statSync(index).size - 8);
    const reread = await loadEsmCatalog(json);
    expect(reread).not.to.be.instanceOf(IndexedCatalog);
    expect(await reread.search({ variable_id: 'pr' })).to.have.length(1);
    expect(await loadEsmCatalog(json)).to.be.instanceOf(IndexedCatalog);
  });

  it('holds a large table as read: plain columns past the first rows, quoted, list and multi-line cells, CRLF', async () => {
    const dir = tempDir();
    const rows: CatalogRow[] = Array.from({ length: 6000 }, (_, i) => ({
      variable_id: ['tas', 'pr', 'a, "b"'][i % 3],
      start_time: String(1900 + (i % 100)),
      end_time: String(1900 + (i % 100)),
      realm: i % 7 === 0 ? [] : ['atmos', `r${i}`],
      path: i % 1000 === 7 ? `/data/odd, "name"\nline ${i}.nc` : `/data/f${i}.nc`,
    }));
    const cell = (v: string | string[]): string => {
      const text = Array.isArray(v) ? (v.length ? `[${v.map((x) => `'${x}'`).join(', ')}]` : '') : v;
      return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    };
    const csv = [
      'variable_id,start_time,end_time,realm,path',
      ...rows.map((r) => [r.variable_id, r.start_time, r.end_time, r.realm, r.path].map(cell).join(',')),
    ].join('\r\n');
    const json = catalogIn(dir, `${csv}\r\n`);
    const parsed = await loadEsmCatalog(json);
    const indexed = await loadEsmCatalog(json);
    expect(indexed).to.be.instanceOf(IndexedCatalog);
    const columns = ['variable_id', 'start_time', 'end_time', 'realm', 'path'];
    for (const cat of [parsed, indexed]) {
      expect(await cat.search({})).to.deep.equal(rows);
      const queries: CatalogQuery[] = [{ variable_id: 'a, "b"' }, { realm: 'r5000' }, { path: 'odd' }];
      for (const q of queries) {
        // Twice: the second search goes through the column's postings.
        for (let k = 0; k < 2; k++) expect(await cat.search(q)).to.deep.equal(searchRows(rows, columns, q));
      }
      expect(
        await cat.search({ variable_id: ['tas', 'pr'] }, { timeRange: { start: '1990', end: '1991' } }),
      ).to.deep.equal(
        searchRows(
          rows,
          columns,
          { variable_id: ['tas', 'pr'] },
          { timeRange: { start: '1990', end: '1991' } },
        ),
      );
      expect((await cat.uniqueValues(['realm'])).realm).to.have.length(6000 - Math.ceil(6000 / 7) + 1);
    }
  });

  it('stores rows in DRS order clustered by variable (long runs of table rows) as a scan finds them', async () => {
    const dir = tempDir();
    // Members, then variables, then 20 yearly files each: every variable's rows are runs of 20 table rows.
    const rows: CatalogRow[] = [];
    for (let m = 1; m <= 3; m++)
      for (const v of ['tas', 'pr', 'ua'])
        for (let y = 1980; y < 2000; y++)
          rows.push({
            variable_id: v,
            member_id: `r${m}`,
            start_time: String(y),
            end_time: String(y),
            path: `/d/${v}_r${m}_${y}.nc`,
          });
    const columns = ['variable_id', 'member_id', 'start_time', 'end_time', 'path'];
    const csv = `${columns.join(',')}\n${rows.map((r) => columns.map((c) => r[c]).join(',')).join('\n')}\n`;
    fs.writeFileSync(path.join(dir, 't.csv'), csv);
    fs.writeFileSync(path.join(dir, 'c.json'), header('t.csv', columns.slice(0, -1)));
    const json = path.join(dir, 'c.json');
    await loadEsmCatalog(json);
    const cat = await loadEsmCatalog(json);
    expect(cat).to.be.instanceOf(IndexedCatalog);
    const queries: CatalogQuery[] = [
      {},
      { variable_id: 'pr' },
      { variable_id: ['ua', 'tas'], member_id: 'r2' },
    ];
    for (const q of queries) {
      expect(await cat.search(q), JSON.stringify(q)).to.deep.equal(searchRows(rows, columns, q));
      const period = { timeRange: { start: '1985', end: '1986' } };
      expect(await cat.search(q, period)).to.deep.equal(searchRows(rows, columns, q, period));
    }
    await cat.close();
  });

  it('goes to the cache directory when the table directory is read-only', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    fs.chmodSync(dir, 0o555);
    try {
      const cat = await loadEsmCatalog(json);
      expect(cat.notes).to.deep.equal([]);
      const [beside, cached] = indexLocations(path.join(dir, 't.csv'));
      expect(fs.existsSync(beside)).to.equal(false);
      expect(cached.startsWith(process.env.FAIRPOD_CACHE_DIR!)).to.equal(true);
      expect(fs.existsSync(cached)).to.equal(true);
      const again = await loadEsmCatalog(json);
      expect(again).to.be.instanceOf(IndexedCatalog);
      await again.close();
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  it('is neither used nor written with index: false', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    const cat = await loadEsmCatalog(json, { index: false });
    expect(cat).to.be.instanceOf(MemoryCatalog);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['c.json', 't.csv']);
  });

  it('serves patterns on the asset column', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 30 }, (_, i) => `v${i % 3},1980,1989,/data/file${i}.nc`).join('\n');
    const json = catalogIn(dir, `variable_id,start_time,end_time,path\n${rows}\n`);
    await loadEsmCatalog(json);
    const cat = await loadEsmCatalog(json);
    expect(cat).to.be.instanceOf(IndexedCatalog);
    expect((await cat.search({ path: 'file1[0-9]?\\.nc$' })).map((r) => r.path)).to.have.length(11);
    await cat.close();
  });
});
