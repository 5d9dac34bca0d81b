/** An EsmCatalog answering searches from a ColumnTable held in memory. */
import { periodsOverlap } from './dates.js';
import type { ColumnTable } from './columnTable.js';
import { applyRequireAllOn, checkColumns, compileColumn, normalizeQuery, queryPeriod } from './search.js';
import type { CatalogQuery, CatalogRow, EsmCatalog, EsmCatalogHeader, SearchOptions } from './types.js';

/** Sorted distinct non-empty values of a column, list items flattened (as intake-esm's `unique()`). */
export function distinctValues(table: ColumnTable, c: number): string[] {
  const col = table.encoded[c];
  const set = new Set<string>(col.lists ? col.lists.flat() : col.values);
  set.delete('');
  return [...set].sort();
}

/** A catalog searched in memory. Built by `loadEsmCatalog` when no index is used, or while the index is built. */
export class MemoryCatalog implements EsmCatalog {
  readonly columns: string[];
  readonly assetColumn: string;

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
    const q = normalizeQuery(query);
    checkColumns(this.columns, q, options.requireAllOn);
    const { table } = this;
    // Test each distinct value once; rows then only compare codes.
    const filters = Object.entries(q).map(([column, values]) => {
      const col = table.encoded[this.columns.indexOf(column)];
      const test = compileColumn(column, values);
      const cells: (string | string[])[] = col.lists ?? col.values;
      return { codes: col.codes, allowed: Uint8Array.from(cells, (v) => (test(v) ? 1 : 0)) };
    });
    const period = options.timeRange ? queryPeriod(options.timeRange) : undefined;
    const hits: CatalogRow[] = [];
    rows: for (let i = 0; i < table.size; i++) {
      for (const f of filters) if (f.allowed[f.codes[i]] === 0) continue rows;
      if (period) {
        const first = table.periodFirst[i];
        if (!Number.isNaN(first) && !periodsOverlap(first, table.periodLast[i], period[0], period[1]))
          continue;
      }
      hits.push(table.row(i));
    }
    return applyRequireAllOn(hits, q, options.requireAllOn ?? []);
  }

  async uniqueValues(columns: string[] = this.columns): Promise<Record<string, string[]>> {
    checkColumns(this.columns, {}, columns);
    return Object.fromEntries(columns.map((c) => [c, distinctValues(this.table, this.columns.indexOf(c))]));
  }

  async close(): Promise<void> {}
}
