import { expect } from 'chai';
import path from 'node:path';
import { IndexedCatalog } from '../../src/catalog/catalogIndex.js';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { MemoryCatalog } from '../../src/catalog/memoryCatalog.js';
import { searchRows } from '../../src/catalog/search.js';
import type { CatalogQuery, CatalogRow, EsmCatalog, SearchOptions } from '../../src/catalog/types.js';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import { ValidationError } from '../../src/core/errors.js';
import { isolateIndexCache, tempDir } from './support.js';

const COLUMNS = [
  'source_id',
  'experiment_id',
  'member_id',
  'variable_id',
  'table_id',
  'realm',
  'start_time',
  'end_time',
  'path',
];
const r = (
  source_id: string,
  experiment_id: string,
  member_id: string,
  variable_id: string,
  table_id: string,
  realm: string[],
  start_time: string,
  end_time: string,
  path: string,
): CatalogRow => ({
  source_id,
  experiment_id,
  member_id,
  variable_id,
  table_id,
  realm,
  start_time,
  end_time,
  path,
});
const ROWS: CatalogRow[] = [
  r('M1', 'hist', 'r1', 'tas', 'Amon', ['atmos'], '1980-01', '1984-12', 'p1'),
  r('M1', 'hist', 'r1', 'pr', 'Amon', ['atmos', 'land'], '1980-01', '1984-12', 'p2'),
  r('M1', 'hist', 'r1', 'tas', 'Amon', ['atmos'], '1985-01', '1989-12', 'p3'),
  r('M1', 'hist', 'r2', 'tas', 'Amon', ['atmos'], '1990-01', '1994-12', 'p4'),
  r('M2', 'hist', 'r1', 'tas', 'Amon', ['atmos'], '1980-01-01', '2014-12-31', 'p5'),
  r('M2', 'hist', 'r1', 'tasmax', 'day', ['atmos'], '19800101', '19841231', 'p6'),
  r('M2', 'ssp585', 'r1', 'pr', 'Amon', ['atmos'], '2015', '2100', 'p7'),
  r('M3', 'hist', 'r1', 'areacella', 'fx', ['atmos'], '', '', 'p8'),
];

