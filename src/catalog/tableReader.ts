/**
 * Reading a catalog's CSV table into a ColumnTable.
 *
 * Written by hand rather than with csv-parse, and over bytes rather than strings: the table is read whole into
 * one buffer, and the reader walks it byte by byte, handing the builder each cell as a byte range. A cell equal to
 * the previous row's costs a byte comparison, a plain cell (a path) only the search for its end, and no string is
 * made for either. Lines holding a quote take the slow path (RFC 4180 via `splitQuotedLine`: `""` escapes,
 * newlines inside quotes). In bench/catalog.ts this loads a million-row catalog several times faster than
 * splitting lines into strings, which was itself 13x faster than csv-parse.
 */
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ValidationError } from '../core/errors.js';
import { ColumnTable, ColumnTableBuilder } from './columnTable.js';
import { splitQuotedLine } from './csvTable.js';

const gunzip = promisify(zlib.gunzip);
const NL = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;

/** A table file as read: its bytes on disk and its text bytes (gunzipped for `.gz`). */
export interface TableBytes {
  raw: Buffer;
  text: Buffer;
}

/** Reads a table file whole, gunzipping `.gz` files. */
export async function readTableBytes(file: string): Promise<TableBytes> {
  const raw = await fs.readFile(file);
  if (!file.endsWith('.gz')) return { raw, text: raw };
  try {
    return { raw, text: await gunzip(raw) };
  } catch (err) {
    throw new ValidationError(`not a readable gzip file: ${(err as Error).message}`, {
      location: { file },
      hint: 'gzip the table again, or give the uncompressed .csv',
      cause: err,
    });
  }
}

/** Reads a CSV (or .csv.gz) table into a ColumnTable. */
export async function readColumnTable(file: string): Promise<ColumnTable> {
  return parseColumnTable(file, (await readTableBytes(file)).text);
}

/**
 * Parses the CSV text `buf` of `file` into a ColumnTable. Empty lines are skipped. A row with the wrong number of
 * cells, a header with duplicate or empty names, or an unclosed quote is a ValidationError located at its line.
 */
export function parseColumnTable(file: string, buf: Buffer): ColumnTable {
  const len = buf.length;
  let pos = len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 0;
  let nextQuote = buf.indexOf(QUOTE, pos);
  let builder: ColumnTableBuilder | undefined;
  let width = 0;

  /** Fields of the record starting at `pos` (one or more lines, when quotes span them) via the slow path. */
  const quotedRecord = (): string[] => {
    const firstLine = line;
    let end = pos;
    for (;;) {
      const nl = buf.indexOf(NL, end);
      end = nl === -1 ? len : nl;
      const text = buf.toString('utf8', pos, end).replace(/\r(?=\n|$)/g, '');
      const fields = text.indexOf('"') === -1 ? text.split(',') : splitQuotedLine(text);
      if (fields !== undefined) {
        pos = end + 1;
        nextQuote = buf.indexOf(QUOTE, pos);
        return fields;
      }
      if (nl === -1) {
        throw new ValidationError('a quoted field is never closed', {
          location: { file, line: firstLine },
          hint: 'close the quote (a literal quote inside a quoted field is written "")',
        });
      }
      line++;
      end = nl + 1;
    }
  };
  const wrongWidth = (cells: number): never => {
    throw new ValidationError(`row has ${cells} cells, the header row has ${width}`, {
      location: { file, line },
      hint: 'quote cells holding commas ("a, b"), or fix the number of separators on this line',
    });
  };

  while (pos < len) {
    line++;
    const nl = buf.indexOf(NL, pos);
    const lineEnd = nl === -1 ? len : nl;
    const end = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (end === pos) {
      pos = lineEnd + 1;
      continue;
    }
    if (!builder) {
      const quoted = nextQuote !== -1 && nextQuote < lineEnd;
      const names = (quoted ? quotedRecord() : splitLine(buf, pos, end)).map((f) => f.trim());
      if (!quoted) pos = lineEnd + 1;
      builder = headerBuilder(file, line, names);
      width = names.length;
      continue;
    }
    if (nextQuote !== -1 && nextQuote < lineEnd) {
      const recordLine = line;
      const fields = quotedRecord();
      if (fields.length !== width) {
        line = recordLine;
        wrongWidth(fields.length);
      }
      builder.beginRow();
      for (let c = 0; c < width; c++) builder.addString(c, fields[c]);
      builder.endRow();
      continue;
    }
    builder.beginRow();
    let p = pos;
    for (let c = 0; c < width; c++) {
      const last = c === width - 1;
      let e: number;
      if (builder.isPlain(c)) {
        // A plain cell's bytes are never compared: let indexOf find its end.
        e = buf.indexOf(COMMA, p);
        if (last) {
          if (e !== -1 && e < end) wrongWidth(splitLine(buf, pos, end).length);
          e = end;
        } else if (e === -1 || e >= end) wrongWidth(splitLine(buf, pos, end).length);
      } else {
        e = p;
        while (e < end && buf[e] !== COMMA) e++;
        if (last ? e !== end : e === end) wrongWidth(splitLine(buf, pos, end).length);
      }
      builder.addBytes(c, p, e);
      p = e + 1;
    }
    builder.endRow();
    pos = lineEnd + 1;
  }
  if (!builder) {
    throw new ValidationError('the catalog table is empty', {
      location: { file, line: 1 },
      hint: 'the first row must name the columns',
    });
  }
  return builder.finish();

  function headerBuilder(f: string, at: number, names: string[]): ColumnTableBuilder {
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined || names.some((n) => n === '')) {
      throw new ValidationError(
        dup !== undefined
          ? `column '${dup}' appears twice in the header row`
          : 'the header row has an empty column name',
        { location: { file: f, line: at }, hint: 'give every column of the first row a distinct name' },
      );
    }
    const b = new ColumnTableBuilder(names);
    b.setSource(buf);
    return b;
  }
}

function splitLine(buf: Buffer, start: number, end: number): string[] {
  return buf.toString('utf8', start, end).split(',');
}
