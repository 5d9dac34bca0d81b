import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseColumnTable, readAndParseTable } from '../../src/catalog/tableReader.js';
import { ValidationError } from '../../src/core/errors.js';
import { isolateIndexCache, tempDir } from './support.js';
import { allocations } from '../support/allocations.js';

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
      const { table, sha1 } = await readAndParseTable(file, { blockBytes: chunk });
      expect(cells(table), `chunks of ${chunk} bytes`).to.deep.equal(EXPECTED);
      expect(sha1).to.equal(crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex'));
    }
    // Without an index to key, nothing is hashed.
    expect((await readAndParseTable(file, { hash: false })).sha1).to.equal(undefined);
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
        const err = await readAndParseTable(file, { blockBytes: chunk }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).message).to.match(message);
        expect((err as ValidationError).location?.line, `${csv} in chunks of ${chunk}`).to.equal(line);
      }
    }
  });

  it('carries a record longer than the room before a block (a 100 kB quoted cell with a comma, quotes, a newline)', async () => {
    const long = `/data/${'a'.repeat(50_000)}, "c"\nline 2,${'b'.repeat(50_000)}.nc`;
    const quoted = `"${long.replaceAll('"', '""')}"`;
    const csv = `variable_id,path\r\ntas,/a\r\npr,${quoted}\r\nua,/b\r\n`;
    const file = path.join(tempDir(), 'long.csv');
    fs.writeFileSync(file, csv);
    for (const block of [4096, 70_000, 1 << 20]) {
      const { table } = await readAndParseTable(file, { blockBytes: block });
      expect(cells(table), `blocks of ${block} bytes`).to.deep.equal([
        ['tas', '/a'],
        ['pr', long],
        ['ua', '/b'],
      ]);
    }
  });

  it('parses many rows in small blocks as it parses them whole: plain and list columns, codes across blocks', async () => {
    // More rows than the probe that decides which columns are plain, so that plain cells come from many blocks.
    const lines = Array.from({ length: 9000 }, (_, i) => {
      const list = i % 5 === 0 ? '' : `"['atmos', 'r${i}']"`;
      return `${['tas', 'pr', 'ua'][Math.floor(i / 7) % 3]},r${i % 4}i1p1f1,${list},/data/${i % 3 ? 'x' : '"q"'}/f${i}.nc`;
    });
    const csv = `variable_id,member_id,realm,path\n${lines.join('\n')}\n`;
    const file = path.join(tempDir(), 'many.csv');
    fs.writeFileSync(file, csv);
    const whole = parseColumnTable(file, Buffer.from(csv));
    for (const block of [97, 1000, 65_536]) {
      const { table } = await readAndParseTable(file, { blockBytes: block });
      expect(cells(table), `blocks of ${block} bytes`).to.deep.equal(cells(whole));
      expect(table.listColumns()).to.deep.equal(['realm']);
      expect(table.cell(2, 1)).to.deep.equal(['atmos', 'r1']);
      expect(table.stored[3].kind).to.equal('plain');
    }
  });

  it('reads the cells of plain columns from the table file, and refuses to once the file changed', async () => {
    const file = path.join(tempDir(), 'p.csv');
    const rows = Array.from({ length: 5000 }, (_, i) => `tas,/data/f${i}.nc`);
    fs.writeFileSync(file, `variable_id,path\n${rows.join('\n')}\n`);
    const { table } = await readAndParseTable(file, { blockBytes: 4096 });
    expect(table.text(1, 4321)).to.equal('/data/f4321.nc');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(file, later, later);
    const again = (await readAndParseTable(file, { blockBytes: 4096 })).table;
    fs.appendFileSync(file, 'pr,/data/new.nc\n');
    expect(() => again.cells(1, [10, 20])).to.throw(/changed while this catalog was in use/);
  });

  // Cells up to 64 KiB apart were read with their gaps: a search of scattered rows read most of the table.
  it('reads scattered cells of a plain column without the bytes between them', async () => {
    const file = path.join(tempDir(), 'sparse.csv');
    const rows = Array.from({ length: 20000 }, (_, i) => `tas,/data/${String(i).padStart(6, '0')}.nc`);
    fs.writeFileSync(file, `variable_id,path\n${rows.join('\n')}\n`);
    const { table } = await readAndParseTable(file, { blockBytes: 4096 });
    const ids = Array.from({ length: 50 }, (_, k) => k * 400);
    const readSync = fs.readSync;
    let bytes = 0;
    fs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
      const n = readSync(...args);
      bytes += n;
      return n;
    }) as typeof fs.readSync;
    let texts: (string | string[])[];
    try {
      texts = table.cells(1, ids);
    } finally {
      fs.readSync = readSync;
    }
    expect(texts).to.deep.equal(ids.map((i) => `/data/${String(i).padStart(6, '0')}.nc`));
    // Rows 400 apart are 8 kB apart here (20 bytes a row): each cell is read alone.
    expect(bytes).to.equal(50 * '/data/000000.nc'.length);
  });

  // Two 16 MiB blocks were taken for every table, however small.
  it('reads a small table into buffers the size of a small table', async () => {
    const file = path.join(tempDir(), 'small.csv');
    fs.writeFileSync(file, CSV);
    let table: Awaited<ReturnType<typeof readAndParseTable>>['table'] | undefined;
    const sizes = await allocations(async () => ({ table } = await readAndParseTable(file, { hash: false })));
    expect(Math.max(...sizes)).to.be.at.most(64 * 1024 + CSV.length * 4);
    expect(cells(table!)).to.deep.equal(EXPECTED);
  });

  it('refuses a table of more than 4 GiB with a clear error', async () => {
    const file = path.join(tempDir(), 'huge.csv');
    fs.writeFileSync(file, 'variable_id,path\n');
    fs.truncateSync(file, 2 ** 32 + 1); // sparse: nothing is written
    const err = await readAndParseTable(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ValidationError);
    expect((err as ValidationError).message).to.match(/more than the 4 GiB/);
    expect((err as ValidationError).location?.file).to.equal(file);
  });
});
