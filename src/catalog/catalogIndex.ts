/**
 * The index of a catalog table: a binary snapshot of its ColumnTable, so that a table is parsed once and later
 * loads read the snapshot instead.
 *
 * It replaced an SQLite index. In bench/catalog.ts (1M rows) SQLite took 25-48 s to build (11M text values and ten
 * text indexes) and 17 ms for a single-facet search (rows scattered over the file); the snapshot is written in
 * well under a second and is searched in memory by the same code as a freshly parsed table (a few ms for any
 * facet search). A load reads only the layout; arrays are read when a search first uses them, and the paths
 * only at the rows a search returns (see decodeSnapshot).
 *
 * The snapshot lives beside the table (`<table>.fairpod-index`), or, when that directory is not writable, in the
 * user's cache directory. It records the table's size, mtime and SHA-1: a matching size and mtime is trusted (a
 * stat, no read); otherwise the table is hashed, and a different hash means the snapshot is rebuilt. A table only
 * touched (same hash) gets its new mtime recorded, so the next load is a stat again.
 *
 * Layout: an 8-byte magic; a block of META_BLOCK bytes holding the metadata JSON (space-padded, so that it can be
 * rewritten in place); the layout JSON (columns, dictionary values); then 8-byte aligned arrays: period keys
 * (Float64 first, last), the period index (see periodIndex.ts: Float64 starts, ends and running maximum ends of
 * the `periods` distinct periods, Int32 rows, Uint32 offsets), the table row of each stored row (Int32, when rows
 * are clustered, see CLUSTER_COLUMN), and per column either its codes (Uint32) or, for a plain column, cell starts
 * and ends (Uint32) and then either the cells' UTF-8 bytes or, for a plain CSV table (`inTable`), nothing more: the
 * starts and ends are offsets in the table itself, which the index is only used with while its size, mtime or
 * hash match. Version 5 (`FPCATIX5`) stopped copying the paths: they were 140 MB of a 1M-row catalog's 204 MB
 * snapshot, and a third of the first load's time went into packing them. The parts are written as they are made,
 * one array at a time. Written by hand: no library stores typed arrays with string dictionaries.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ColumnTable, type StoredColumn } from './columnTable.js';
import { parseListValue } from './csvTable.js';
import { PeriodIndex, type PeriodIndexParts } from './periodIndex.js';
import { readSnapshotRange, readSnapshotRanges, type SnapshotFile } from './snapshotFile.js';
import { MemoryCatalog } from './memoryCatalog.js';
import type { EsmCatalogHeader } from './types.js';
import { temporaryName } from './write.js';
import { hashFile } from '../store/hashing.js';

const MAGIC = Buffer.from('FPCATIX5');
const META_BLOCK = 4096;

/** What the index records about its table. */
interface IndexMeta {
  size: number;
  mtimeNs: string;
  sha1: string;
  rows: number;
  layoutBytes: number;
}

/** Where each column's data is, and its dictionary. */
type ColumnLayout =
  | { name: string; kind: 'dict'; values: string[]; lists: boolean }
  | {
      name: string;
      kind: 'plain';
      lists: boolean;
      /** The cells' bytes in the index (0 when `inTable`). */
      bytes: number;
      /** The starts and ends are offsets in the table file: no bytes in the index. */
      inTable: boolean;
      overrides: [number, string][];
    };

/** The layout JSON: whether rows are stored clustered (then their table order follows the periods), and columns. */
interface SnapshotLayout {
  clustered: boolean;
  /** When clustered: the stored rows of code k of the cluster column are [offsets[k], offsets[k+1]). */
  clusterOffsets?: number[];
  /** How many distinct periods the period index holds. */
  periods: number;
  columns: ColumnLayout[];
}

/** The stat the index is keyed by. */
export interface TableStat {
  size: number;
  mtimeNs: string;
}

/** The size and mtime (ns) of a table file. */
export function statTable(file: string): TableStat {
  const stat = fs.statSync(file, { bigint: true });
  return { size: Number(stat.size), mtimeNs: String(stat.mtimeNs) };
}

/** Where the index of `tableFile` is looked for and written: beside it, then in the cache directory. */
export function indexLocations(tableFile: string): string[] {
  const cacheRoot =
    process.env.FAIRPOD_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'fairpod');
  const id = crypto.createHash('sha1').update(path.resolve(tableFile)).digest('hex');
  return [`${tableFile}.fairpod-index`, path.join(cacheRoot, 'catalog-index', `${id}.fairpod-index`)];
}

