/**
 * A catalog table held in memory by column.
 *
 * Facet columns are dictionary-encoded (distinct values + one integer code per row): catalog facets repeat a few
 * values over millions of rows, so codes keep memory small, and a search tests each distinct value once and then
 * compares integers row by row. Columns whose values are nearly all distinct (paths) are kept "plain": per row,
 * the byte range of the cell in the table's bytes, decoded only when a row is returned.
 */
import { formatListValue, parseListValue } from './csvTable.js';
import { PeriodIndex, type PeriodIndexParts } from './periodIndex.js';
import { periodOf, timeColumns } from './search.js';
import { readSnapshotRange, readSnapshotRanges, type SnapshotFile } from './snapshotFile.js';
import type { CatalogRow } from './types.js';

/** A dictionary-encoded column. */
export interface DictColumn {
  kind: 'dict';
  /** Distinct values in order of first appearance. */
  values: string[];
  /** Per row: index into `values`. */
  codes: Uint32Array;
  /** For a list-valued column: each distinct value parsed into its items. */
  lists?: string[][];
  /**
   * The codes of rows `ids`, read without reading all of `codes` while it is not read yet (an index snapshot's
   * column): making a search's rows then reads a few stretches of each column.
   */
  codesOf?: (ids: ArrayLike<number>) => Uint32Array;
}

/** A column stored as one UTF-8 byte range per row (nearly unique values, where a dictionary gains nothing). */
export interface PlainColumn {
  kind: 'plain';
  bytes: Buffer;
  /** Per row: start and end (exclusive) of the cell in `bytes`. */
  starts: Uint32Array;
  ends: Uint32Array;
  /** Cells that are not a byte range of `bytes` (quoted CSV fields), by row. */
  overrides: Map<number, string>;
  /** True when every non-empty cell is a list (then cells are parsed on access). */
  lists: boolean;
  /**
   * Where `bytes` are in a file (an index snapshot's paths, whose inode is `ino`) while not read yet; `bytes` is
   * empty then.
   */
  lazy?: SnapshotFile & { offset: number; length: number };
}

/** One stored column. */
export type StoredColumn = DictColumn | PlainColumn;

/** A whole table by column, plus each row's period keys (NaN when the row has none). */
export class ColumnTable {
  private periods?: { first: Float64Array; last: Float64Array };
  /** Each row's period as an id into `periods` (-1: none), when the keys were computed here. */
  private periodIds?: RowPeriods;
  private periodIndexCache?: PeriodIndex;
  private readonly postingsCache = new Map<number, { offsets: Uint32Array; rows: Int32Array }>();

  /**
   * Row `s` as stored is row `order[s]` of the table (an index stores rows clustered by a facet); undefined when
   * rows are stored in table order.
   */
  readonly order: Int32Array | undefined;
  /** The stored row of each table row (`order` inverted), made on the first broad search. */
  private inverseOrder?: Int32Array;
  /** The column rows are stored clustered by (see `order`), or -1. */
  readonly clusteredBy: number;

  /** A table from its parts; the period keys are computed from the time columns on first use unless given. */
  constructor(
    readonly columns: string[],
    readonly stored: StoredColumn[],
    readonly size: number,
    extras: {
      periods?: { first: Float64Array; last: Float64Array };
      /** The index of `periods` (a snapshot stores it), built on first use unless given. */
      periodIndex?: PeriodIndexParts;
      order?: Int32Array;
      /** The column rows are clustered by, and where each of its codes' rows start (its postings' offsets). */
      cluster?: { column: number; offsets: Uint32Array };
    } = {},
  ) {
    this.periods = extras.periods;
    if (extras.periodIndex) this.periodIndexCache = new PeriodIndex(extras.periodIndex);
    this.order = extras.order;
    this.clusteredBy = extras.cluster?.column ?? -1;
    if (extras.cluster) {
      // Clustered rows are their own postings: the rows of a code are one stretch of stored rows.
      const rows = new Int32Array(size);
      for (let s = 0; s < size; s++) rows[s] = s;
      this.postingsCache.set(extras.cluster.column, { offsets: extras.cluster.offsets, rows });
    }
  }

