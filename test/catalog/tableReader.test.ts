import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseColumnTable, readAndParseTable } from '../../src/catalog/tableReader.js';
import { ValidationError } from '../../src/core/errors.js';
import { isolateIndexCache, tempDir } from './support.js';

/** Every row of a table as raw text cells. */
function cells(table: { size: number; columns: string[]; text(c: number, i: number): string }): string[][] {
  return Array.from({ length: table.size }, (_, i) => table.columns.map((_, c) => table.text(c, i)));
}

// A BOM, CRLF and LF endings, an empty line, repeated leading cells (the prefix comparison), a cell longer and one
// shorter than the previous row's, quoted cells with commas, "" and a newline, and a last line without newline.
const CSV =
  '\ufeffvariable_id,member_id,time_range,path\r\n' +
  'tas,r1,1850-1899,/a\r\n' +
  'tas,r1,1900-1949,/b\n' +
  '\n' +
  'tas,r1,1900-1949,/c\n' +
  'tas,r10,1900-1949,/d\n' +
  'tas,r,1900-1949,/e\n' +
  '"pr, total","r1","1850-1899","/x ""quoted""\nname"\n' +
  'pr,r1,1850-1899,/f\n' +
  'pr,r1,1850-1899,/g';

const EXPECTED = [
  ['tas', 'r1', '1850-1899', '/a'],
  ['tas', 'r1', '1900-1949', '/b'],
  ['tas', 'r1', '1900-1949', '/c'],
  ['tas', 'r10', '1900-1949', '/d'],
  ['tas', 'r', '1900-1949', '/e'],
  ['pr, total', 'r1', '1850-1899', '/x "quoted"\nname'],
  ['pr', 'r1', '1850-1899', '/f'],
  ['pr', 'r1', '1850-1899', '/g'],
];

describe('the table reader', () => {
  isolateIndexCache();

  it('reads a table whole', () => {
    const table = parseColumnTable('t.csv', Buffer.from(CSV));
    expect(table.columns).to.deep.equal(['variable_id', 'member_id', 'time_range', 'path']);
    expect(cells(table)).to.deep.equal(EXPECTED);
  });

  it('reads the same table in chunks ending anywhere (inside cells, quotes, CRLF and the BOM)', async () => {
    const file = path.join(tempDir(), 't.csv');
    fs.writeFileSync(file, CSV);
    for (const chunk of [1, 2, 3, 5, 7, 13, 64]) {
      const { table, sha1 } = await readAndParseTable(file, chunk);
      expect(cells(table), `chunks of ${chunk} bytes`).to.deep.equal(EXPECTED);
      expect(sha1).to.equal(crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex'));
    }
  });

  it('locates a wrong row and an unclosed quote at their line, in chunks too', async () => {
    const dir = tempDir();
    const cases: [string, RegExp, number][] = [
      ['a,path\nx,/1\ny,/2,z\n', /row has 3 cells/, 3],
      ['a,path\nx,/1\n"multi\nline",/2,z\n', /row has 3 cells/, 3],
      ['a,path\nx,/1\n\n"open,/2\n', /never closed/, 4],
    ];
    for (const [csv, message, line] of cases) {
      const file = path.join(dir, 'bad.csv');
      fs.writeFileSync(file, csv);
      for (const chunk of [3, 1 << 20]) {
        const err = await readAndParseTable(file, chunk).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).message).to.match(message);
        expect((err as ValidationError).location?.line, `${csv} in chunks of ${chunk}`).to.equal(line);
      }
    }
  });
});
