/** An EsmCatalog answering searches from a ColumnTable held in memory. */
import { periodsOverlap } from './dates.js';
import type { ColumnTable } from './columnTable.js';
import { CatalogHits } from './hits.js';
import { applyRequireAllOn, checkColumns, compileColumn, normalizeQuery, queryPeriod } from './search.js';
import type { CatalogQuery, CatalogRow, EsmCatalog, EsmCatalogHeader, SearchOptions } from './types.js';

/** Sorted distinct non-empty values of a column, list items flattened (as intake-esm's `unique()`). */
export function distinctValues(table: ColumnTable, c: number): string[] {
  const col = table.stored[c];
  const set = new Set<string>();
  if (col.kind === 'dict') for (const v of col.lists ? col.lists.flat() : col.values) set.add(v);
  else
    for (let i = 0; i < table.size; i++) {
      const cell = table.cell(c, i);
      if (Array.isArray(cell)) cell.forEach((v) => set.add(v));
      else set.add(cell);
    }
  set.delete('');
  return [...set].sort();
}

/** A search's test of one dictionary column: which codes it lets through. */
interface CodeFilter {
  c: number;
  codes: Uint32Array;
  allowed: Uint8Array;
  /** Share of the column's distinct values allowed: the smallest goes first. */
  share: number;
}

/**
 * Rows (ascending) whose codes every filter allows. Only the first, most selective filter looks at every row,
 * through its column's postings when `usePostings` or the rows are clustered by it (then its postings cost
 * no more than a scan and are contiguous) and they select under a quarter of the rows, or else by a
 * tight scan of its codes; the other filters are tested on those rows only. A single loop testing all filters on
 * every row ran several times slower (the single-facet search of bench/catalog.ts: 10-14 ms over a million rows;
 * scan about 1.5 ms; postings well under 1 ms).
 */
function matchCodes(table: ColumnTable, filters: CodeFilter[], usePostings: boolean): Int32Array {
  if (filters.length === 0) return Int32Array.from({ length: table.size }, (_, i) => i);
  const { c, codes, allowed } = filters[0];
  const found =
    (usePostings || table.clusteredBy === c ? fromPostings(table, c, allowed) : undefined) ??
    scanCodes(table.size, codes, allowed);
  return keepAllowed(found, filters.slice(1));
}

/** The rows of `found` (a fresh array, overwritten) whose codes every filter allows, in their order. */
function keepAllowed(found: Int32Array, filters: CodeFilter[]): Int32Array {
  let n = found.length;
  for (const f of filters) {
    let kept = 0;
    for (let j = 0; j < n; j++) if (f.allowed[f.codes[found[j]]] !== 0) found[kept++] = found[j];
    n = kept;
  }
  return found.subarray(0, n);
}

/** How many rows hold a code `filter` allows, from its column's postings. */
function postingsCount(table: ColumnTable, filter: CodeFilter): number {
  const { offsets } = table.postings(filter.c);
  let n = 0;
  for (let code = 0; code < filter.allowed.length; code++)
    if (filter.allowed[code] !== 0) n += offsets[code + 1] - offsets[code];
  return n;
}

/** Rows holding an allowed code, from the column's postings; undefined when they are a quarter of the rows or more. */
function fromPostings(table: ColumnTable, c: number, allowed: Uint8Array): Int32Array | undefined {
  const { offsets, rows } = table.postings(c);
  const picked = [...allowed.keys()].filter((code) => allowed[code] !== 0);
  const total = picked.reduce((sum, code) => sum + offsets[code + 1] - offsets[code], 0);
  if (total > table.size / 4) return undefined;
  const found = new Int32Array(total);
  let n = 0;
  for (const code of picked) {
    found.set(rows.subarray(offsets[code], offsets[code + 1]), n);
    n += offsets[code + 1] - offsets[code];
  }
  return picked.length > 1 ? found.sort() : found;
}

/** Rows holding an allowed code, by a scan of the codes. */
function scanCodes(size: number, codes: Uint32Array, allowed: Uint8Array): Int32Array {
  let found = new Int32Array(1024);
  let n = 0;
  for (let i = 0; i < size; i++) {
    if (allowed[codes[i]] === 0) continue;
    if (n === found.length) {
      const grown = new Int32Array(n * 2);
      grown.set(found);
      found = grown;
    }
    found[n++] = i;
  }
  return found.subarray(0, n);
}