  /** Stored rows `ids` (ascending) put back in table order, so that searches return rows as the table has them. */
  inTableOrder(ids: Int32Array): Int32Array {
    const { order } = this;
    if (!order) return ids;
    let sorted = true;
    for (let j = 1; j < ids.length && sorted; j++) sorted = order[ids[j - 1]] < order[ids[j]];
    if (sorted) return ids;
    // Many rows (a broad date range: 56k of a million): mark their table rows and walk the table once, which
    // costs a pass over a byte per row instead of sorting (28 ms for those 56k rows, under 2 ms walked).
    if (ids.length > this.size / 32) {
      this.inverseOrder ??= inverse(order);
      const inv = this.inverseOrder;
      const mark = new Uint8Array(this.size);
      for (let j = 0; j < ids.length; j++) mark[order[ids[j]]] = 1;
      const out = new Int32Array(ids.length);
      let n = 0;
      for (let t = 0; t < mark.length; t++) if (mark[t] !== 0) out[n++] = inv[t];
      return out;
    }
    // Sort (table row, stored row) pairs packed in one float64 (exact below 2^52): a native numeric sort.
    if (this.size <= SORT_KEY_BASE) {
      const keys = new Float64Array(ids.length);
      for (let j = 0; j < ids.length; j++) keys[j] = order[ids[j]] * SORT_KEY_BASE + ids[j];
      keys.sort();
      const out = new Int32Array(ids.length);
      for (let j = 0; j < ids.length; j++) out[j] = keys[j] % SORT_KEY_BASE;
      return out;
    }
    return Int32Array.from(Array.from(ids).sort((a, b) => order[a] - order[b]));
  }

  /**
   * Each row's first period key. Computed lazily: a search without a time range (the cold one-off query) does not
   * pay for parsing the periods (about 60 ms on a million rows).
   */
  get periodFirst(): Float64Array {
    this.periods ??= this.computePeriods();
    return this.periods.first;
  }

  /** Each row's last period key (see periodFirst). */
  get periodLast(): Float64Array {
    this.periods ??= this.computePeriods();
    return this.periods.last;
  }

  /** The index of the rows' periods, built on first use (the first date-range search, or the snapshot's writing). */
  get periodIndex(): PeriodIndex {
    if (!this.periodIndexCache) {
      const ids = this.rowPeriods;
      this.periodIndexCache = ids
        ? PeriodIndex.fromIds(ids.rows, ids.periods)
        : PeriodIndex.build(this.periodFirst, this.periodLast);
    }
    return this.periodIndexCache;
  }

  /**
   * Each row's period as an id into the distinct periods, when this table computed its period keys (a table read
   * from its CSV; a snapshot's table has them stored): the period index is built from them without looking up
   * each row's keys.
   */
  get rowPeriods(): RowPeriods | undefined {
    this.periods ??= this.computePeriods();
    return this.periodIds;
  }

  /** Whether the period index is at hand (given by a snapshot, or built already). */
  get hasPeriodIndex(): boolean {
    return this.periodIndexCache !== undefined;
  }

  /** The raw text of row `i` in column `c` (lists unparsed). */
  text(c: number, i: number): string {
    const col = this.stored[c];
    if (col.kind === 'dict') return col.values[col.codes[i]];
    const override = col.overrides.get(i);
    if (override !== undefined) return override;
    if (col.lazy) loadPlainBytes(col);
    return col.bytes.toString('utf8', col.starts[i], col.ends[i]);
  }

  /** The cell of row `i` in column `c`, lists parsed. */
  cell(c: number, i: number): string | string[] {
    const col = this.stored[c];
    if (col.kind === 'dict') return col.lists ? col.lists[col.codes[i]] : col.values[col.codes[i]];
    return plainCell(col, this.text(c, i));
  }

