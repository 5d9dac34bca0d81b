import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import { FairpodError, ValidationError, ValidationErrors } from '../../src/core/errors.js';
import { header, isolateIndexCache, tempDir, writeMovedCatalog } from './support.js';

async function failure(promise: Promise<unknown>): Promise<FairpodError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(FairpodError);
  return err as FairpodError;
}

describe('loading ESM catalogs', () => {
  isolateIndexCache();

  describe('a catalog whose header names a table on another machine', () => {
    for (const index of [false, true]) {
      it(`loads the table found beside the header, with a note, and searches it (index: ${index})`, async () => {
        const dir = tempDir();
        const json = writeMovedCatalog(dir);
        // Read-only, as a catalog someone else wrote usually is (no write bit: read-only even for root).
        fs.chmodSync(dir, 0o555);
        const cat = await loadEsmCatalog(json, { index });
        try {
          expect(cat.size).to.equal(8);
          expect(cat.assetColumn).to.equal('path');
          expect(cat.notes.join('\n')).to.match(/does not exist here; using .*moved\.csv/);
          const hits = await cat.search({ variable_id: 'PRECT', frequency: 'day' });
          expect(hits.map((r) => `${r.frequency}:${r.variable_id}`)).to.deep.equal(['day:PRECT']);
          const unique = await cat.uniqueValues(['variable_id']);
          expect([...unique.variable_id!].sort()).to.deep.equal(['PRECT', 'hfls', 'huss', 'pr', 'ta']);
          // The index goes to the (isolated) cache, never into the read-only directory.
          expect(fs.readdirSync(dir).filter((f) => f.includes('index'))).to.deep.equal([]);
        } finally {
          await cat.close();
        }
      });
    }
    it('answers a time-range search on time_range written with times of day', async () => {
      const cat = await loadEsmCatalog(writeMovedCatalog(tempDir()), { index: false });
      const all = await cat.search({});
      const early = await cat.search({}, { timeRange: { start: '1975', end: '1980' } });
      expect(early.map((r) => `${r.frequency}:${r.variable_id}`)).to.deep.equal(['6hr:ta']);
      expect(all).to.have.length(8);
    });
    it('loads the bare CSV with the default header', async () => {
      const dir = tempDir();
      writeMovedCatalog(dir);
      const cat = await loadEsmCatalog(path.join(dir, 'moved.csv'), { index: false });
      expect(cat.header.assets.column_name).to.equal('path');
      expect(cat.header.attributes.map((a) => a.column_name)).to.not.include('path');
      expect(cat.size).to.equal(8);
    });
  });

  it('reads a .csv.gz table, list columns written as Python or JSON lists, and quoted cells', async () => {
    const dir = tempDir();
    const csv =
      'variable_id,realm,long_name,path\ntas,"[\'atmos\', \'land\']","Temp, ""near"" surface",/a\npr,"[""ocean""]",plain,/b\n';
    fs.writeFileSync(path.join(dir, 't.csv.gz'), zlib.gzipSync(csv));
    fs.writeFileSync(path.join(dir, 'c.json'), header('t.csv.gz', ['variable_id', 'realm']));
    const cat = await loadEsmCatalog(path.join(dir, 'c.json'), { index: false });
    expect(cat.notes).to.deep.equal([]);
    expect(await cat.search({})).to.deep.equal([
      { variable_id: 'tas', realm: ['atmos', 'land'], long_name: 'Temp, "near" surface', path: '/a' },
      { variable_id: 'pr', realm: ['ocean'], long_name: 'plain', path: '/b' },
    ]);
  });

  it('reads an inline catalog_dict', async () => {
    const dir = tempDir();
    const rows = [
      { variable_id: 'tas', path: '/a', realm: ['atmos'] },
      { variable_id: 'pr', path: '/b', realm: ['atmos', 'land'] },
    ];
    fs.writeFileSync(
      path.join(dir, 'c.json'),
      header('', ['variable_id'], { catalog_file: undefined, catalog_dict: rows }),
    );
    const cat = await loadEsmCatalog(path.join(dir, 'c.json'));
    expect(await cat.search({ realm: 'land' })).to.deep.equal([rows[1]]);
  });

  it('takes --catalog-file over the header, and a file: URL relative table as written', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'variable_id,path\ntas,/a\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'variable_id,path\npr,/b\npr,/c\n');
    fs.writeFileSync(path.join(dir, 'c.json'), header(`file://${path.join(dir, 'a.csv')}`, ['variable_id']));
    expect((await loadEsmCatalog(path.join(dir, 'c.json'), { index: false })).size).to.equal(1);
    const other = await loadEsmCatalog(path.join(dir, 'c.json'), {
      index: false,
      catalogFile: path.join(dir, 'b.csv'),
    });
    expect(other.size).to.equal(2);
    expect(other.notes).to.deep.equal([]);
  });

  describe('located errors', () => {
    const cases: [string, string, string | undefined, RegExp, { line?: number; key?: string }][] = [
      [
        'bad JSON',
        '{\n  "esmcat_version": "0.1.0",\n  "attributes": [\n}',
        'variable_id,path\n',
        /not valid JSON/,
        { line: 4 },
      ],
      [
        'no assets',
        '{\n  "esmcat_version": "0.1.0",\n  "attributes": [],\n  "catalog_file": "t.csv"\n}',
        'variable_id,path\n',
        /assets/,
        { key: 'assets' },
      ],
      [
        'attribute without column_name',
        '{\n  "esmcat_version": "0.1.0",\n  "attributes": [\n    {"name": "x"}\n  ],\n  "assets": {"column_name": "path", "format": "netcdf"},\n  "catalog_file": "t.csv"\n}',
        'variable_id,path\n',
        /column_name/,
        { line: 4, key: 'attributes.0' },
      ],
      [
        'no table at all',
        '{"esmcat_version": "0.1.0", "attributes": [], "assets": {"column_name": "path", "format": "netcdf"}}',
        undefined,
        /neither catalog_file nor catalog_dict/,
        {},
      ],
      [
        'missing table',
        '{"esmcat_version": "0.1.0", "attributes": [], "assets": {"column_name": "path", "format": "netcdf"}, "catalog_file": "/elsewhere/gone.csv"}',
        undefined,
        /does not exist/,
        { key: 'catalog_file' },
      ],
      [
        'wrong cell count',
        header('t.csv', ['variable_id']),
        'variable_id,path\ntas,/a\npr,/b,extra\n',
        /row has 3 cells, the header row has 2/,
        { line: 3 },
      ],
      [
        'wrong cell count in a plain (near-unique) column, past the first rows',
        header('t.csv', ['variable_id']),
        `variable_id,path\n${Array.from({ length: 5000 }, (_, i) => `tas,/f${i}`).join('\n')}\npr,/b,extra\n`,
        /row has 3 cells, the header row has 2/,
        { line: 5002 },
      ],
      [
        'too few cells',
        header('t.csv', ['variable_id', 'member_id']),
        'variable_id,member_id,path\ntas,r1,/a\npr\n',
        /row has 1 cells, the header row has 3/,
        { line: 3 },
      ],
      [
        'unclosed quote',
        header('t.csv', ['variable_id']),
        'variable_id,path\ntas,/a\n"pr,/b\n',
        /never closed/,
        { line: 3 },
      ],
      [
        'no asset column',
        header('t.csv', ['variable_id']),
        'variable_id,file\ntas,/a\n',
        /no column 'path'/,
        { line: 1 },
      ],
    ];
    for (const [name, json, csv, message, where] of cases) {
      it(name, async () => {
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, 'c.json'), json);
        if (csv !== undefined) fs.writeFileSync(path.join(dir, 't.csv'), csv);
        const err = await failure(loadEsmCatalog(path.join(dir, 'c.json')));
        const one = err instanceof ValidationErrors ? err.errors[0] : err;
        expect(one).to.be.instanceOf(ValidationError);
        expect(one.message).to.match(message);
        expect(one.location.file).to.match(/c\.json$|t\.csv$/);
        if (where.line !== undefined) expect(one.location.line).to.equal(where.line);
        if (where.key !== undefined) expect(one.location.key).to.equal(where.key);
        expect(one.hint).to.be.a('string');
        expect(fs.readdirSync(dir).filter((f) => f.includes('index'))).to.deep.equal([]);
      });
    }
  });

  it('round-trips rows through write and load, lists and quotes included, leaving no temporary file', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 50 }, (_, i) => ({
      source_id: `M${i % 3}`,
      variable_id: ['tas', 'pr'][i % 2],
      long_name: i % 5 === 0 ? 'a, "quoted" name' : 'plain',
      realm: i % 4 === 0 ? ['atmos', "sea'ice"] : ['atmos'],
      path: `/data/f${i}.nc`,
    }));
    const head = {
      esmcat_version: '0.1.0',
      attributes: ['source_id', 'variable_id', 'realm'].map((column_name) => ({
        column_name,
        vocabulary: '',
      })),
      assets: { column_name: 'path', format: 'netcdf' },
    };
    for (const gzip of [false, true]) {
      const written = await writeEsmCatalog(path.join(dir, `c${gzip}.json`), head, rows, { gzip });
      expect(written.rows).to.equal(50);
      const cat = await loadEsmCatalog(written.jsonPath);
      expect(await cat.search({})).to.deep.equal(
        rows.map((r) => ({
          source_id: r.source_id,
          variable_id: r.variable_id,
          realm: r.realm,
          path: r.path,
          long_name: r.long_name,
        })),
      );
      expect(JSON.parse(fs.readFileSync(written.jsonPath, 'utf8')).catalog_file).to.equal(
        path.basename(written.csvPath),
      );
      await cat.close();
    }
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });
});