const CASES: [string, CatalogQuery, SearchOptions, string[]][] = [
  ['one value', { variable_id: 'tas' }, {}, ['p1', 'p3', 'p4', 'p5']],
  ['values of a column are ORed', { variable_id: ['tas', 'pr'] }, {}, ['p1', 'p2', 'p3', 'p4', 'p5', 'p7']],
  ['columns are ANDed', { variable_id: 'tas', source_id: 'M2' }, {}, ['p5']],
  ['no match', { variable_id: 'nope' }, {}, []],
  ['empty query matches all', {}, {}, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']],
  [
    '* is a regex searched anywhere (intake-esm)',
    { variable_id: 'tas*' },
    {},
    ['p1', 'p3', 'p4', 'p5', 'p6'],
  ],
  ['anchored pattern', { variable_id: '^tas$' }, {}, ['p1', 'p3', 'p4', 'p5']],
  ['/regex/', { variable_id: '/^(pr|tasmax)$/' }, {}, ['p2', 'p6', 'p7']],
  ['? makes a pattern', { member_id: 'r?' }, {}, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']],
  ['pattern ORed with a literal', { variable_id: ['^area', 'pr'] }, {}, ['p2', 'p7', 'p8']],
  ['a list cell matches any of its items', { realm: 'land' }, {}, ['p2']],
  ['a pattern on a list cell', { realm: '^la' }, {}, ['p2']],
  [
    'require_all_on keeps complete groups',
    { variable_id: ['tas', 'pr'] },
    { requireAllOn: ['source_id', 'experiment_id'] },
    ['p1', 'p2', 'p3', 'p4'],
  ],
  [
    'require_all_on by member',
    { variable_id: ['tas', 'pr'] },
    { requireAllOn: ['source_id', 'member_id'] },
    ['p1', 'p2', 'p3', 'p5', 'p7'],
  ],
  [
    'require_all_on over two query columns',
    { variable_id: ['tas', 'pr'], experiment_id: ['hist', 'ssp585'] },
    { requireAllOn: ['source_id'] },
    [],
  ],
  [
    'require_all_on with nothing else asked keeps all',
    { source_id: 'M1' },
    { requireAllOn: ['source_id'] },
    ['p1', 'p2', 'p3', 'p4'],
  ],
  [
    'time range overlap',
    { variable_id: 'tas' },
    { timeRange: { start: '1983', end: '1986' } },
    ['p1', 'p3', 'p5'],
  ],
  [
    'time range touching an end is an overlap',
    { variable_id: 'tas' },
    { timeRange: { start: '1989-12-31', end: '1990-01-01' } },
    ['p3', 'p4', 'p5'],
  ],
  ['time range with compact dates', {}, { timeRange: { start: '20990101', end: '21001231' } }, ['p7', 'p8']],
  [
    'rows without a period are kept',
    { table_id: 'fx' },
    { timeRange: { start: '1850', end: '1851' } },
    ['p8'],
  ],
  [
    'time range and require_all_on',
    { variable_id: ['tas', 'pr'] },
    { timeRange: { start: '1981', end: '1982' }, requireAllOn: ['source_id'] },
    ['p1', 'p2'],
  ],
];

const paths = (rows: CatalogRow[]): string[] => rows.map((row) => String(row.path)).sort();

describe('catalog search semantics', () => {
  isolateIndexCache();
  const engines: Record<string, () => EsmCatalog | undefined> = {};
  let memory: EsmCatalog | undefined;
  let indexed: EsmCatalog | undefined;

  before(async () => {
    const dir = tempDir();
    const json = path.join(dir, 'cat.json');
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
    await memory?.close();
    await indexed?.close();
  });
  engines.memory = () => memory;
  engines.indexed = () => indexed;

  it('loads the engines the cases run on', () => {
    expect(memory).to.be.instanceOf(MemoryCatalog);
    expect(indexed).to.be.instanceOf(IndexedCatalog);
  });

  for (const [name, query, options, expected] of CASES) {
    it(`${name} (rows, memory, indexed)`, async () => {
      expect(paths(searchRows(ROWS, COLUMNS, query, options)), 'rows').to.deep.equal(expected);
      expect(paths(await memory!.search(query, options)), 'memory').to.deep.equal(expected);
      expect(paths(await indexed!.search(query, options)), 'indexed').to.deep.equal(expected);
    });
  }

  it('returns list cells as lists from every engine', async () => {
    for (const cat of [memory!, indexed!]) {
      const [row] = await cat.search({ path: 'p2' });
      expect(row.realm).to.deep.equal(['atmos', 'land']);
      expect(row.member_id).to.equal('r1');
    }
  });

  it('flattens list items in unique values', async () => {
    for (const cat of [memory!, indexed!]) {
      const unique = await cat.uniqueValues(['realm', 'source_id']);
      expect(unique).to.deep.equal({ realm: ['atmos', 'land'], source_id: ['M1', 'M2', 'M3'] });
    }
  });

  it('rejects unknown columns, bad patterns and bad dates with the key and a hint', async () => {
    for (const cat of [memory!, indexed!]) {
      const failures: [CatalogQuery, SearchOptions, string][] = [
        [{ variabel_id: 'tas' }, {}, 'variabel_id'],
        [{ variable_id: '*tas' }, {}, 'variable_id'],
        [{}, { requireAllOn: ['nope'] }, 'nope'],
        [{}, { timeRange: { start: 'last year', end: '1990' } }, 'timeRange'],
        [{}, { timeRange: { start: '1990', end: '1980' } }, 'timeRange'],
      ];
      for (const [query, options, key] of failures) {
        const err = await cat.search(query, options).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, JSON.stringify(query)).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).location.key).to.equal(key);
        expect((err as ValidationError).hint).to.be.a('string');
      }
    }
  });
});