  /**
   * Rows `ids` as objects, filled column by column: each column's loop stays on one kind of column, so it runs
   * fast from the first search on, where a cell-by-cell loop waited for the JIT (the warm single-facet search of
   * bench/catalog.ts spent 3-6 ms in its first runs making 1,985 rows, about 1 ms once optimised).
   */
  rows(ids: ArrayLike<number>): CatalogRow[] {
    const out: CatalogRow[] = Array.from({ length: ids.length }, () => ({}));
    for (let c = 0; c < this.columns.length; c++) {
      const name = this.columns[c];
      const cells = this.cells(c, ids);
      for (let j = 0; j < ids.length; j++) out[j][name] = cells[j];
    }
    return out;
  }

  /**
   * The cells of rows `ids` in column `c`, lists parsed: what a columnar search answer reads of one column
   * (see CatalogHits), without making the rows.
   */
  cells(c: number, ids: ArrayLike<number>): (string | string[])[] {
    const col = this.stored[c];
    const out = new Array<string | string[]>(ids.length);
    if (col.kind === 'dict') {
      const values: (string | string[])[] = col.lists ?? col.values;
      if (col.codesOf) {
        const codes = col.codesOf(ids);
        for (let j = 0; j < ids.length; j++) out[j] = values[codes[j]];
      } else {
        const { codes } = col;
        for (let j = 0; j < ids.length; j++) out[j] = values[codes[ids[j]]];
      }
      return out;
    }
    // Many rows (a broad search) read the whole column once: it stays for the next searches.
    if (col.lazy && ids.length > this.size / 64) loadPlainBytes(col);
    const texts = col.lazy ? lazyTexts(col, ids) : undefined;
    for (let j = 0; j < ids.length; j++) out[j] = texts ? plainCell(col, texts[j]) : this.cell(c, ids[j]);
    return out;
  }

  /**
   * The rows of each code of dictionary column `c`, built on first use (a counting sort): the rows of code k are
   * `rows[offsets[k] .. offsets[k+1])`, ascending.
   */
  postings(c: number): { offsets: Uint32Array; rows: Int32Array } {
    let p = this.postingsCache.get(c);
    if (p) return p;
    const col = this.stored[c];
    if (col.kind !== 'dict') throw new Error(`column ${this.columns[c]} is not dictionary-encoded`);
    const offsets = new Uint32Array(col.values.length + 1);
    const { codes } = col;
    for (let i = 0; i < this.size; i++) offsets[codes[i] + 1]++;
    for (let k = 1; k < offsets.length; k++) offsets[k] += offsets[k - 1];
    const next = offsets.slice(0, -1);
    const rows = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) rows[next[codes[i]]++] = i;
    p = { offsets, rows };
    this.postingsCache.set(c, p);
    return p;
  }

  /** Names of the list-valued columns. */
  listColumns(): string[] {
    return this.columns.filter((_, c) => {
      const col = this.stored[c];
      return col.kind === 'dict' ? col.lists !== undefined : col.lists;
    });
  }

  private computePeriods(): { first: Float64Array; last: Float64Array } {
    const first = new Float64Array(this.size).fill(NaN);
    const last = new Float64Array(this.size).fill(NaN);
    const rows = new Int32Array(this.size).fill(-1);
    const periods: [number, number][] = [];
    this.periodIds = { rows, periods };
    const tc = timeColumns(this.columns);
    if (!tc) return { first, last };
    const idx = (name: string | undefined): number => (name === undefined ? -1 : this.columns.indexOf(name));
    const time = [idx(tc.start), idx(tc.end), idx(tc.range)];
    // Parse each distinct combination of codes once: catalogs repeat the same periods across variables and members.
    const dicts = time.map((c) =>
      c >= 0 && this.stored[c].kind === 'dict' ? (this.stored[c] as DictColumn) : undefined,
    );
    const allDict = time.every((c, k) => c < 0 || dicts[k] !== undefined);
    // The period id of each combination seen (-1: none, -2: not seen yet): in a typed array when the combinations of
    // dictionary codes are few enough to number (a Map lookup per row cost about 20 ms of a million rows).
    const [sn, en, rn] = dicts.map((d) => (d?.values.length ?? 0) + 1);
    const byCodes = allDict && sn * en * rn <= 1 << 22 ? new Int32Array(sn * en * rn).fill(-2) : undefined;
    const cache = new Map<string | number, number>();
    const text = (k: number, i: number): string | undefined =>
      time[k] < 0 ? undefined : this.text(time[k], i);
    const [c0, c1, c2] = dicts.map((d) => d?.codes);
    const firsts: number[] = [];
    const lasts: number[] = [];
    for (let i = 0; i < this.size; i++) {
      let key: string | number;
      if (allDict) {
        key = ((c2 ? c2[i] : 0) * en + (c1 ? c1[i] : 0)) * sn + (c0 ? c0[i] : 0);
      } else {
        key = `${text(0, i)}\u0000${text(1, i)}\u0000${text(2, i)}`;
      }
      let id = byCodes ? byCodes[key as number] : (cache.get(key) ?? -2);
      if (id === -2) {
        const p = periodOf(text(0, i), text(1, i), text(2, i));
        id = p ? periods.push(p) - 1 : -1;
        if (p) {
          firsts.push(p[0]);
          lasts.push(p[1]);
        }
        if (byCodes) byCodes[key as number] = id;
        else cache.set(key, id);
      }
      if (id >= 0) {
        rows[i] = id;
        first[i] = firsts[id];
        last[i] = lasts[id];
      }
    }
    return { first, last };
  }
}