/** A catalog searched in memory. Built by `loadEsmCatalog` when no index is used, or while the index is built. */
export class MemoryCatalog implements EsmCatalog {
  readonly columns: string[];
  readonly assetColumn: string;
  private searches = 0;

  constructor(
    readonly source: string,
    readonly header: EsmCatalogHeader,
    readonly table: ColumnTable,
    readonly notes: string[] = [],
  ) {
    this.columns = table.columns;
    this.assetColumn = header.assets.column_name;
  }

  get size(): number {
    return this.table.size;
  }

  async search(query: CatalogQuery, options: SearchOptions = {}): Promise<CatalogRow[]> {
    return this.searchSync(query, options);
  }

  /** The search, synchronously (no I/O is involved). */
  searchSync(query: CatalogQuery, options: SearchOptions = {}): CatalogRow[] {
    const hits = this.searchHits(query, options);
    return applyRequireAllOn(hits.rows(), normalizeQuery(query), options.requireAllOn ?? []);
  }

  /**
   * The rows matching the query and period as columns (`requireAllOn`, which needs the rows, is checked but
   * applied only by `search`): no row object is made until the caller asks for one.
   */
  searchHits(query: CatalogQuery, options: SearchOptions = {}): CatalogHits {
    const q = normalizeQuery(query);
    checkColumns(this.columns, q, options.requireAllOn);
    const { table } = this;
    // Test each distinct value of a dictionary column once; rows then only compare codes. Plain columns (paths)
    // are tested cell by cell, only on rows the dictionary columns let through.
    const filters: CodeFilter[] = [];
    const plainTests: { c: number; test: (cell: string | string[]) => boolean }[] = [];
    for (const [column, values] of Object.entries(q)) {
      const c = this.columns.indexOf(column);
      const col = table.stored[c];
      const test = compileColumn(column, values);
      if (col.kind === 'plain') {
        plainTests.push({ c, test });
        continue;
      }
      const cells: (string | string[])[] = col.lists ?? col.values;
      const allowed = Uint8Array.from(cells, (v) => (test(v) ? 1 : 0));
      const count = allowed.reduce((a, b) => a + b, 0);
      if (count === 0) return new CatalogHits(table, new Int32Array(0));
      filters.push({ c, codes: col.codes, allowed, share: count / cells.length });
    }
    filters.sort((a, b) => a.share - b.share);
    // Postings cost two passes over a column: more than one scan, so a catalog loaded for one search (the cold
    // path) scans, and one searched again builds them.
    this.searches++;
    const period = options.timeRange ? queryPeriod(options.timeRange) : undefined;
    // A table searched again, or loaded with its period index, answers the time range from that index; a one-off
    // search (the cold path) tests the keys instead, which costs less than building the index.
    const indexed = period !== undefined && (this.searches > 1 || table.hasPeriodIndex);
    let found: Int32Array;
    // Whether `found` holds only rows overlapping the period already.
    let periodDone = false;
    // The smaller of the two row lists drives: the period index's rows, with the facets' codes tested on them, when
    // they are fewer than the most selective facet's rows (counted from its postings); else the facets' rows, with
    // their period keys tested (reading two keys per row costs less than sorting and merging the period's rows).
    if (
      indexed &&
      (filters.length === 0 ||
        table.periodIndex.count(period[0], period[1]) < postingsCount(table, filters[0]))
    ) {
      // The facets usually keep few of the period's rows: only those are sorted.
      found = keepAllowed(table.periodIndex.overlapping(period[0], period[1], false), filters).sort();
      periodDone = true;
    } else found = matchCodes(table, filters, this.searches > 1);
    const testKeys = period !== undefined && !periodDone;
    let kept = 0;
    for (let j = 0; j < found.length; j++) {
      const i = found[j];
      if (plainTests.length > 0 && plainTests.some((p) => !p.test(table.cell(p.c, i)))) continue;
      if (testKeys) {
        const first = table.periodFirst[i];
        if (!Number.isNaN(first) && !periodsOverlap(first, table.periodLast[i], period[0], period[1]))
          continue;
      }
      found[kept++] = i;
    }
    return new CatalogHits(table, table.inTableOrder(found.subarray(0, kept)));
  }

  async uniqueValues(columns: string[] = this.columns): Promise<Record<string, string[]>> {
    checkColumns(this.columns, {}, columns);
    return Object.fromEntries(columns.map((c) => [c, distinctValues(this.table, this.columns.indexOf(c))]));
  }

  async close(): Promise<void> {}
}
