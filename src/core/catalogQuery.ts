import type { CatalogQuery, CatalogRow, EsmCatalog } from '../catalog/types.js';
import { parseTimeRange, tryParseCatalogDate } from '../catalog/dates.js';
import { facetValue, type DataKeyInit } from './dataKey.js';
import { unknownFacetError, type CaseSpec } from './dataSource.js';
import type { VarlistEntry } from './varlist.js';

/** Rows a catalog-backed data source searches: a loaded ESM catalog, or rows it built (a crawl). */
export interface CatalogRows {
  /** The catalog file or URL, for errors. */
  readonly source: string;
  readonly columns: readonly string[];
  /** The column holding each row's file path or URL(s). */
  readonly assetColumn: string;
  /** The column holding the native variable name. */
  readonly variableColumn: string;
  search(query: CatalogQuery): Promise<CatalogRow[]>;
  /** Each column's distinct values, when the rows have an index for them (else `search({})` is scanned). */
  uniqueValues?(): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

/** A loaded ESM catalog as `CatalogRows`: its variable column from `aggregation_control`, else `variable_id`. */
export function esmCatalogRows(catalog: EsmCatalog): CatalogRows {
  return {
    source: catalog.source,
    columns: catalog.columns,
    assetColumn: catalog.assetColumn,
    variableColumn: catalog.header.aggregation_control?.variable_column_name ?? 'variable_id',
    search: (q) => catalog.search(q),
    uniqueValues: () => catalog.uniqueValues(),
    close: () => catalog.close(),
  };
}

/** The columns with at least one non-empty value: only those filter a query (an empty `realm` column matches all). */
export async function populatedColumns(rows: CatalogRows): Promise<Set<string>> {
  if (rows.uniqueValues) {
    const unique = await rows.uniqueValues();
    return new Set(rows.columns.filter((c) => unique[c]?.some((v) => v !== '')));
  }
  const all = await rows.search({});
  return new Set(rows.columns.filter((c) => all.some((row) => facetValue(row, c) !== '')));
}

/** The rows one variable may use, and the query in words (`variable_id=ts frequency=mon`) for plans and errors. */
export interface CatalogMatch {
  rows: CatalogRow[];
  description: string;
}

/**
 * The query of one variable against catalog rows, shared by every catalog-backed data source: the native
 * name in the variable column, frequency and realm where those columns are populated, and each of the
 * case's facets, which must be a column (else a located error at `--facet` or the case-list entry).
 */
export async function queryCatalog(
  rows: CatalogRows,
  populated: ReadonlySet<string>,
  entry: VarlistEntry,
  caseSpec: CaseSpec,
): Promise<CatalogMatch> {
  const query: CatalogQuery = { [rows.variableColumn]: entry.translation!.name };
  if (entry.frequency && populated.has('frequency')) query.frequency = entry.frequency;
  if (entry.spec.realm && populated.has('realm')) query.realm = entry.spec.realm;
  for (const [column, value] of Object.entries(caseSpec.facets)) {
    if (!rows.columns.includes(column)) {
      throw unknownFacetError(column, caseSpec, {
        file: rows.source,
        what: 'the catalog',
        known: [...rows.columns],
      });
    }
    query[column] = value;
  }
  return {
    rows: await rows.search(query),
    description: Object.entries(query)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
      .join(' '),
  };
}

/** The time extent of a catalog row from `start_time`/`end_time` or `time_range`. */
export function rowTimeExtent(row: CatalogRow): Pick<DataKeyInit, 'start' | 'end'> {
  const start = tryParseCatalogDate(facetValue(row, 'start_time'));
  const end = tryParseCatalogDate(facetValue(row, 'end_time'));
  if (start && end) return { start, end };
  const range = parseTimeRange(facetValue(row, 'time_range'));
  return range ? { start: range.start, end: range.end } : {};
}

/** A row's `size` column as a positive byte count, if it has one. */
export function rowSize(row: CatalogRow): number | undefined {
  const size = Number(facetValue(row, 'size'));
  return Number.isFinite(size) && size > 0 ? size : undefined;
}