function readMeta(fd: number): IndexMeta | undefined {
  const head = Buffer.alloc(MAGIC.length + META_BLOCK);
  if (fs.readSync(fd, head, 0, head.length, 0) !== head.length) return undefined;
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  try {
    return JSON.parse(head.toString('utf8', MAGIC.length)) as IndexMeta;
  } catch {
    return undefined;
  }
}

function metaBlock(meta: IndexMeta): Buffer {
  const block = Buffer.alloc(META_BLOCK, ' ');
  block.write(JSON.stringify(meta));
  return block;
}

/**
 * Loads a current index of `tableFile`, or returns undefined when none is (then the caller builds one). An index
 * whose stat differs but whose hash matches (the table was touched or copied) is used, and its stat refreshed.
 */
export async function openIndex(tableFile: string): Promise<ColumnTable | undefined> {
  const stat = statTable(tableFile);
  let hash: string | undefined;
  for (const location of indexLocations(tableFile)) {
    let fd: number;
    try {
      fd = fs.openSync(location, 'r');
    } catch {
      continue;
    }
    let meta: IndexMeta | undefined;
    try {
      meta = readMeta(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (meta === undefined || meta.size !== stat.size) continue;
    if (meta.mtimeNs !== stat.mtimeNs) {
      hash ??= (await hashFile(tableFile)).digests.sha1!;
      if (meta.sha1 !== hash) continue;
      refreshStat(location, { ...meta, mtimeNs: stat.mtimeNs });
    }
    const snapshot = fs.openSync(location, 'r');
    try {
      const { ino, size, mtimeMs } = fs.statSync(tableFile);
      return decodeSnapshot(location, snapshot, meta, { file: tableFile, ino, size, mtimeMs });
    } catch {
      continue; // a damaged snapshot is rebuilt
    } finally {
      fs.closeSync(snapshot);
    }
  }
  return undefined;
}

/** Records a touched table's new mtime in place (one small write); an index it cannot write is left as is. */
function refreshStat(location: string, meta: IndexMeta): void {
  try {
    const fd = fs.openSync(location, 'r+');
    try {
      fs.writeSync(fd, metaBlock(meta), 0, META_BLOCK, MAGIC.length);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // read-only location: the next load hashes again
  }
}

/**
 * Writes the index of a table whose file had `stat` and SHA-1 `sha1` when it was read into `table`, through a
 * temporary file renamed into place, beside the table or else in the cache directory. Returns where it was
 * written; throws when neither place is writable.
 */
export function buildIndex(tableFile: string, stat: TableStat, sha1: string, table: ColumnTable): string {
  const errors: string[] = [];
  const [beside] = indexLocations(tableFile);
  for (const location of indexLocations(tableFile)) {
    const tmp = temporaryName(location);
    try {
      fs.mkdirSync(path.dirname(location), { recursive: true });
      assertWritable(path.dirname(location));
      const fd = fs.openSync(tmp, 'w');
      try {
        // Each part is written as it is made: only one permuted array is held at a time.
        for (const part of encodeSnapshot(table, { ...stat, sha1 })) writeAll(fd, part);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, location);
      // The SQLite index earlier versions kept there (`<table>.fairpod-index.sqlite`, `<id>.sqlite`) would only
      // take space now.
      fs.rmSync(
        location.replace(/\.fairpod-index$/, (m) => (location === beside ? `${m}.sqlite` : '.sqlite')),
        {
          force: true,
        },
      );
      return location;
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      errors.push(`${location}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot write a catalog index (${errors.join('; ')})`);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Throws unless `dir` is writable. A directory with no write bit at all counts as read-only even for root, who
 * could write anyway: shared, read-only catalog directories must not gain index files.
 */
function assertWritable(dir: string): void {
  if ((fs.statSync(dir).mode & 0o222) === 0) throw new Error(`${dir} is read-only`);
  fs.accessSync(dir, fs.constants.W_OK);
}

const pad8 = (n: number): number => (8 - (n % 8)) % 8;
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// Rows are stored clustered by this column (stably, so each cluster keeps the table's order): a search on it
// then reads one contiguous stretch of every column. Scattered over a million rows, the 1,985 rows of
// `variable_id=sftlf` took 2.5-12 ms to read (cache misses in every column); a contiguous 2,096 about 1 ms.
const CLUSTER_COLUMN = 'variable_id';

/** A row order, with its runs of consecutive table rows when they are long (see permute). */
interface Permutation {
  perm: Int32Array;
  /** Pairs (first table row, length) in stored order, or undefined when runs are short. */
  runs: Int32Array | undefined;
}

/**
 * The runs of consecutive table rows in `perm`: clustering DRS-ordered rows by variable keeps each variable's
 * files of one experiment together (a run per variable and experiment), so that the arrays are reordered by copying
 * runs instead of gathering each element (the gather cost about 1 s of a 3.5M-row first load: 13 columns, a cache
 * miss per element). Undefined when the runs are shorter than 16 rows on average.
 */
function permutation(perm: Int32Array): Permutation {
  let count = 0;
  for (let s = 0; s < perm.length; s++) if (s === 0 || perm[s] !== perm[s - 1] + 1) count++;
  if (count * 16 > perm.length) return { perm, runs: undefined };
  const runs = new Int32Array(2 * count);
  let r = -1;
  for (let s = 0; s < perm.length; s++) {
    if (s === 0 || perm[s] !== perm[s - 1] + 1) runs[2 * ++r] = perm[s];
    runs[2 * r + 1]++;
  }
  return { perm, runs };
}

/** `a` reordered: element s of the result is a[perm[s]]. */
function permute<T extends Float64Array | Uint32Array | Int32Array>(a: T, order: Permutation | undefined): T {
  if (!order) return a;
  const { perm, runs } = order;
  const out = new (a.constructor as new (n: number) => T)(perm.length);
  if (runs) {
    for (let r = 0, s = 0; r < runs.length; r += 2) {
      out.set(a.subarray(runs[r], runs[r] + runs[r + 1]), s);
      s += runs[r + 1];
    }
  } else for (let s = 0; s < perm.length; s++) out[s] = a[perm[s]];
  return out;
}

/**
 * The snapshot of `table` (as parsed, in table order) as buffers to write in order, each made when the previous one
 * was written.
 */
function* encodeSnapshot(
  table: ColumnTable,
  key: Omit<IndexMeta, 'rows' | 'layoutBytes'>,
): Generator<Buffer> {
  const cc = table.columns.indexOf(CLUSTER_COLUMN);
  // Stored row s is table row perm[s]; the postings of the cluster column are exactly that order.
  const perm = cc >= 0 && table.stored[cc].kind === 'dict' ? table.postings(cc).rows : undefined;
  const order = perm && permutation(perm);
  const first = permute(table.periodFirst, order);
  const last = permute(table.periodLast, order);
  const ids = table.rowPeriods;
  const periodIndex = (
    ids ? PeriodIndex.fromIds(permute(ids.rows, order), ids.periods) : PeriodIndex.build(first, last)
  ).parts;
  let inverse: Int32Array | undefined;
  const columns: ColumnLayout[] = table.columns.map((name, c) => {
    const col = table.stored[c];
    if (col.kind === 'dict')
      return { name, kind: 'dict', values: col.values, lists: col.lists !== undefined };
    if (perm) inverse ??= inversePermutation(perm);
    const overrides = [...col.overrides].map(([i, v]): [number, string] => [inverse ? inverse[i] : i, v]);
    // A table read in blocks keeps its cells in the table file (col.lazy): they stay there.
    let bytes = 0;
    if (!col.lazy) for (let i = 0; i < table.size; i++) bytes += col.ends[i] - col.starts[i];
    return { name, kind: 'plain', lists: col.lists, bytes, inTable: col.lazy !== undefined, overrides };
  });
  const layout: SnapshotLayout = {
    clustered: perm !== undefined,
    clusterOffsets: perm ? Array.from(table.postings(cc).offsets) : undefined,
    periods: periodIndex.starts.length,
    columns,
  };
  const layoutJson = Buffer.from(JSON.stringify(layout));
  const layoutPart = Buffer.concat([
    layoutJson,
    Buffer.alloc(pad8(MAGIC.length + META_BLOCK + layoutJson.length), ' '),
  ]);
  yield MAGIC;
  yield metaBlock({ ...key, rows: table.size, layoutBytes: layoutPart.length });
  yield layoutPart;
  yield bytesOf(first);
  yield bytesOf(last);
  yield bytesOf(periodIndex.starts);
  yield bytesOf(periodIndex.ends);
  yield bytesOf(periodIndex.maxLast);
  yield bytesOf(periodIndex.rows);
  yield bytesOf(periodIndex.offsets);
  yield Buffer.alloc(pad8(periodIndex.rows.byteLength + periodIndex.offsets.byteLength));
  if (perm) yield bytesOf(perm);
  for (let c = 0; c < table.columns.length; c++) {
    const col = table.stored[c];
    if (col.kind === 'dict') {
      yield bytesOf(permute(col.codes, order));
      continue;
    }
    if (col.lazy) {
      yield bytesOf(permute(col.starts, order));
      yield bytesOf(permute(col.ends, order));
      continue;
    }
    // Only the cells' bytes are kept, packed: the table's other bytes are in the dictionaries already.
    const { bytes } = columns[c] as { bytes: number };
    const starts = new Uint32Array(table.size);
    const ends = new Uint32Array(table.size);
    const packed = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (let s = 0; s < table.size; s++) {
      const i = perm ? perm[s] : s;
      starts[s] = at;
      at += col.bytes.copy(packed, at, col.starts[i], col.ends[i]);
      ends[s] = at;
    }
    yield bytesOf(starts);
    yield bytesOf(ends);
    yield packed;
    yield Buffer.alloc(pad8(bytes));
  }
}

function inversePermutation(perm: Int32Array): Int32Array {
  const inverse = new Int32Array(perm.length);
  for (let s = 0; s < perm.length; s++) inverse[perm[s]] = s;
  return inverse;
}

/**
 * The ColumnTable of the snapshot `file`, open as `fd`: only its layout is read now; each array is read from `file`
 * when first used, and the plain columns' cells (the paths) only for the rows a search returns (see
 * PlainColumn.lazy), from the snapshot or, for `inTable` columns, from `table` (the table file as it is now). Reading
 * the whole 200 MB snapshot of bench/catalog.ts on load took about 210 ms; its paths were about 140 MB of it.
 */
function decodeSnapshot(file: string, fd: number, meta: IndexMeta, table: SnapshotFile): ColumnTable {
  const { size: fileSize, ino } = fs.fstatSync(fd);
  const n = meta.rows;
  let at = MAGIC.length + META_BLOCK;
  const layout = JSON.parse(
    readSnapshotRange({ file, ino }, at, meta.layoutBytes).toString('utf8'),
  ) as SnapshotLayout;
  at += meta.layoutBytes;
  const snapshot = { file, ino };
  // Arrays are read when first used, each with one read: a search reads only the columns it tests and returns.
  const lazyView = <T extends TypedArray>(
    Type: { new (b: ArrayBuffer, o: number, l: number): T; BYTES_PER_ELEMENT: number },
    count = n,
  ): LazyArray<T> => {
    const size = Type.BYTES_PER_ELEMENT;
    const bytes = count * size;
    if (at + bytes > fileSize) throw new Error('truncated catalog index');
    const position = at;
    at += bytes;
    let value: T | undefined;
    // Bytes read so far by partial reads of this array.
    let partialBytes = 0;
    const all = (): T =>
      (value ??= new Type(readSnapshotRange(snapshot, position, bytes).buffer as ArrayBuffer, 0, count));
    // Elements `ids` only: runs of them less than READ_GAP elements apart read with one read each.
    all.some = (ids: ArrayLike<number>): T => {
      // Many elements (a broad search), or searches whose stretches have added up to half the array, read
      // the whole array once: it stays for the next searches. A process making a few narrow searches (a plan:
      // 20 of 1,320 rows each in 3.5M) reads only their stretches; reading every column whole from the second
      // search on read 170 MB there and took a third of the plan's time.
      if (!value && (ids.length > count / 256 || partialBytes > bytes / 2)) all();
      if (value)
        return new Type(new ArrayBuffer(ids.length * size), 0, ids.length).map((_, j) => value![ids[j]]) as T;
      // A search's ids are usually ascending already (stored rows): sorting them again cost more than the reads.
      let ascending = true;
      for (let j = 1; j < ids.length && ascending; j++) ascending = ids[j - 1] <= ids[j];
      const byIndex = Int32Array.from({ length: ids.length }, (_, j) => j);
      if (!ascending) byIndex.sort((a, b) => ids[a] - ids[b]);
      const runs: [number, number][] = [];
      const runOf = new Int32Array(ids.length);
      for (const j of byIndex) {
        const last = runs[runs.length - 1];
        if (last && ids[j] - last[1] < READ_GAP) last[1] = Math.max(last[1], ids[j] + 1);
        else runs.push([ids[j], ids[j] + 1]);
        runOf[j] = runs.length - 1;
      }
      const read = readSnapshotRanges(
        snapshot,
        runs.map(([from, to]): [number, number] => [position + from * size, (to - from) * size]),
      ).map((b) => new Type(b.buffer as ArrayBuffer, b.byteOffset, b.length / size));
      for (const [from, to] of runs) partialBytes += (to - from) * size;
      const out = new Type(new ArrayBuffer(ids.length * size), 0, ids.length);
      for (let j = 0; j < ids.length; j++) out[j] = read[runOf[j]][ids[j] - runs[runOf[j]][0]];
      return out;
    };
    return all;
  };
  const first = lazyView(Float64Array);
  const last = lazyView(Float64Array);
  const u = layout.periods;
  if (!(Number.isInteger(u) && u >= 0 && u <= n)) throw new Error('damaged period index');
  const [starts, ends, maxLast] = [
    lazyView(Float64Array, u),
    lazyView(Float64Array, u),
    lazyView(Float64Array, u),
  ];
  const [periodRows, offsets] = [lazyView(Int32Array), lazyView(Uint32Array, u + 1)];
  at += pad8(4 * (n + u + 1));
  const periodIndex: PeriodIndexParts = {
    get starts() {
      return starts();
    },
    get ends() {
      return ends();
    },
    get maxLast() {
      return maxLast();
    },
    get rows() {
      return periodRows();
    },
    get offsets() {
      return offsets();
    },
  };
  const order = layout.clustered ? lazyView(Int32Array)() : undefined;
  const stored: StoredColumn[] = layout.columns.map((col) => {
    if (col.kind === 'dict') {
      const codes = lazyView(Uint32Array);
      const lists = col.lists
        ? col.values.map((v) => (v === '' ? [] : (parseListValue(v) ?? [v])))
        : undefined;
      return {
        kind: 'dict',
        values: col.values,
        get codes() {
          return codes();
        },
        codesOf: codes.some,
        ...(lists ? { lists } : {}),
      };
    }
    const starts = lazyView(Uint32Array);
    const ends = lazyView(Uint32Array);
    let lazy: SnapshotFile & { offset: number; length: number };
    if (col.inTable) lazy = { ...table, offset: 0, length: table.size! };
    else {
      if (at + col.bytes > fileSize) throw new Error('truncated catalog index');
      lazy = { file, ino, offset: at, length: col.bytes };
      at += col.bytes + pad8(col.bytes);
    }
    return {
      kind: 'plain',
      bytes: Buffer.alloc(0),
      lazy,
      get starts() {
        return starts();
      },
      get ends() {
        return ends();
      },
      overrides: new Map(col.overrides),
      lists: col.lists,
    };
  });
  const cc = layout.columns.findIndex((c) => c.name === CLUSTER_COLUMN);
  const clusterValues = cc >= 0 && stored[cc].kind === 'dict' ? stored[cc].values.length : -1;
  if (order && layout.clusterOffsets?.length !== clusterValues + 1)
    throw new Error('damaged cluster offsets');
  return new ColumnTable(
    layout.columns.map((c) => c.name),
    stored,
    n,
    {
      periods: {
        get first() {
          return first();
        },
        get last() {
          return last();
        },
      },
      periodIndex,
      order,
      cluster: order
        ? {
            column: cc,
            offsets: Uint32Array.from(layout.clusterOffsets ?? []),
          }
        : undefined,
    },
  );
}

/** The typed arrays a snapshot holds. */
type TypedArray = Float64Array | Int32Array | Uint32Array;

/** An array of a snapshot read when first used (whole), or only at some elements. */
type LazyArray<T> = (() => T) & { some: (ids: ArrayLike<number>) => T };

// Elements of a snapshot array closer than this are read together: one read of the gap costs less than another call.
const READ_GAP = 512;

/** A catalog answering searches from its index: the snapshot's table, searched in memory. */
export class IndexedCatalog extends MemoryCatalog {
  constructor(source: string, header: EsmCatalogHeader, table: ColumnTable, notes: string[] = []) {
    super(source, header, table, notes);
  }
}
