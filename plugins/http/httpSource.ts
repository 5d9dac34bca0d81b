import path from 'node:path';
import { injectable } from 'tsyringe';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { searchRows } from '../../src/catalog/search.js';
import { loadTemplate } from '../../src/catalog/templates.js';
import type { CatalogQuery, CatalogRow } from '../../src/catalog/types.js';
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
import type { VarlistEntry } from '../../src/core/varlist.js';
import { Downloader, type DownloadRequest } from '../../src/fetch/downloader.js';
import { formatSummary } from '../../src/fetch/summary.js';
import { checkUrl, redactUrl } from '../../src/fetch/urls.js';
import { ContentStore, defaultStoreRoot } from '../../src/store/contentStore.js';
import { HASH_ALGORITHMS, type HashAlgorithm } from '../../src/store/hashing.js';
import { rowTimeExtent } from '../filesystem/filesystemSource.js';
import { crawlIndex } from './autoindex.js';

/** What the queries search: a loaded catalog, or the rows of a crawled index. */
interface RowSource {
  source: string;
  columns: string[];
  assetColumn: string;
  variableColumn: string;
  search(query: CatalogQuery): Promise<CatalogRow[]>;
  close(): Promise<void>;
}

/**
 * Files served over HTTP(S). The rows come from an ESM catalog whose asset column holds URLs (a list of
 * URLs = mirrors, tried in order; optional `checksum`, `checksum_type` and `size` columns), or from crawling
 * an nginx/Apache directory index with a DRS template. Fetching downloads into the content store through
 * the shared Downloader; a failed or corrupt download throws, which fails the data key.
 */
@injectable()
export class HttpDataSource extends DataSourceBase {
  override readonly experimentColumns = CMIP6_EXPERIMENT_COLUMNS;
  override readonly tieBreakers = CMIP6_TIE_BREAKERS;

  private options: Record<string, unknown> = {};
  private rows?: RowSource;
  private populated = new Set<string>();
  private downloader?: Downloader;
  private readonly requests = new Map<string, DownloadRequest>();

  override configure(options: Record<string, unknown>): void {
    this.options = options;
  }

  override async setupQuery(_context: RequestContext): Promise<void> {
    const catalog = this.stringOption('catalog');
    const indexUrl = this.stringOption('indexUrl');
    if (!catalog && !indexUrl) {
      throw new ValidationError(
        'the http data manager needs a catalog of URLs or a directory index to crawl',
        {
          location: { key: '--catalog' },
          hint: 'pass --catalog FILE.json (an ESM collection whose path column holds URLs), or --index-url URL/ --template cmip6',
        },
      );
    }
    this.downloader = new Downloader({
      store: new ContentStore(this.stringOption('store') ?? defaultStoreRoot(process.cwd())),
      maxConnections: this.numberOption('maxConnections', '--max-connections', 8),
      retries: this.numberOption('retries', '--retries', 5),
      timeoutMs: this.numberOption('timeout', '--timeout', 60) * 1000,
      logger: this.services.logger,
    });
    this.rows = catalog ? await this.loadCatalog(catalog) : await this.crawl(indexUrl!);
    const columns = this.rows.columns;
    const all = await this.rows.search({});
    this.populated = new Set(columns.filter((c) => all.some((row) => facetValue(row, c) !== '')));
  }

  override async tearDown(): Promise<void> {
    await this.rows?.close();
    this.rows = undefined;
    const summary = this.downloader?.finish();
    if (summary && summary.files + summary.cacheHits + summary.failures.length > 0)
      this.services.logger.info(formatSummary(summary));
  }

  async queryDataset(entry: VarlistEntry, context: RequestContext): Promise<QueryResult> {
    const rows = this.rows!;
    const query: CatalogQuery = { [rows.variableColumn]: entry.translation!.name };
    if (entry.frequency && this.populated.has('frequency')) query.frequency = entry.frequency;
    if (entry.spec.realm && this.populated.has('realm')) query.realm = entry.spec.realm;
    for (const [column, value] of Object.entries(context.caseSpec.facets)) {
      if (!rows.columns.includes(column)) {
        throw unknownFacetError(column, context.caseSpec, {
          file: rows.source,
          what: 'the catalog',
          known: rows.columns,
        });
      }
      query[column] = value;
    }
    const keys = (await rows.search(query)).map((row) => this.keyOf(row));
    return {
      keys,
      description: Object.entries(query)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
        .join(' '),
    };
  }