/** Each row's period as an id into `periods` (-1: none). */
export interface RowPeriods {
  rows: Int32Array;
  periods: [number, number][];
}

/** The inverse of a permutation. */
function inverse(order: Int32Array): Int32Array {
  const inv = new Int32Array(order.length);
  for (let s = 0; s < order.length; s++) inv[order[s]] = s;
  return inv;
}

/** A plain column's cell from its text, lists parsed. */
function plainCell(col: PlainColumn, text: string): string | string[] {
  return col.lists ? (text === '' ? [] : (parseListValue(text) ?? [text])) : text;
}

/** Reads all of a lazily read column's bytes. */
function loadPlainBytes(col: PlainColumn): void {
  if (!col.lazy) return;
  col.bytes = readSnapshotRange(col.lazy, col.lazy.offset, col.lazy.length);
  col.lazy = undefined;
}

/**
 * Cells of a lazy column closer than this are read together: one read of the gap costs less than another call.
 * A page: a read call from the page cache costs about 1 µs, copying a 64 KiB gap about 10 µs (with 64 KiB, a
 * search of 1985 rows spread over a 1M-row table read 36 ms of gaps; with 4 KiB it takes 8 ms).
 */
const READ_GAP = 4 << 10;

/**
 * The texts of rows `ids` of a lazily read column: their cells sorted by offset, and runs of cells less than
 * READ_GAP apart read with one `fs.read` each, all through one open (the rows of one facet value are stored
 * together, so a search reads a few stretches, not the column).
 */
