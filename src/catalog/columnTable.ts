/**
 * A catalog table held in memory by column, each column dictionary-encoded (distinct values + one code per row).
 *
 * Catalog facets repeat a few values over millions of rows, so codes keep memory small, and a search tests each
 * distinct value once and then compares integers row by row.
 */
import { ValidationError } from '../core/errors.js';
import { formatListValue, parseListValue, readCsvRecords } from './csvTable.js';
import { periodOf, timeColumns } from './search.js';
import type { CatalogRow } from './types.js';

/** One dictionary-encoded column. */
export interface EncodedColumn {
  /** Distinct values in order of first appearance. */
  values: string[];
  /** Per row: index into `values`. */
  codes: Uint32Array;
  /** For a list-valued column: each distinct value parsed into its items. */
  lists?: string[][];
}

// Rows read before deciding which columns are stored plain (one value per row) rather than as a dictionary.
const PLAIN_PROBE = 4096;

/** A whole table by column, plus each row's period keys (NaN when the row has none). */
export class ColumnTable {
  readonly columns: string[];
  readonly encoded: EncodedColumn[];
  size = 0;
  periodFirst = new Float64Array(0);
  periodLast = new Float64Array(0);
  private readonly lookup: Map<string, number>[];
  private readonly plain: boolean[];
  private readonly lastValue: (string | undefined)[];
  private readonly lastCode: number[];

  constructor(columns: string[]) {
    this.columns = columns;
    this.encoded = columns.map(() => ({ values: [], codes: new Uint32Array(1024) }));
    this.lookup = columns.map(() => new Map());
    this.plain = columns.map(() => false);
    this.lastValue = columns.map(() => undefined);
    this.lastCode = columns.map(() => 0);
  }

  /** Appends one row given as cells in column order. */
  add(cells: string[]): void {
    if (this.size === this.encoded[0].codes.length) {
      for (const col of this.encoded) {
        const grown = new Uint32Array(col.codes.length * 2);
        grown.set(col.codes);
        col.codes = grown;
      }
    }
    const row = this.size;
    for (let c = 0; c < cells.length; c++) {
      const col = this.encoded[c];
      const value = cells[c];
      if (this.plain[c]) {
        col.codes[row] = col.values.length;
        col.values.push(value);
        continue;
      }
      // Consecutive rows of a catalog mostly repeat their neighbour's facets: compare before hashing.
      if (value === this.lastValue[c]) {
        col.codes[row] = this.lastCode[c];
        continue;
      }
      const map = this.lookup[c];
      let code = map.get(value);
      if (code === undefined) {
        code = col.values.length;
        col.values.push(value);
        map.set(value, code);
      }
      col.codes[row] = code;
      this.lastValue[c] = value;
      this.lastCode[c] = code;
    }
    this.size++;
    if (this.size === PLAIN_PROBE) this.probeForPlainColumns();
  }

  /**
   * Columns whose values are nearly all distinct (paths, ids) gain nothing from a dictionary and cost a hash
   * lookup per cell: after the first rows they switch to one value per row.
   */
  private probeForPlainColumns(): void {
    this.encoded.forEach((col, c) => {
      if (col.values.length <= this.size / 2) return;
      col.values = Array.from(col.codes.subarray(0, this.size), (code) => col.values[code]);
      col.codes.set(col.values.map((_, i) => i));
      this.lookup[c].clear();
      this.plain[c] = true;
    });
  }

  /** Ends loading: trims buffers, detects list-valued columns and computes each row's period. */
  finish(): this {
    for (const col of this.encoded) {
      col.codes = col.codes.slice(0, this.size);
      const nonEmpty = col.values.filter((v) => v !== '');
      const parsed = nonEmpty.length > 0 ? col.values.map((v) => (v === '' ? [] : parseListValue(v))) : [];
      if (nonEmpty.length > 0 && parsed.every((p) => p !== undefined)) col.lists = parsed as string[][];
    }
    this.lookup.length = 0;
    this.computePeriods();
    return this;
  }

  private computePeriods(): void {
    this.periodFirst = new Float64Array(this.size).fill(NaN);
    this.periodLast = new Float64Array(this.size).fill(NaN);
    const tc = timeColumns(this.columns);
    if (!tc) return;
    const col = (name: string | undefined): EncodedColumn | undefined =>
      name === undefined ? undefined : this.encoded[this.columns.indexOf(name)];
    const start = col(tc.start);
    const end = col(tc.end);
    const range = col(tc.range);
    // Parse each distinct combination of codes once: catalogs repeat the same periods across variables and members.
    const cache = new Map<number, [number, number] | undefined>();
    const sn = (start?.values.length ?? 0) + 1;
    const en = (end?.values.length ?? 0) + 1;
    for (let i = 0; i < this.size; i++) {
      const sc = start ? start.codes[i] : 0;
      const ec = end ? end.codes[i] : 0;
      const rc = range ? range.codes[i] : 0;
      const key = (rc * en + ec) * sn + sc;
      let p = cache.get(key);
      if (p === undefined && !cache.has(key)) {
        p = periodOf(start?.values[sc], end?.values[ec], range?.values[rc]);
        cache.set(key, p);
      }
      if (p) {
        this.periodFirst[i] = p[0];
        this.periodLast[i] = p[1];
      }
    }
  }

  /** The cell of row `i` in column `c`, lists parsed. */
  cell(c: number, i: number): string | string[] {
    const col = this.encoded[c];
    const code = col.codes[i];
    return col.lists ? col.lists[code] : col.values[code];
  }

  /** Row `i` as an object. */
  row(i: number): CatalogRow {
    const out: CatalogRow = {};
    for (let c = 0; c < this.columns.length; c++) out[this.columns[c]] = this.cell(c, i);
    return out;
  }

  /** Names of the list-valued columns. */
  listColumns(): string[] {
    return this.columns.filter((_, c) => this.encoded[c].lists !== undefined);
  }
}

/**
 * Reads a CSV (or .csv.gz) table into a ColumnTable, streaming it. A row with the wrong number of cells is a
 * ValidationError located at its line.
 */
export async function readColumnTable(file: string): Promise<ColumnTable> {
  let table: ColumnTable | undefined;
  let width = 0;
  await readCsvRecords(file, (fields, line) => {
    if (!table) {
      const names = fields.map((f) => f.trim());
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined || names.some((n) => n === '')) {
        throw new ValidationError(
          dup !== undefined
            ? `column '${dup}' appears twice in the header row`
            : 'the header row has an empty column name',
          {
            location: { file, line },
            hint: 'give every column of the first row a distinct name',
          },
        );
      }
      table = new ColumnTable(names);
      width = names.length;
      return;
    }
    if (fields.length !== width) {
      throw new ValidationError(`row has ${fields.length} cells, the header row has ${width}`, {
        location: { file, line },
        hint: 'quote cells holding commas ("a, b"), or fix the number of separators on this line',
      });
    }
    table.add(fields);
  });
  if (!table) {
    throw new ValidationError('the catalog table is empty', {
      location: { file, line: 1 },
      hint: 'the first row must name the columns',
    });
  }
  return table.finish();
}

/** Builds a ColumnTable from rows held as objects (an inline `catalog_dict`); lists are kept as lists. */
export function columnTableOfRows(rows: Record<string, unknown>[]): ColumnTable {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const table = new ColumnTable(columns);
  const text = (v: unknown): string =>
    v === null || v === undefined ? '' : Array.isArray(v) ? formatListValue(v.map(String)) : String(v);
  for (const row of rows) table.add(columns.map((c) => text(row[c])));
  return table.finish();
}
