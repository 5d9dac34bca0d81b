/**
 * Reading a catalog's CSV table into a ColumnTable.
 *
 * Written by hand rather than with csv-parse, and over bytes rather than strings: the table is read in blocks, and
 * the reader walks each byte by byte, handing the builder each cell as a byte range. A cell equal to the previous
 * row's costs a byte comparison, a plain cell (a path) only the search for its end, and no string is made for
 * either. Lines holding a quote take the slow path (RFC 4180 via `splitQuotedLine`: `""` escapes,
 * newlines inside quotes). In bench/catalog.ts this loads a million-row catalog several times faster than
 * splitting lines into strings, which was itself 13x faster than csv-parse.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ValidationError } from '../core/errors.js';
import { ColumnTable, ColumnTableBuilder } from './columnTable.js';
import { splitQuotedLine } from './csvTable.js';
import type { SnapshotFile } from './snapshotFile.js';
import { FollowHash } from '../store/followHash.js';

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
  return (await readAndParseTable(file)).table;
}

// Bytes read at a time while the previous block is parsed.
const BLOCK = 16 << 20;
// Room before each block for the record the previous block ended inside (a longer one is joined by a copy).
const HEAD = 64 << 10;
// Cell ranges are Uint32 offsets in the table.
const MAX_TABLE_BYTES = 2 ** 32 - 1;

/**
 * Reads and parses a table file, with the SHA-1 of its bytes when `hash` (what its index is keyed by; for a plain
 * CSV hashed by a worker thread while the table is parsed; undefined when the file changed while it was read).
 *
 * A plain CSV is read in blocks of `blockBytes` (tests make them tiny to put block ends everywhere), each read
 * running (in libuv's thread pool) while the block before it is parsed, into two buffers used in turn: the text is
 * never held whole (a 1M-row table is 213 MB, and with the table and its index it made the first load's peak
 * 620 MB). A record cut by a block's end is carried to the next. The cells of plain columns (the paths) are kept as
 * offsets in the file and read from it when a search returns their rows (see PlainColumn.lazy). A `.gz` is
 * gunzipped whole first (it cannot be read at an offset).
 */
export async function readAndParseTable(
  file: string,
  { blockBytes = BLOCK, hash = true }: { blockBytes?: number; hash?: boolean } = {},
): Promise<{ table: ColumnTable; sha1: string | undefined }> {
  if (file.endsWith('.gz')) {
    const { raw, text } = await readTableBytes(file);
    tooLarge(file, text.length);
    return { table: parseColumnTable(file, text), sha1: hash ? sha1Hex(raw) : undefined };
  }
  const handle = await fs.open(file, 'r');
  // The SHA-1 the index is keyed by, computed by the hashing thread a block behind the parse (on this thread it
  // took 180 ms of a 1.6 s plan of a 1M-row table).
  let hashing: FollowHash | undefined;
  try {
    const stat = await handle.stat();
    const { size } = stat;
    tooLarge(file, size);
    if (hash) hashing = new FollowHash(file, ['sha1']);
    const parser = new TableParser(file, size);
    // No larger than the table: a small catalog's load does not take 32 MiB (see hashInto for what that costs).
    const room = HEAD + Math.min(blockBytes, size);
    const buffers = [Buffer.allocUnsafe(room), Buffer.allocUnsafe(room)];
    let carry = Buffer.alloc(0);
    let offset = 0;
    let k = 0;
    let pending = handle.read(buffers[0], HEAD, Math.min(blockBytes, size), 0);
    for (;;) {
      const { bytesRead } = await pending;
      offset += bytesRead;
      hashing?.written(offset);
      // A file that shrank while read ends where its bytes end.
      const eof = bytesRead === 0 || offset >= size;
      if (!eof) pending = handle.read(buffers[1 - k], HEAD, Math.min(blockBytes, size - offset), offset);
      const block = buffers[k].subarray(HEAD, HEAD + bytesRead);
      let window: Buffer;
      if (carry.length <= HEAD) {
        carry.copy(buffers[k], HEAD - carry.length);
        window = buffers[k].subarray(HEAD - carry.length, HEAD + bytesRead);
      } else window = Buffer.concat([carry, block]);
      const used = parser.parse(window, offset - bytesRead - carry.length, eof);
      if (eof) break;
      // A copy: this buffer receives the read after next.
      carry = Buffer.from(window.subarray(used));
      k = 1 - k;
    }
    const table = parser.finish({
      file,
      ino: stat.ino,
      size,
      mtimeMs: stat.mtimeMs,
      offset: 0,
      length: size,
    });
    const hashed = hashing?.finish(size);
    hashing = undefined;
    // Awaited below only when it is used: a rejection is otherwise nobody's.
    hashed?.catch(() => undefined);
    // The thread read the file on its own: its hash is the parsed bytes' only if the file did not change meanwhile
    // (one that shrank fails the hash, and has no index either).
    const after = await handle.stat();
    const same = after.size === size && after.mtimeMs === stat.mtimeMs && after.ino === stat.ino;
    return { table, sha1: same ? (await hashed)?.sha1 : undefined };
  } catch (err) {
    hashing?.abort();
    throw err;
  } finally {
    await handle.close();
  }
}

