/**
 * The CSV table of an ESM catalog: streamed record reading, field formatting, and list-valued cells.
 *
 * Written by hand rather than with csv-parse: catalogs reach millions of rows, and a parser that takes the
 * quote-free fast path (`line.split(',')`, which is nearly every catalog line) reads them several times faster
 * than csv-parse's character-by-character state machine in the bench (bench/catalog.ts). Quoted fields (RFC 4180,
 * `""` escapes, newlines inside quotes) take the slow path.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { ValidationError } from '../core/errors.js';

/** Called for each record of the table, with the 1-based line number where it starts. */
export type RecordHandler = (fields: string[], line: number) => void;

/** Opens a catalog table for reading, gunzipping `.gz` files. */
export function openTable(file: string): Readable {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  return stream;
}

/**
 * Streams the records of a CSV table to `onRecord`, line by line, without holding the file in memory.
 * Empty lines are skipped. Returns the number of physical lines read.
 */
export async function readCsvRecords(file: string, onRecord: RecordHandler): Promise<number> {
  let carry = '';
  let lineNo = 0;
  // A record whose quoted field spans lines: its text so far and its first line.
  let pending: string | undefined;
  let pendingLine = 0;
  const handleLine = (raw: string): void => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = pending === undefined ? line : `${pending}\n${line}`;
    const start = pending === undefined ? lineNo : pendingLine;
    if (text.indexOf('"') === -1) {
      pending = undefined;
      if (text.length > 0) onRecord(text.split(','), start);
      return;
    }
    const fields = splitQuotedLine(text);
    if (fields === undefined) {
      if (pending === undefined) pendingLine = lineNo;
      pending = text;
      return;
    }
    pending = undefined;
    onRecord(fields, start);
  };
  for await (const chunk of openTable(file) as AsyncIterable<string>) {
    const text = carry + chunk;
    let from = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', from)) !== -1) {
      handleLine(text.slice(from, nl));
      from = nl + 1;
    }
    carry = text.slice(from);
  }
  if (carry.length > 0) handleLine(carry);
  if (pending !== undefined) {
    throw new ValidationError('a quoted field is never closed', {
      location: { file, line: pendingLine },
      hint: 'close the quote (a literal quote inside a quoted field is written "")',
    });
  }
  return lineNo;
}

/** Splits one CSV record that contains quotes; undefined when a quoted field is still open at the end. */
export function splitQuotedLine(text: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return undefined;
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      // Anything between the closing quote and the next comma is kept, as lenient readers do.
      const comma = text.indexOf(',', j);
      fields.push(comma === -1 ? value + text.slice(j) : value + text.slice(j, comma));
      if (comma === -1) return fields;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/** One CSV field, quoted only when it must be. */
export function formatCsvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Parses a list-valued cell: `['a', 'b']` (Python literal, as intake-esm writes them), `("a",)` or a JSON list. */
export function parseListValue(cell: string): string[] | undefined {
  const text = cell.trim();
  const open = text[0];
  const close = text[text.length - 1];
  if (!((open === '[' && close === ']') || (open === '(' && close === ')'))) return undefined;
  const body = text.slice(1, -1).trim();
  if (body === '') return [];
  const items: string[] = [];
  // A quoted string (either quote, backslash escapes) or a bare token (numbers, None), then a comma or the end.
  const item = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"\s][^,]*?))\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    item.lastIndex = pos;
    const m = item.exec(body);
    if (!m) return undefined;
    const quoted = m[1] ?? m[2];
    items.push(quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : m[3]);
    pos = item.lastIndex;
    if (m[4] === '') break;
  }
  return items;
}

/** Writes a list the way intake-esm does (`['a', 'b']`), so that intake-esm reads it back as a list. */
export function formatListValue(items: string[]): string {
  return `[${items.map((s) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')}]`;
}
