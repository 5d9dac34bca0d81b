/**
 * The SQLite index of a catalog table, so that a table is parsed once and later loads query it directly.
 *
 * The index lives beside the table (`<table>.fairpod-index.sqlite`), or, when that directory is not writable, in
 * the user's cache directory. It records the table's size, mtime and SHA-1: a matching size and mtime is trusted
 * (a stat, no read); otherwise the table is hashed, and a different hash means the index is rebuilt. Rows keep
 * their cells as text, one index per facet column, and each row's period as integer keys with an index on them,
 * so that date overlap is answered from the index, not by parsing dates.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ColumnTable } from './columnTable.js';
import { parseListValue } from './csvTable.js';
import {
  applyRequireAllOn,
  checkColumns,
  compileColumn,
  isPattern,
  normalizeQuery,
  queryPeriod,
} from './search.js';
import { Sqlite } from './sqlite.js';
import type { CatalogQuery, CatalogRow, EsmCatalog, EsmCatalogHeader, SearchOptions } from './types.js';
import { temporaryName } from './write.js';

const FORMAT = '1';
// Facets with more distinct values than this (paths, ids) keep no value list; a pattern on them scans.
const MAX_STORED_VALUES = 100_000;

/** What the index records about its table. */
interface IndexMeta {
  format: string;
  size: number;
  mtimeNs: string;
  sha1: string;
  columns: string[];
  listColumns: string[];
  /** Columns whose distinct values are stored in `facet_values`. */
  storedValues: string[];
  rows: number;
}

/** The SHA-1 of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha1');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** Where the index of `tableFile` is looked for and written: beside it, then in the cache directory. */
export function indexLocations(tableFile: string): string[] {
  const cacheRoot =
    process.env.FAIRPOD_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'fairpod');
  const id = crypto.createHash('sha1').update(path.resolve(tableFile)).digest('hex');
  return [`${tableFile}.fairpod-index.sqlite`, path.join(cacheRoot, 'catalog-index', `${id}.sqlite`)];
}