function sha1Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha1').update(bytes).digest('hex');
}

function tooLarge(file: string, bytes: number): void {
  if (bytes > MAX_TABLE_BYTES)
    throw new ValidationError(`the catalog table is ${bytes} bytes, more than the 4 GiB fairpod reads`, {
      location: { file },
      hint: 'split the catalog into several tables (one per model or experiment)',
    });
}

/**
 * Parses the CSV text `buf` of `file` into a ColumnTable. Empty lines are skipped. A row with the wrong number of
 * cells, a header with duplicate or empty names, or an unclosed quote is a ValidationError located at its line.
 */
export function parseColumnTable(file: string, buf: Buffer): ColumnTable {
  const parser = new TableParser(file, buf.length);
  parser.parse(buf, 0, true);
  return parser.finish();
}

/**
 * A CSV parser over a table's blocks: each `parse` is given a window of the table's bytes (where the previous one
 * stopped, then new bytes), parses the complete records in it and says where the rest starts.
 */
class TableParser {
  private pos = 0;
  private bomChecked = false;
  private line = 0;
  private nextQuote = -1;
  private builder: ColumnTableBuilder | undefined;
  private width = 0;
  // The previous row's cell of each dictionary column (its bytes in `buf`, or -1) and its code: most catalog rows
  // repeat their neighbour's facets.
  private prevStart = new Int32Array(0);
  private prevEnd = new Int32Array(0);
  private prevCode = new Uint32Array(0);
  // The previous fast-path row: where its line starts, its cells' offsets in the line, and how many leading cells
  // it shared with the row before it (the prefix the next row is compared on).
  private prevLine = 0;
  private cellStart = new Int32Array(0);
  private cellEnd = new Int32Array(0);
  private leading = 0;
  private reserved = false;
  // The current window and where it starts in the table.
  private buf: Buffer = Buffer.alloc(0);
  private base = 0;
  private words: DataView = new DataView(new ArrayBuffer(0));

  /** A parser of `file`, whose text is `size` bytes. */
  constructor(
    private readonly file: string,
    private readonly size: number,
  ) {}