  async fetchDataset(key: DataKey, context: RequestContext): Promise<FetchResult> {
    const request = this.requests.get(key.id)!;
    if (context.options.dryRun) {
      const probe = await this.downloader!.probe(request);
      key.size ??= probe.size;
      return { localPath: key.id, bytes: 0, cached: probe.cached };
    }
    const result = await this.downloader!.download(request);
    key.size ??= result.size;
    return { localPath: result.path, bytes: result.bytes, cached: result.cached };
  }

  /** A data key for a row: its first URL (credentials removed) is the id; the rest are mirrors. */
  private keyOf(row: CatalogRow): DataKeyInit {
    const rows = this.rows!;
    const value = row[rows.assetColumn] ?? '';
    const urls = (Array.isArray(value) ? value : [value]).filter(Boolean);
    for (const url of urls) checkUrl(url, { file: rows.source, key: rows.assetColumn });
    const size = Number(facetValue(row, 'size'));
    const request: DownloadRequest = {
      urls,
      expected: expectedChecksum(row, rows.source),
      ...(Number.isFinite(size) && size > 0 ? { size } : {}),
    };
    const id = redactUrl(urls[0] ?? '');
    this.requests.set(id, request);
    return { id, row, ...rowTimeExtent(row), ...(request.size ? { size: request.size } : {}) };
  }

  private async loadCatalog(file: string): Promise<RowSource> {
    const catalog = await loadEsmCatalog(path.resolve(file), {
      catalogFile: this.stringOption('catalogFile'),
    });
    return {
      source: catalog.source,
      columns: catalog.columns,
      assetColumn: catalog.assetColumn,
      variableColumn: catalog.header.aggregation_control?.variable_column_name ?? 'variable_id',
      search: (q) => catalog.search(q),
      close: () => catalog.close(),
    };
  }

  private async crawl(raw: string): Promise<RowSource> {
    const root = checkUrl(raw.endsWith('/') ? raw : `${raw}/`, { key: '--index-url' });
    const templateName = this.stringOption('template');
    if (!templateName) {
      throw new ValidationError('crawling a directory index needs a DRS template', {
        location: { key: '--template' },
        hint: 'e.g. --template cmip6 (see `fairpod catalog build --help`)',
      });
    }
    const template = loadTemplate(templateName);
    let unmatched = 0;
    const found = await crawlIndex(
      root,
      template,
      (url) => this.downloader!.getText(url),
      () => unmatched++,
    );
    if (unmatched > 0)
      this.services.logger.warn(
        `${unmatched} file(s) under ${redactUrl(root.href)} match no part of the ${template.spec.name} template`,
      );
    const columns = template.columns;
    return {
      source: redactUrl(root.href),
      columns,
      assetColumn: 'path',
      variableColumn: template.spec.aggregation_control?.variable_column_name ?? 'variable_id',
      search: async (q) => searchRows(found, columns, q),
      close: async () => {},
    };
  }

  private stringOption(name: string): string | undefined {
    const v = this.options[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  private numberOption(name: string, flag: string, fallback: number): number {
    const raw = this.options[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || (flag !== '--retries' && n === 0)) {
      throw new ValidationError(
        `${flag} "${String(raw)}" is not a ${flag === '--retries' ? 'non-negative' : 'positive'} number`,
        { location: { key: flag }, hint: `e.g. ${flag} ${fallback}` },
      );
    }
    return n;
  }
}

/** The published checksum of a row (`checksum` + `checksum_type`, default MD5 by its length), if any. */
function expectedChecksum(row: CatalogRow, source: string): DownloadRequest['expected'] {
  const checksum = facetValue(row, 'checksum').trim().toLowerCase();
  if (!checksum) return undefined;
  const declared = facetValue(row, 'checksum_type')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  const byLength: Record<number, HashAlgorithm> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
  const algorithm = (declared || byLength[checksum.length]) as HashAlgorithm | undefined;
  if (!algorithm || !HASH_ALGORITHMS.includes(algorithm) || !/^[0-9a-f]+$/.test(checksum)) {
    throw new ValidationError(`checksum "${checksum}" of type "${declared}" cannot be checked`, {
      location: { file: source, key: 'checksum_type' },
      hint: `checksum_type must be one of ${HASH_ALGORITHMS.join(', ')} and checksum its hex digest`,
    });
  }
  return { [algorithm]: checksum };
}