async function readMeta(db: Sqlite): Promise<IndexMeta | undefined> {
  try {
    const [row] = await db.all<{ value: string }>("SELECT value FROM meta WHERE key = 'meta'");
    return row ? (JSON.parse(row.value) as IndexMeta) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens a valid index of `tableFile`, or returns undefined when none is current (then the caller builds one).
 * An index whose stat differs but whose hash matches (the table was touched or copied) is used as is.
 */
export async function openIndex(tableFile: string): Promise<{ db: Sqlite; meta: IndexMeta } | undefined> {
  const stat = fs.statSync(tableFile, { bigint: true });
  let hash: string | undefined;
  for (const location of indexLocations(tableFile)) {
    if (!fs.existsSync(location)) continue;
    let db: Sqlite;
    try {
      db = await Sqlite.open(location, true);
    } catch {
      continue;
    }
    const meta = await readMeta(db);
    const current =
      meta !== undefined &&
      meta.format === FORMAT &&
      meta.size === Number(stat.size) &&
      (meta.mtimeNs === String(stat.mtimeNs) || meta.sha1 === (hash ??= await hashFile(tableFile)));
    if (current) {
      // Memory-mapped reads: a search touches rows scattered over the file, and mmap spares a read() per page.
      await db.exec('PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;');
      return { db, meta };
    }
    await db.close();
  }
  return undefined;
}

/**
 * Writes the index of `tableFile` from its parsed `table`, through a temporary file renamed into place, beside the
 * table or else in the cache directory. Returns where it was written; throws when neither place is writable.
 */
export async function buildIndex(
  tableFile: string,
  table: ColumnTable,
  assetColumn: string,
): Promise<string> {
  const stat = fs.statSync(tableFile, { bigint: true });
  const sha1 = await hashFile(tableFile);
  const errors: string[] = [];
  for (const location of indexLocations(tableFile)) {
    const tmp = temporaryName(location);
    try {
      fs.mkdirSync(path.dirname(location), { recursive: true });
      assertWritable(path.dirname(location));
      await writeIndex(tmp, table, assetColumn, {
        format: FORMAT,
        size: Number(stat.size),
        mtimeNs: String(stat.mtimeNs),
        sha1,
        columns: table.columns,
        listColumns: table.listColumns(),
        storedValues: [],
        rows: table.size,
      });
      fs.renameSync(tmp, location);
      return location;
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      errors.push(`${location}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot write a catalog index (${errors.join('; ')})`);
}

/**
 * Throws unless `dir` is writable. A directory with no write bit at all counts as read-only even for root, who
 * could write anyway: shared, read-only catalog directories must not gain index files.
 */
function assertWritable(dir: string): void {
  if ((fs.statSync(dir).mode & 0o222) === 0) throw new Error(`${dir} is read-only`);
  fs.accessSync(dir, fs.constants.W_OK);
}

const col = (c: number): string => `c${c}`;

async function writeIndex(
  file: string,
  table: ColumnTable,
  assetColumn: string,
  meta: IndexMeta,
): Promise<void> {
  const db = await Sqlite.open(file);
  try {
    const n = table.columns.length;
    await db.exec(
      'PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -200000;',
    );
    await db.exec(
      `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
       CREATE TABLE facet_values (col INTEGER, value TEXT);
       CREATE TABLE rows (${table.columns.map((_, c) => `${col(c)} TEXT`).join(', ')}, _first INTEGER, _last INTEGER);`,
    );
    await db.exec('BEGIN');
    // Multi-row INSERTs: one statement round trip per ~30,000 bound values instead of one per row.
    const perRow = n + 2;
    const batch = Math.max(1, Math.floor(30_000 / perRow));
    const rowSql = `(${new Array(perRow).fill('?').join(',')})`;
    const fullSql = `INSERT INTO rows VALUES ${new Array(batch).fill(rowSql).join(',')}`;
    let params: unknown[] = [];
    for (let i = 0; i < table.size; i++) {
      for (let c = 0; c < n; c++) params.push(table.encoded[c].values[table.encoded[c].codes[i]]);
      const first = table.periodFirst[i];
      params.push(Number.isNaN(first) ? null : first, Number.isNaN(first) ? null : table.periodLast[i]);
      if (params.length === batch * perRow) {
        await db.run(fullSql, params);
        params = [];
      }
    }
    if (params.length > 0)
      await db.run(
        `INSERT INTO rows VALUES ${new Array(params.length / perRow).fill(rowSql).join(',')}`,
        params,
      );
    for (let c = 0; c < n; c++) {
      const distinct = table.encoded[c].values.length;
      if (distinct <= MAX_STORED_VALUES) {
        meta.storedValues.push(table.columns[c]);
        const values = table.encoded[c].values;
        for (let from = 0; from < values.length; from += 10_000) {
          const slice = values.slice(from, from + 10_000);
          await db.run(`INSERT INTO facet_values VALUES ${slice.map(() => `(${c}, ?)`).join(',')}`, slice);
        }
      }
      // An index pays off only on a column that splits the rows: not on one value, nor on the per-row paths.
      if (table.columns[c] !== assetColumn && distinct > 1 && distinct <= Math.max(1000, table.size / 2)) {
        await db.exec(`CREATE INDEX ix_${col(c)} ON rows(${col(c)})`);
      }
    }
    await db.exec(
      'CREATE INDEX ix_first ON rows(_first); CREATE INDEX ix_last ON rows(_last); CREATE INDEX ix_values ON facet_values(col)',
    );
    await db.run('INSERT INTO meta VALUES (?, ?)', ['meta', JSON.stringify(meta)]);
    await db.exec('COMMIT; ANALYZE;');
  } finally {
    await db.close();
  }
}

/** An EsmCatalog answering searches from its SQLite index, without reading the table. */
export class IndexedCatalog implements EsmCatalog {
  readonly columns: string[];
  readonly assetColumn: string;
  readonly size: number;
  private readonly lists: Set<string>;
  private readonly valuesCache = new Map<string, string[]>();
  private readonly parsedLists = new Map<string, string[]>();

  constructor(
    readonly source: string,
    readonly header: EsmCatalogHeader,
    private readonly db: Sqlite,
    private readonly meta: IndexMeta,
    readonly notes: string[] = [],
  ) {
    this.columns = meta.columns;
    this.assetColumn = header.assets.column_name;
    this.size = meta.rows;
    this.lists = new Set(meta.listColumns);
  }

  /** Distinct raw cells of a column, from the stored list or, for high-cardinality columns, a scan. */
  private async rawValues(column: string): Promise<string[]> {
    let values = this.valuesCache.get(column);
    if (!values) {
      const c = this.columns.indexOf(column);
      const rows = this.meta.storedValues.includes(column)
        ? await this.db.all<{ v: string }>('SELECT value AS v FROM facet_values WHERE col = ?', [c])
        : await this.db.all<{ v: string }>(`SELECT DISTINCT ${col(c)} AS v FROM rows`);
      values = rows.map((r) => r.v);
      this.valuesCache.set(column, values);
    }
    return values;
  }

  private parseList(cell: string): string[] {
    let items = this.parsedLists.get(cell);
    if (!items) {
      items = cell === '' ? [] : (parseListValue(cell) ?? [cell]);
      this.parsedLists.set(cell, items);
    }
    return items;
  }

  async search(query: CatalogQuery, options: SearchOptions = {}): Promise<CatalogRow[]> {
    const q = normalizeQuery(query);
    checkColumns(this.columns, q, options.requireAllOn);
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, values] of Object.entries(q)) {
      const c = this.columns.indexOf(column);
      let cells = values;
      // Patterns and list items are resolved against the column's distinct cells, then looked up exactly.
      if (this.lists.has(column) || values.some(isPattern)) {
        const test = compileColumn(column, values);
        const all = await this.rawValues(column);
        cells = all.filter((cell) => test(this.lists.has(column) ? this.parseList(cell) : cell));
        if (cells.length === 0) return [];
      }
      where.push(`${col(c)} IN (${cells.map(() => '?').join(',')})`);
      params.push(...cells);
    }
    if (options.timeRange) {
      const [first, last] = queryPeriod(options.timeRange);
      where.push('(_first IS NULL OR (_first <= ? AND _last >= ?))');
      params.push(last, first);
    }
    // SQLite assembles the rows as one JSON text: far cheaper than the driver building one object per row.
    const select = `json_group_array(json_array(${this.columns.map((_, c) => col(c)).join(', ')}))`;
    const where_ = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const [result] = await this.db.all<{ rows: string }>(
      `SELECT ${select} AS rows FROM (SELECT * FROM rows${where_} ORDER BY rowid)`,
      params,
    );
    const found = JSON.parse(result?.rows ?? '[]') as (string | null)[][];
    const rows = found.map((cells) => {
      const row: CatalogRow = {};
      for (let c = 0; c < this.columns.length; c++) {
        const name = this.columns[c];
        const cell = cells[c] ?? '';
        row[name] = this.lists.has(name) ? this.parseList(cell) : cell;
      }
      return row;
    });
    return applyRequireAllOn(rows, q, options.requireAllOn ?? []);
  }

  async uniqueValues(columns: string[] = this.columns): Promise<Record<string, string[]>> {
    checkColumns(this.columns, {}, columns);
    const out: Record<string, string[]> = {};
    for (const column of columns) {
      const raw = await this.rawValues(column);
      const set = new Set(this.lists.has(column) ? raw.flatMap((cell) => this.parseList(cell)) : raw);
      set.delete('');
      out[column] = [...set].sort();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