  /**
   * Parses the complete records of `window`, the table's bytes from offset `base` on (all of them when `eof`); returns
   * how many bytes of it were parsed: the rest (a record the window ends inside) must start the next window.
   */
  parse(window: Buffer, base: number, eof: boolean): number {
    // Cells compared with the previous row's are in this window only: the comparisons start afresh.
    this.buf = window;
    this.base = base;
    this.words = new DataView(window.buffer, window.byteOffset, window.byteLength);
    this.prevStart.fill(-1);
    this.leading = 0;
    this.nextQuote = -1;
    this.pos = 0;
    const available = window.length;
    const buf = window;
    const view = window;
    let { width, prevStart, prevEnd, prevCode, cellStart, cellEnd } = this;
    let pos = 0;
    if (!this.bomChecked && (available >= 3 || eof)) {
      this.bomChecked = true;
      if (available >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    if (!this.bomChecked) return 0;
    this.nextQuote = view.indexOf(QUOTE, pos);
    let builder = this.builder;
    builder?.setSource(window, base);
    while (pos < available) {
      const nl = view.indexOf(NL, pos);
      if (nl === -1 && !eof) break;
      this.line++;
      const lineEnd = nl === -1 ? available : nl;
      const end = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      if (end === pos) {
        pos = lineEnd + 1;
        continue;
      }
      const quoted = this.nextQuote !== -1 && this.nextQuote < lineEnd;
      if (!builder || quoted) {
        this.pos = pos;
        const recordLine = this.line;
        const fields = quoted ? this.quotedRecord(view, eof) : splitLine(buf, pos, end);
        if (fields === undefined) return this.pos; // a quoted record continues beyond the window
        pos = quoted ? this.pos : lineEnd + 1;
        if (!builder) {
          builder = this.start(fields.map((f) => f.trim()));
          ({ width, prevStart, prevEnd, prevCode, cellStart, cellEnd } = this);
          continue;
        }
        if (fields.length !== width) {
          this.line = recordLine;
          this.wrongWidth(fields.length);
        }
        builder.beginRow();
        for (let c = 0; c < width; c++) builder.addString(c, fields[c]);
        builder.endRow();
        prevStart.fill(-1);
        this.leading = 0;
        continue;
      }
      if (!this.reserved && builder.size === 1024) this.reserve(builder, pos);
      builder.beginRow();
      let p = pos;
      let first = 0;
      // Rows in DRS order repeat the previous row's leading cells (all facets up to the period): one comparison of
      // that prefix, four bytes at a time, settles them at once instead of a byte loop per cell.
      const lead = this.leading;
      if (lead > 0) {
        const k = cellEnd[lead - 1] + 1; // through the separator after the last leading cell
        const prev = this.prevLine;
        if (end - pos > k && sameBytes(this.words, prev, pos, k)) {
          for (let c = 0; c < lead; c++) {
            const s = pos + cellStart[c];
            const e = pos + cellEnd[c];
            if (builder.isPlain(c)) builder.addBytes(c, s, e);
            else builder.addCode(c, prevCode[c], s, e);
          }
          p = pos + k;
          first = lead;
        }
      }
      let same = first; // leading cells equal to the previous row's, for the next row's comparison
      for (let c = first; c < width; c++) {
        const last = c === width - 1;
        let e: number;
        cellStart[c] = p - pos;
        if (builder.isPlain(c)) {
          // A plain cell's bytes are never compared: let indexOf find its end.
          e = view.indexOf(COMMA, p);
          if (last) {
            if (e !== -1 && e < end) this.wrongWidth(splitLine(buf, pos, end).length);
            e = end;
          } else if (e === -1 || e >= end) this.wrongWidth(splitLine(buf, pos, end).length);
          builder.addBytes(c, p, e);
        } else {
          // One pass finds the cell's end and compares it with the previous row's cell. Where the previous cell
          // ends, its buffer holds a separator where this cell's bytes are not, so a longer cell differs there.
          const ps = prevStart[c];
          let equal = ps >= 0;
          let q = ps;
          e = p;
          while (e < end) {
            const b = buf[e];
            if (b === COMMA) break;
            if (equal && buf[q] !== b) equal = false;
            e++;
            q++;
          }
          if (last ? e !== end : e === end) this.wrongWidth(splitLine(buf, pos, end).length);
          if (equal && q === prevEnd[c]) {
            builder.addCode(c, prevCode[c], p, e);
            if (same === c) same++;
          } else {
            prevCode[c] = builder.addBytes(c, p, e);
            prevStart[c] = p;
            prevEnd[c] = e;
          }
        }
        cellEnd[c] = e - pos;
        p = e + 1;
      }
      builder.endRow();
      // The last cell is never part of the prefix: its end is the line's, not a separator.
      this.leading = Math.min(same, width - 1);
      this.prevLine = pos;
      pos = lineEnd + 1;
    }
    return Math.min(pos, available);
  }

  /** The finished table (see ColumnTableBuilder.finish); a table without even a header row is an error. */
  finish(inFile?: SnapshotFile & { offset: number; length: number }): ColumnTable {
    if (!this.builder) {
      throw new ValidationError('the catalog table is empty', {
        location: { file: this.file, line: 1 },
        hint: 'the first row must name the columns',
      });
    }
    return this.builder.finish(inFile);
  }

  /** Sizes the columns for the rows the whole buffer will hold, judging by the first rows: no growing copies. */
  private reserve(builder: ColumnTableBuilder, pos: number): void {
    this.reserved = true;
    builder.reserve(Math.ceil((builder.size / (this.base + pos)) * this.size * 1.05));
  }

  private start(names: string[]): ColumnTableBuilder {
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined || names.some((n) => n === '')) {
      throw new ValidationError(
        dup !== undefined
          ? `column '${dup}' appears twice in the header row`
          : 'the header row has an empty column name',
        {
          location: { file: this.file, line: this.line },
          hint: 'give every column of the first row a distinct name',
        },
      );
    }
    const builder = new ColumnTableBuilder(names);
    builder.setSource(this.buf, this.base);
    this.builder = builder;
    this.width = names.length;
    this.prevStart = new Int32Array(this.width).fill(-1);
    this.prevEnd = new Int32Array(this.width);
    this.prevCode = new Uint32Array(this.width);
    this.cellStart = new Int32Array(this.width);
    this.cellEnd = new Int32Array(this.width);
    return builder;
  }

  /**
   * Fields of the record starting at `this.pos` (one or more lines, when quotes span them) via the slow path; moves
   * `pos` past it. Undefined when the record continues beyond the bytes read (then nothing moves).
   */
  private quotedRecord(view: Buffer, eof: boolean): string[] | undefined {
    const { pos } = this;
    const firstLine = this.line;
    let end = pos;
    for (;;) {
      const nl = view.indexOf(NL, end);
      end = nl === -1 ? view.length : nl;
      const text = view.toString('utf8', pos, end).replace(/\r(?=\n|$)/g, '');
      const fields = text.indexOf('"') === -1 ? text.split(',') : splitQuotedLine(text);
      if (fields !== undefined && (nl !== -1 || eof)) {
        this.pos = end + 1;
        this.nextQuote = view.indexOf(QUOTE, this.pos);
        return fields;
      }
      if (nl === -1) {
        if (!eof) {
          this.line = firstLine - 1; // the record's first line is counted again when it is parsed whole
          return undefined;
        }
        this.line = firstLine;
        throw new ValidationError('a quoted field is never closed', {
          location: { file: this.file, line: firstLine },
          hint: 'close the quote (a literal quote inside a quoted field is written "")',
        });
      }
      this.line++;
      end = nl + 1;
    }
  }

  private wrongWidth(cells: number): never {
    throw new ValidationError(`row has ${cells} cells, the header row has ${this.width}`, {
      location: { file: this.file, line: this.line },
      hint: 'quote cells holding commas ("a, b"), or fix the number of separators on this line',
    });
  }
}

/**
 * Whether the `k` bytes at `a` and at `b` are equal, compared four at a time (DataView reads need no alignment).
 * Faster than Buffer.compare here: its argument checks and native call cost more than comparing ~70 bytes.
 */
function sameBytes(words: DataView, a: number, b: number, k: number): boolean {
  let j = 0;
  for (; j + 4 <= k; j += 4) if (words.getUint32(a + j) !== words.getUint32(b + j)) return false;
  for (; j < k; j++) if (words.getUint8(a + j) !== words.getUint8(b + j)) return false;
  return true;
}

function splitLine(buf: Buffer, start: number, end: number): string[] {
  return buf.toString('utf8', start, end).split(',');
}
