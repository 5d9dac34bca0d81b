import fs from 'node:fs/promises';
import path from 'node:path';
import { injectable } from 'tsyringe';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import type { CatalogQuery, CatalogRow, EsmCatalog } from '../../src/catalog/types.js';
import { facetValue, type DataKey, type DataKeyInit } from '../../src/core/dataKey.js';
import {
  DataSourceBase,
  type FetchResult,
  type QueryResult,
  type RequestContext,
  unknownFacetError,
} from '../../src/core/dataSource.js';
import { ValidationError } from '../../src/core/errors.js';
import { CMIP6_EXPERIMENT_COLUMNS, CMIP6_TIE_BREAKERS } from '../../src/core/cmip6Selection.js';
import { parseTimeRange, tryParseCatalogDate } from '../../src/catalog/dates.js';
import type { VarlistEntry } from '../../src/core/varlist.js';

/** The time extent of a catalog row from `start_time`/`end_time` or `time_range`. */
export function rowTimeExtent(row: CatalogRow): Pick<DataKeyInit, 'start' | 'end'> {
  const start = tryParseCatalogDate(facetValue(row, 'start_time'));
  const end = tryParseCatalogDate(facetValue(row, 'end_time'));
  if (start && end) return { start, end };
  const range = parseTimeRange(facetValue(row, 'time_range'));
  return range ? { start: range.start, end: range.end } : {};
}

/**
 * Local files listed in an ESM catalog (JSON header + CSV). Queries match the translated variable name,
 * frequency, realm and the case's facets; fetching only checks that the file is there and readable.
 */
@injectable()
export class FilesystemDataSource extends DataSourceBase {
  override readonly experimentColumns = CMIP6_EXPERIMENT_COLUMNS;
  override readonly tieBreakers = CMIP6_TIE_BREAKERS;

  private catalogPath?: string;
  private catalogFile?: string;
  private catalog?: EsmCatalog;
  /** Columns with at least one non-empty value: only those are used to filter. */
  private populated = new Set<string>();

  override configure(options: Record<string, unknown>): void {
    this.catalogPath = typeof options.catalog === 'string' ? options.catalog : undefined;
    this.catalogFile = typeof options.catalogFile === 'string' ? options.catalogFile : undefined;
  }

  override async setupQuery(_context: RequestContext): Promise<void> {
    if (!this.catalogPath) {
      throw new ValidationError('the filesystem data manager needs a catalog', {
        location: { key: '--catalog' },
        hint: 'pass --catalog FILE.json (an ESM collection; `fairpod catalog build DIR` makes one)',
      });
    }
    this.catalog = await loadEsmCatalog(path.resolve(this.catalogPath), { catalogFile: this.catalogFile });
    const unique = await this.catalog.uniqueValues();
    this.populated = new Set(
      Object.entries(unique)
        .filter(([, values]) => values.some((v) => v !== ''))
        .map(([c]) => c),
    );
  }

  override async tearDown(): Promise<void> {
    await this.catalog?.close();
    this.catalog = undefined;
  }

  private variableColumn(): string {
    return this.catalog!.header.aggregation_control?.variable_column_name ?? 'variable_id';
  }

  async queryDataset(entry: VarlistEntry, context: RequestContext): Promise<QueryResult> {
    const catalog = this.catalog!;
    const query: CatalogQuery = { [this.variableColumn()]: entry.translation!.name };
    if (entry.frequency && this.populated.has('frequency')) query.frequency = entry.frequency;
    if (entry.spec.realm && this.populated.has('realm')) query.realm = entry.spec.realm;
    for (const [column, value] of Object.entries(context.caseSpec.facets)) {
      if (!catalog.columns.includes(column)) {
        throw unknownFacetError(column, context.caseSpec, {
          file: catalog.source,
          what: 'the catalog',
          known: catalog.columns,
        });
      }
      query[column] = value;
    }
    const rows = await catalog.search(query);
    const root = path.dirname(catalog.source);
    const keys = rows.map((row) => {
      const file = resolveAssetPath(facetValue(row, catalog.assetColumn), root, catalog.source);
      const size = Number(facetValue(row, 'size'));
      return { id: file, row, ...rowTimeExtent(row), ...(Number.isFinite(size) && size > 0 ? { size } : {}) };
    });
    return {
      keys,
      description: Object.entries(query)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
        .join(' '),
    };
  }

  async fetchDataset(key: DataKey): Promise<FetchResult> {
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
