import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { IndexedCatalog, indexLocations } from '../../src/catalog/catalogIndex.js';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { MemoryCatalog } from '../../src/catalog/memoryCatalog.js';
import { header, isolateIndexCache, tempDir } from './support.js';

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
    expect(changed).to.be.instanceOf(MemoryCatalog);
    expect((await changed.search({ variable_id: 'pr' }))[0].path).to.equal('/c');
    const reread = await loadEsmCatalog(json);
    expect(reread).to.be.instanceOf(IndexedCatalog);
    expect((await reread.search({ variable_id: 'pr' }))[0].path).to.equal('/c');
    await reread.close();
    fs.appendFileSync(path.join(dir, 't.csv'), 'ua,2000,2009,/d\n');
    const grown = await loadEsmCatalog(json);
    expect(grown.size).to.equal(3);
    expect(grown).to.be.instanceOf(MemoryCatalog);
  });

  it('is kept when the table is only touched (same hash)', async () => {
    const dir = tempDir();
    const json = catalogIn(dir, CSV);
    await loadEsmCatalog(json);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 't.csv'), later, later);
    const touched = await loadEsmCatalog(json);
    expect(touched).to.be.instanceOf(IndexedCatalog);
    await touched.close();
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
