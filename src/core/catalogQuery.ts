import type { CatalogHits } from '../catalog/hits.js';
import type { CatalogQuery, CatalogRow, EsmCatalog, SearchOptions } from '../catalog/types.js';
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
  /** The rows matching `query` (and `options.timeRange`, where the rows have periods). */
  search(query: CatalogQuery, options?: SearchOptions): Promise<CatalogRow[]>;
  /** The same search answered as columns, when the rows are a loaded catalog (see CatalogHits). */
  searchHits?(query: CatalogQuery, options?: SearchOptions): CatalogHits;
  /** Each column's (or the given columns') distinct values, when the rows have an index for them (else `search({})` is scanned). */
  uniqueValues?(columns?: string[]): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

/** A loaded ESM catalog as `CatalogRows`: its variable column from `aggregation_control`, else `variable_id`. */
export function esmCatalogRows(catalog: EsmCatalog): CatalogRows {
  return {
    source: catalog.source,
    columns: catalog.columns,
    assetColumn: catalog.assetColumn,
    variableColumn: catalog.header.aggregation_control?.variable_column_name ?? 'variable_id',
    search: (q, o) => catalog.search(q, o),
    searchHits: (q, o) => catalog.searchHits(q, o),
    uniqueValues: (columns) => catalog.uniqueValues(columns),
    close: () => catalog.close(),
  };
}

/** The columns besides the variable column and the case's facets that a variable's query may filter on. */
export const FILTER_COLUMNS: readonly string[] = ['frequency', 'realm'];

/**
 * The columns (of `among`, default all) with at least one non-empty value: only those filter a query (an empty
 * `realm` column matches all). A data source passes FILTER_COLUMNS: the distinct values of a path column (a
 * million strings in a large catalog) are then never made.
 */
export async function populatedColumns(
  rows: CatalogRows,
  among: readonly string[] = rows.columns,
): Promise<Set<string>> {
  const columns = rows.columns.filter((c) => among.includes(c));
  if (rows.uniqueValues) {
    const unique = await rows.uniqueValues(columns);
    return new Set(columns.filter((c) => unique[c]?.some((v) => v !== '')));
  }
  const all = await rows.search({});
  return new Set(columns.filter((c) => all.some((row) => facetValue(row, c) !== '')));
}

/** The rows one variable may use, and the query in words (`variable_id=ts frequency=mon`) for plans and errors. */
export interface CatalogMatch {
  rows: CatalogRow[];
  description: string;
}

/** The search one variable makes: facet values, the period, and the query in words. */
export interface VariableQuery {
  query: CatalogQuery;
  options: SearchOptions;
  description: string;
}

/**
 * The period a case's queries search: FIRSTYR..LASTYR, widened by a year at the start, so that the index keeps
 * every row the loop's own test (`overlapsPeriod`, which lets an hourly end stamp reach one time step further)
 * keeps; the loop then drops what lies outside. Undefined for a period before year 1 (no index query then).
 */
export function searchPeriod(caseSpec: CaseSpec): SearchOptions['timeRange'] {
  const first = caseSpec.firstYear - 1;
  if (first < 0 || caseSpec.lastYear < 0 || caseSpec.lastYear > 9999) return undefined;
  const year = (y: number): string => String(y).padStart(4, '0');
  return { start: year(first), end: year(caseSpec.lastYear) };
}

/**
 * The query of one variable against catalog rows, shared by every catalog-backed data source: the native
 * name in the variable column, frequency and realm where those columns are populated, each of the case's
 * facets, which must be a column (else a located error at `--facet` or the case-list entry), and the case's
 * period (see searchPeriod), which the catalog's period index answers.
 */
export function variableQuery(
  rows: CatalogRows,
  populated: ReadonlySet<string>,
  entry: VarlistEntry,
  caseSpec: CaseSpec,
): VariableQuery {
  const query: CatalogQuery = { [rows.variableColumn]: entry.translation!.name };
  // The columns of FILTER_COLUMNS.
  if (entry.frequency && populated.has('frequency')) query.frequency = entry.frequency;
  if (entry.spec.realm && populated.has('realm')) query.realm = entry.spec.realm;
  checkCaseFacets(rows, caseSpec);
  for (const [column, value] of Object.entries(caseSpec.facets)) query[column] = value;
  const timeRange = searchPeriod(caseSpec);
  return {
    query,
    options: timeRange ? { timeRange } : {},
    description: [
      ...Object.entries(query).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`),
      ...(timeRange ? [`period=${caseSpec.firstYear}..${caseSpec.lastYear}`] : []),
    ].join(' '),
  };
}

/**
 * Every facet of the case (`--facet`, or a case-list entry's keys) must be a column of the catalog: a data
 * source calls this in `setup`, so a misspelt facet stops the command once, before any variable is tried,
 * instead of failing each variable on its own.
 */
export function checkCaseFacets(rows: CatalogRows, caseSpec: CaseSpec): void {
  for (const column of Object.keys(caseSpec.facets)) {
    if (!rows.columns.includes(column)) {
      throw unknownFacetError(column, caseSpec, {
        file: rows.source,
        what: 'the catalog',
        known: [...rows.columns],
      });
    }
  }
}

/** `variableQuery`, searched: the rows one variable may use. */
export async function queryCatalog(
  rows: CatalogRows,
  populated: ReadonlySet<string>,
  entry: VarlistEntry,
  caseSpec: CaseSpec,
): Promise<CatalogMatch> {
  const { query, options, description } = variableQuery(rows, populated, entry, caseSpec);
  return { rows: await rows.search(query, options), description };
}

/**
 * Answers identical variable queries once per run: every POD asking for `ts` monthly makes the same search, so
 * the first answer (a promise, so that concurrent askers share it) is kept for the others. A data source makes
 * one in `setup` and drops it in `tearDown`: a catalog changed between runs is searched again.
 */
export class QueryMemo<T> {
  private readonly answers = new Map<string, Promise<T>>();

  /** How many distinct queries were answered. */
  get size(): number {
    return this.answers.size;
  }

  /** The answer of `q`, computed by `answer` the first time this query (facets and period) is asked. */
  get(q: VariableQuery, answer: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([q.query, q.options]);
    let found = this.answers.get(key);
    if (!found) {
      found = answer();
      this.answers.set(key, found);
    }
    return found;
  }
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
