/** The catalog engine's public shapes (ESM collection specification). */
import type { EsmCatalogHeader } from './header.js';
import type { CatalogHits } from './hits.js';

/** One row of a catalog table: column → value. List-valued columns are parsed into arrays. */
export type CatalogRow = Record<string, string | string[]>;

/** The JSON header of an ESM collection (esmcat), derived from the schema `parseHeader` checks it with. */
export type { EsmCatalogHeader };

/** A search: column → one value or several (ORed); columns are ANDed. Patterns as in intake-esm. */
export type CatalogQuery = Record<string, string | string[]>;

/** Options of a search beyond the facet values. */
export interface SearchOptions {
  /** intake-esm's `require_all_on`: keep only groups (by these columns) holding every requested combination. */
  requireAllOn?: string[];
  /** Keep only rows whose [start, end] overlaps this period (inclusive ISO dates or years). */
  timeRange?: { start: string; end: string };
}

/** A loaded catalog that can be searched. The filesystem and HTTP data managers query through this. */
export interface EsmCatalog {
  /** Absolute path of the JSON header (or of the CSV when loaded without one). */
  readonly source: string;
  readonly header: EsmCatalogHeader;
  readonly columns: string[];
  /** The column holding each row's file path or URL. */
  readonly assetColumn: string;
  /** Number of rows. */
  readonly size: number;
  search(query: CatalogQuery, options?: SearchOptions): Promise<CatalogRow[]>;
  /**
   * The same search answered as columns (see CatalogHits): cells are read only for the columns and rows asked
   * for. `requireAllOn` is applied by `search` only.
   */
  searchHits(query: CatalogQuery, options?: SearchOptions): CatalogHits;
  /** Unique values of each column (or of the given ones). */
  uniqueValues(columns?: string[]): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}
