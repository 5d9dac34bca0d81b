import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CMIP6_EXPERIMENT_COLUMNS,
  CMIP6_TIE_BREAKERS,
  esmCatalogRows,
  FILTER_COLUMNS,
  facetValue,
  loadEsmCatalog,
  populatedColumns,
  checkCaseFacets,
  QueryMemo,
  rowSize,
  rowTimeExtent,
  ValidationError,
  type CatalogRows,
  type DataKey,
  type DataKeyInit,
  type DataSource,
  type FetchResult,
  type QueryResult,
  type RequestContext,
  type VariableQuery,
  variableQuery,
  type VarlistEntry,
} from 'fairpod/plugin';

/** What the filesystem source is made from: its parsed options. */
export interface FilesystemOptions {
  /** The ESM catalog's JSON header (or a bare CSV), absolute. */
  catalog: string;
  /** A table to use instead of the header's `catalog_file`. */
  catalogFile?: string;
}

/**
 * Local files listed in an ESM catalog (JSON header + CSV). Queries match the translated variable name,
 * frequency, realm and the case's facets; fetching only checks that the file is there and readable.
 */
export class FilesystemDataSource implements DataSource {
  readonly experimentColumns = CMIP6_EXPERIMENT_COLUMNS;
  readonly tieBreakers = CMIP6_TIE_BREAKERS;

  private rows?: CatalogRows;
  /** Columns with at least one non-empty value: only those are used to filter. */
  private populated = new Set<string>();
  /** This run's answers: every POD asking for the same variable gets the first answer. */
  private memo = new QueryMemo<DataKeyInit[]>();

  constructor(private readonly options: FilesystemOptions) {}

  async setup(context: RequestContext): Promise<void> {
    const catalog = await loadEsmCatalog(this.options.catalog, { catalogFile: this.options.catalogFile });
    this.rows = esmCatalogRows(catalog);
    checkCaseFacets(this.rows, context.caseSpec);
    this.populated = await populatedColumns(this.rows, FILTER_COLUMNS);
    this.memo = new QueryMemo();
  }

  async tearDown(): Promise<void> {
    await this.rows?.close();
    this.rows = undefined;
    this.memo = new QueryMemo();
  }

  async query(entry: VarlistEntry, context: RequestContext): Promise<QueryResult> {
    const q = variableQuery(this.rows!, this.populated, entry, context.caseSpec);
    return { keys: await this.memo.get(q, () => this.keysOf(q)), description: q.description };
  }

  /**
   * The data keys of a query's rows. The catalog's index answers the facets and the period together, so only
   * rows inside the period (and the year before it, see searchPeriod) become objects and keys.
   */
  private async keysOf(q: VariableQuery): Promise<DataKeyInit[]> {
    const rows = this.rows!;
    const found = await rows.search(q.query, q.options);
    const root = path.dirname(rows.source);
    return found.map((row) => {
      const file = resolveAssetPath(facetValue(row, rows.assetColumn), root, rows.source);
      const size = rowSize(row);
      return { id: file, row, ...rowTimeExtent(row), ...(size ? { size } : {}) };
    });
  }

  async fetch(key: DataKey): Promise<FetchResult> {
    let stat;
    try {
      stat = await fs.stat(key.id);
      await fs.access(key.id, fs.constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT'
          ? `file listed in the catalog is missing on disk: ${key.id}`
          : `cannot read ${key.id} (${code})`,
        {
          cause: err,
        },
      );
    }
    if (!stat.isFile()) throw new Error(`not a regular file: ${key.id}`);
    key.size ??= stat.size;
    return { localPath: key.id, bytes: 0, cached: true };
  }
}

/**
 * A catalog's path as an absolute local path: absolute paths and `file:` URLs are taken as they are;
 * relative paths are resolved against the catalog's directory and must stay inside it.
 */
export function resolveAssetPath(value: string, root: string, catalogFile: string): string {
  const local = value.startsWith('file:') ? new URL(value).pathname : value;
  if (path.isAbsolute(local)) return path.normalize(local);
  const resolved = path.resolve(root, local);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) {
    throw new ValidationError(`catalog path "${value}" escapes the catalog's directory ${root}`, {
      location: { file: catalogFile },
      hint: 'relative paths in a catalog must stay below the catalog file; use an absolute path for data elsewhere',
    });
  }
  return resolved;
}
