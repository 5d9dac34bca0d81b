import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { isolateIndexCache } from '../catalog/support.js';
import { examplesDir } from './examples.js';

const EXAMPLES_DIR = examplesDir('esm-catalogs');

describe('interop: loading ESM catalogs others wrote', () => {
  isolateIndexCache();

  describe('the ESM catalogs of MDTF-diagnostics', () => {
    const jsons = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));
    it('are there', () => expect(jsons.length).to.be.greaterThan(0));
    for (const name of jsons) {
      for (const index of [false, true]) {
        it(`${name} loads and searches (index: ${index})`, async () => {
          const cat = await loadEsmCatalog(path.join(EXAMPLES_DIR, name), { index });
          try {
            const csvLines = fs
              .readFileSync(path.join(EXAMPLES_DIR, name.replace(/\.json$/, '.csv')), 'utf8')
              .trim()
              .split('\n').length;
            expect(cat.size).to.equal(csvLines - 1);
            expect(cat.assetColumn).to.equal('path');
            // The header's table is on another machine: found beside the JSON, with a note.
            expect(cat.notes.join('\n')).to.match(/does not exist here; using .*\.csv/);
            const [first] = await cat.search({});
            const hits = await cat.search({
              variable_id: String(first.variable_id),
              frequency: String(first.frequency),
            });
            expect(hits.length).to.be.greaterThan(0);
            expect(hits.every((row) => row.variable_id === first.variable_id)).to.equal(true);
            const unique = await cat.uniqueValues(['variable_id']);
            expect(unique.variable_id).to.include(first.variable_id);
          } finally {
            await cat.close();
          }
        });
      }
    }
    it('never writes an index into their read-only directory', () => {
      expect(fs.readdirSync(EXAMPLES_DIR).filter((f) => f.includes('index'))).to.deep.equal([]);
    });
    it('answers a time-range search on time_range written with times of day', async () => {
      const cat = await loadEsmCatalog(path.join(EXAMPLES_DIR, 'tests__esm_catalog_test_ubuntu.json'), {
        index: false,
      });
      const all = await cat.search({});
      const before1990 = await cat.search({}, { timeRange: { start: '1975', end: '1980' } });
      expect(before1990.length).to.be.greaterThan(0).and.lessThan(all.length);
      expect(before1990.every((row) => String(row.start_time) < '1981')).to.equal(true);
    });
    it('loads a bare CSV with the default header', async () => {
      const cat = await loadEsmCatalog(path.join(EXAMPLES_DIR, 'tests__esm_catalog_test_ubuntu.csv'), {
        index: false,
      });
      expect(cat.header.assets.column_name).to.equal('path');
      expect(cat.header.attributes.map((a) => a.column_name)).to.not.include('path');
      expect(cat.size).to.equal(58);
    });
  });
});
