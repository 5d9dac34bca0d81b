import {
  checkUrl,
  CMIP6_EXPERIMENT_COLUMNS,
  CMIP6_TIE_BREAKERS,
  ContentStore,
  Downloader,
  esmCatalogRows,
  facetValue,
  formatSummary,
  HASH_ALGORITHMS,
  loadEsmCatalog,
  loadTemplate,
  populatedColumns,
  checkCaseFacets,
  QueryMemo,
  redactUrl,
  rowSize,
  rowTimeExtent,
  searchRows,
  variableQuery,
  ValidationError,
  type CatalogRow,
  type CatalogRows,
  type DataKey,
  type DataKeyInit,
  type DataSource,
  type DownloadRequest,
  type FetchResult,
  type HashAlgorithm,
  type PluginServices,
  type QueryResult,
  type RequestContext,
  type VarlistEntry,
} from 'fairpod/plugin';
import { crawlIndex } from './autoindex.js';

/** What the http source is made from: its parsed options. */
export interface HttpOptions {
  catalog?: string;
  catalogFile?: string;
  indexUrl?: string;
  template?: string;
  store?: string;
  maxConnections: number;
  retries: number;
  /** Seconds. */
  timeout: number;
}

/**
 * Files served over HTTP(S). The rows come from an ESM catalog whose asset column holds URLs (a list of
 * URLs = mirrors, tried in order; optional `checksum`, `checksum_type` and `size` columns), or from crawling
 * an nginx/Apache directory index with a DRS template. Fetching downloads into the content store through
 * the shared Downloader; a failed or corrupt download throws, which fails the data key.
 */
export class HttpDataSource implements DataSource {
  readonly experimentColumns = CMIP6_EXPERIMENT_COLUMNS;
  readonly tieBreakers = CMIP6_TIE_BREAKERS;

  private rows?: CatalogRows;
  private populated = new Set<string>();
  /** This run's answers: every POD asking for the same variable gets the first answer. */
  private memo = new QueryMemo<DataKeyInit[]>();
  private downloader?: Downloader;
  private readonly requests = new Map<string, DownloadRequest>();

  constructor(
    private readonly options: HttpOptions,
    private readonly services: PluginServices,
  ) {
    if (!options.catalog && !options.indexUrl) {
      throw new ValidationError(
        'the http data manager needs a catalog of URLs or a directory index to crawl',
        {
          location: { key: '--catalog' },
          hint: 'pass --catalog FILE.json (an ESM collection whose path column holds URLs), or --index-url URL/ --template cmip6',
        },
      );
    }
    if (options.indexUrl && !options.catalog && !options.template) {
      throw new ValidationError('crawling a directory index needs a DRS template', {
        location: { key: '--template' },
        hint: 'e.g. --template cmip6 (see `fairpod catalog build --help`)',
      });
    }
  }

  async setup(context: RequestContext): Promise<void> {
    this.downloader = new Downloader({
      store: new ContentStore(this.options.store ?? this.services.storeRoot),
      maxConnections: this.options.maxConnections,
      retries: this.options.retries,
      timeoutMs: this.options.timeout * 1000,
      logger: this.services.logger,
    });
    this.rows = this.options.catalog
      ? esmCatalogRows(await loadEsmCatalog(this.options.catalog, { catalogFile: this.options.catalogFile }))
      : await this.crawl(this.options.indexUrl!, this.options.template!);
    checkCaseFacets(this.rows, context.caseSpec);
    this.populated = await populatedColumns(this.rows);
    this.memo = new QueryMemo();
  }

  async tearDown(): Promise<void> {
    await this.rows?.close();
    this.rows = undefined;
    this.memo = new QueryMemo();
    const summary = this.downloader?.finish();
    if (summary && summary.files + summary.cacheHits + summary.failures.length > 0)
      this.services.logger.info(formatSummary(summary));
  }

  async query(entry: VarlistEntry, context: RequestContext): Promise<QueryResult> {
    const q = variableQuery(this.rows!, this.populated, entry, context.caseSpec);
    const keys = await this.memo.get(q, async () =>
      (await this.rows!.search(q.query, q.options)).map((row) => this.keyOf(row)),
    );
    return { keys, description: q.description };
  }

  async fetch(key: DataKey, context: RequestContext): Promise<FetchResult> {
    const request = this.requests.get(key.id)!;
    if (context.options.dryRun) {
      const probe = await this.downloader!.probe(request);
      key.size ??= probe.size;
      return { localPath: key.id, bytes: 0, cached: probe.cached };
    }
    const result = await this.downloader!.download(request);
    key.size ??= result.size;
    // Without a published checksum a damaged file of the right size would pass: say so, once, when it arrives.
    // What was stored is hashed (its SHA-1 is in its store name), so every later read is checked against it.
    if (!result.cached && !request.expected)
      this.services.logger.warn(
        `${key.id}: no published checksum, so stored as received, unverified (SHA-1 ${result.sha1}); add checksum and checksum_type columns to the catalog to have downloads verified`,
      );
    return { localPath: result.path, bytes: result.bytes, cached: result.cached };
  }

  /** A data key for a row: its first URL (credentials removed) is the id; the rest are mirrors. */
  private keyOf(row: CatalogRow): DataKeyInit {
    const rows = this.rows!;
    const value = row[rows.assetColumn] ?? '';
    const urls = (Array.isArray(value) ? value : [value]).filter(Boolean);
    for (const url of urls) checkUrl(url, { file: rows.source, key: rows.assetColumn });
    const size = rowSize(row);
    const request: DownloadRequest = {
      urls,
      expected: expectedChecksum(row, rows.source),
      ...(size ? { size } : {}),
    };
    const id = redactUrl(urls[0] ?? '');
    this.requests.set(id, request);
    return { id, row, ...rowTimeExtent(row), ...(size ? { size } : {}) };
  }

  private async crawl(raw: string, templateName: string): Promise<CatalogRows> {
    const root = checkUrl(raw.endsWith('/') ? raw : `${raw}/`, { key: '--index-url' });
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