function lazyTexts(col: PlainColumn, ids: ArrayLike<number>): string[] {
  const lazy = col.lazy!;
  const texts = new Array<string>(ids.length);
  const { starts, ends } = col;
  const byOffset = Array.from({ length: ids.length }, (_, j) => j).sort(
    (a, b) => starts[ids[a]] - starts[ids[b]],
  );
  // The runs [from, to) of cells to read, and where each run's cells are in byOffset; then one open for all.
  const runs: [number, number][] = [];
  const firstOfRun: number[] = [];
  for (let k = 0; k < byOffset.length; k++) {
    const i = ids[byOffset[k]];
    const last = runs[runs.length - 1];
    if (last && starts[i] - last[1] < READ_GAP) last[1] = Math.max(last[1], ends[i]);
    else {
      runs.push([starts[i], ends[i]]);
      firstOfRun.push(k);
    }
  }
  const read = readSnapshotRanges(
    lazy,
    runs.map(([from, to]): [number, number] => [lazy.offset + from, to - from]),
  );
  firstOfRun.push(byOffset.length);
  for (let r = 0; r < runs.length; r++) {
    const from = runs[r][0];
    for (let k = firstOfRun[r]; k < firstOfRun[r + 1]; k++) {
      const i = ids[byOffset[k]];
      texts[byOffset[k]] = col.overrides.get(i) ?? read[r].toString('utf8', starts[i] - from, ends[i] - from);
    }
  }
  return texts;
}

// Base of the packed sort keys of inTableOrder: 2^26 rows, so that a key stays below 2^52.
const SORT_KEY_BASE = 2 ** 26;

// Rows read before deciding which columns are stored plain rather than as a dictionary.
const PLAIN_PROBE = 4096;

/**
 * Builds a ColumnTable row by row. Cells arrive either as byte ranges of a source buffer (the CSV reader's fast
 * path: no string is made for any cell, and a cell equal to the previous row's comes with its code) or as strings.
 * The source may change (the reader's blocks of a table file): plain columns record each cell's range as an
 * offset in the whole table (the block's `base` added), so that their bytes are read from the table file later.
 *
 * The dictionaries are hash tables over bytes, written by hand: a JS Map would need a string per cell, and
 * making 11 million strings is most of what loading a million-row catalog used to cost.
 */
export class ColumnTableBuilder {
  size = 0;
  private capacity = 1024;
  private readonly n: number;
  private readonly dicts: ByteDictionary[];
  private readonly codes: Uint32Array[];
  private readonly plain: boolean[];
  private starts: Uint32Array[];
  private ends: Uint32Array[];
  private readonly overrides: Map<number, string>[];
  // Per column: 0 while no non-empty cell was seen, 1 while every one is a list, 2 once one is not (see plainColumn).
  private readonly listCells: Uint8Array;
  private source: Buffer = Buffer.alloc(0);
  private base = 0;

  constructor(readonly columns: string[]) {
    this.n = columns.length;
    this.dicts = columns.map(() => new ByteDictionary());
    this.codes = columns.map(() => new Uint32Array(this.capacity));
    this.plain = columns.map(() => false);
    // During the probe every column records its byte ranges, so that it can turn plain afterwards.
    this.starts = columns.map(() => new Uint32Array(this.capacity));
    this.ends = columns.map(() => new Uint32Array(this.capacity));
    this.overrides = columns.map(() => new Map());
    this.listCells = new Uint8Array(this.n);
  }

  /** Whether column `c` is stored plain (the reader then needs only the cell's end, not its bytes compared). */
  isPlain(c: number): boolean {
    return this.plain[c];
  }

  /** Sets the buffer that byte ranges given to `addBytes` refer to, and where it starts in the whole table. */
  setSource(bytes: Buffer, base = 0): void {
    this.source = bytes;
    this.base = base;
  }

  /** Starts a new row (grows the buffers when needed). Follow with one `addBytes`/`addString` per column. */
  beginRow(): void {
    if (this.size === this.capacity) this.grow();
  }

  /** Sets column `c` of the current row to `source[start, end)`; returns its code (0 for a plain column). */
  addBytes(c: number, start: number, end: number): number {
    const row = this.size;
    if (this.plain[c] || row < PLAIN_PROBE) {
      this.starts[c][row] = this.base + start;
      this.ends[c][row] = this.base + end;
      if (this.listCells[c] !== 2 && end > start) this.noteListCell(c, this.source, start, end);
      if (this.plain[c]) return 0;
    }
    const code = this.dicts[c].intern(this.source, start, end);
    this.codes[c][row] = code;
    return code;
  }

