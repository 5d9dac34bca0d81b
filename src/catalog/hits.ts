/**
 * A search's answer as columns: the ids of the matching rows, with cells read only for the columns and rows a
 * caller asks for. A 56,845-row date-range answer as row objects took 98 of its 99 ms making them; as hits it
 * costs its index lookup (bench/catalog.ts), and a data source makes objects only for the rows it keeps.
 */
import type { ColumnTable } from './columnTable.js';
import type { CatalogRow } from './types.js';

/** The rows a search found, in table order, read by column. */
export class CatalogHits {
  private readonly columnCache = new Map<number, (string | string[])[]>();

  constructor(
    private readonly table: ColumnTable,
    /** The stored rows found, in table order. */
    readonly ids: Int32Array,
  ) {}

  /** How many rows were found. */
  get length(): number {
    return this.ids.length;
  }

  /** The columns of the rows. */
  get columns(): readonly string[] {
    return this.table.columns;
  }

  /** The cells of `column` for every hit (lists parsed), read once and kept; undefined for an unknown column. */
  column(column: string): readonly (string | string[])[] | undefined {
    const c = this.table.columns.indexOf(column);
    if (c < 0) return undefined;
    let cells = this.columnCache.get(c);
    if (!cells) this.columnCache.set(c, (cells = this.table.cells(c, this.ids)));
    return cells;
  }

  /** The first and last period keys of hit `j` (NaN when the row has no period; see dates.ts). */
  period(j: number): [number, number] {
    const i = this.ids[j];
    return [this.table.periodFirst[i], this.table.periodLast[i]];
  }

  /** Hit `j` as a row object. */
  row(j: number): CatalogRow {
    return this.table.rows([this.ids[j]])[0];
  }

  /** The hits `js` (indexes into this answer) as row objects, in that order. */
  rowsAt(js: ArrayLike<number>): CatalogRow[] {
    return this.table.rows(Array.from(js, (j) => this.ids[j]));
  }

  /** Every hit as a row object. */
  rows(): CatalogRow[] {
    return this.table.rows(this.ids);
  }
}