  /**
   * Sets column `c` of the current row to `source[start, end)`, whose code the caller knows already (it equals
   * the previous row's cell: the reader compares bytes while it looks for the cell's end, cheaper than hashing).
   */
  addCode(c: number, code: number, start: number, end: number): void {
    const row = this.size;
    if (row < PLAIN_PROBE) {
      this.starts[c][row] = this.base + start;
      this.ends[c][row] = this.base + end;
    }
    this.codes[c][row] = code;
  }

  /** Sets column `c` of the current row to a string (a quoted CSV field, or a cell of an inline catalog). */
  addString(c: number, value: string): void {
    const row = this.size;
    if (this.plain[c] || row < PLAIN_PROBE) {
      this.overrides[c].set(row, value);
      this.starts[c][row] = 0;
      this.ends[c][row] = 0;
      if (this.listCells[c] !== 2 && value !== '')
        this.listCells[c] = parseListValue(value) === undefined ? 2 : 1;
      if (this.plain[c]) return;
    }
    const bytes = Buffer.from(value, 'utf8');
    this.codes[c][row] = this.dicts[c].intern(bytes, 0, bytes.length);
  }

  /**
   * Notes whether a non-empty cell of a column that is or may become plain is a list: judged as cells arrive,
   * since a plain column's bytes may be gone (an earlier block) when the table is finished. A list starts with
   * [ or ( (a path never does, so that column is settled by its first cell).
   */
  private noteListCell(c: number, src: Buffer, start: number, end: number): void {
    const first = src[start];
    const list =
      (first === 91 || first === 40) && parseListValue(src.toString('utf8', start, end)) !== undefined;
    this.listCells[c] = list ? 1 : 2;
  }

  /** Ends the current row. */
  endRow(): void {
    this.size++;
    if (this.size === PLAIN_PROBE) this.probeForPlainColumns();
  }

  /**
   * Columns whose values are nearly all distinct (paths, ids) gain nothing from a dictionary and cost a hash
   * lookup per cell: after the first rows they switch to one byte range per row.
   */
  private probeForPlainColumns(): void {
    for (let c = 0; c < this.n; c++) {
      if (this.dicts[c].count > this.size / 2) {
        this.plain[c] = true;
        this.dicts[c] = new ByteDictionary();
      } else {
        this.overrides[c].clear();
      }
    }
    this.starts = this.starts.map((s, c) => (this.plain[c] ? s : new Uint32Array(0)));
    this.ends = this.ends.map((s, c) => (this.plain[c] ? s : new Uint32Array(0)));
  }

  /** Makes room for `rows` rows in all (a hint: more rows still fit, by growing). */
  reserve(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
  }

  private grow(capacity = this.capacity * 2): void {
    this.capacity = capacity;
    const grow = (a: Uint32Array): Uint32Array => {
      if (a.length === 0) return a;
      const g = new Uint32Array(this.capacity);
      g.set(a);
      return g;
    };
    for (let c = 0; c < this.n; c++) {
      this.codes[c] = this.plain[c] ? this.codes[c] : grow(this.codes[c]);
      this.starts[c] = grow(this.starts[c]);
      this.ends[c] = grow(this.ends[c]);
    }
  }

  /**
   * The finished table: dictionary values decoded, list-valued columns detected. Plain columns' bytes are the
   * source buffer (a table parsed whole), or, given `inFile`, read from that file when needed (a table read in
   * blocks: their ranges are offsets in it).
   */
  finish(inFile?: SnapshotFile & { offset: number; length: number }): ColumnTable {
    const stored: StoredColumn[] = this.columns.map((_, c) => {
      if (this.plain[c]) return this.plainColumn(c, inFile);
      const values = this.dicts[c].values();
      const col: DictColumn = { kind: 'dict', values, codes: this.trimmed(this.codes[c]) };
      const nonEmpty = values.filter((v) => v !== '');
      const parsed = nonEmpty.length > 0 ? values.map((v) => (v === '' ? [] : parseListValue(v))) : [];
      if (nonEmpty.length > 0 && parsed.every((p) => p !== undefined)) col.lists = parsed as string[][];
      return col;
    });
    return new ColumnTable(this.columns, stored, this.size);
  }

  /**
   * The first `size` elements of a column's array: a view when the array is hardly larger (the reader reserved the
   * rows it expected), which spares a copy of every column of a large table; else a copy, to free the rest.
   */
  private trimmed(a: Uint32Array): Uint32Array {
    return a.length <= this.size * 1.1 ? a.subarray(0, this.size) : a.slice(0, this.size);
  }

  private plainColumn(c: number, inFile?: SnapshotFile & { offset: number; length: number }): PlainColumn {
    return {
      kind: 'plain',
      bytes: inFile ? Buffer.alloc(0) : this.source,
      ...(inFile ? { lazy: inFile } : {}),
      starts: this.trimmed(this.starts[c]),
      ends: this.trimmed(this.ends[c]),
      overrides: this.overrides[c],
      lists: this.listCells[c] === 1,
    };
  }
}

/**
 * Distinct byte strings → codes: open addressing over FNV-1a hashes, each value's bytes kept once in an arena.
 * Hand-written (see ColumnTableBuilder): no library interns byte ranges without making strings.
 */
class ByteDictionary {
  count = 0;
  private slots = new Int32Array(1024).fill(-1);
  private hashes = new Int32Array(256);
  private offsets = new Uint32Array(257);
  private arena = Buffer.alloc(4096);

  /** The code of `src[start, end)`, adding it when new. */
  intern(src: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let k = start; k < end; k++) h = Math.imul(h ^ src[k], 0x01000193);
    const mask = this.slots.length - 1;
    const len = end - start;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const code = this.slots[s];
      if (code === -1) {
        this.slots[s] = this.add(h, src, start, end);
        if (this.count * 2 > this.slots.length) this.rehash();
        return this.count - 1;
      }
      if (this.hashes[code] !== h) continue;
      const o = this.offsets[code];
      if (this.offsets[code + 1] - o !== len) continue;
      let k = 0;
      while (k < len && this.arena[o + k] === src[start + k]) k++;
      if (k === len) return code;
    }
  }

  private add(h: number, src: Uint8Array, start: number, end: number): number {
    const code = this.count++;
    if (code + 1 >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const offsets = new Uint32Array(this.hashes.length + 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    const o = this.offsets[code];
    const need = o + (end - start);
    if (need > this.arena.length) {
      const arena = Buffer.alloc(Math.max(need, this.arena.length * 2));
      arena.set(this.arena.subarray(0, o));
      this.arena = arena;
    }
    this.arena.set(src.subarray(start, end), o);
    this.offsets[code + 1] = need;
    this.hashes[code] = h;
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let code = 0; code < this.count; code++) {
      let s = this.hashes[code] & mask;
      while (slots[s] !== -1) s = (s + 1) & mask;
      slots[s] = code;
    }
    this.slots = slots;
  }

  /** The distinct values as strings, by code. */
  values(): string[] {
    return Array.from({ length: this.count }, (_, code) =>
      this.arena.toString('utf8', this.offsets[code], this.offsets[code + 1]),
    );
  }
}

/** Builds a ColumnTable from rows held as objects (an inline `catalog_dict`); lists are kept as lists. */
export function columnTableOfRows(rows: Record<string, unknown>[]): ColumnTable {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const builder = new ColumnTableBuilder(columns);
  const text = (v: unknown): string =>
    v === null || v === undefined ? '' : Array.isArray(v) ? formatListValue(v.map(String)) : String(v);
  for (const row of rows) {
    builder.beginRow();
    columns.forEach((c, k) => builder.addString(k, text(row[c])));
    builder.endRow();
  }
  return builder.finish();
}
