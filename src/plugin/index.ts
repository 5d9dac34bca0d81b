/**
 * `fairpod/plugin`: everything a data-source plugin imports, and nothing else. A plugin is an npm package
 * (named `fairpod-plugin-*`, or listed in a project's `package.json` under `fairpod.plugins`) whose default
 * export is `definePlugin({ name, aliases, description, options, create })`; `create` returns a
 * `DataSource` (query one variable, fetch one key, experiment columns, tie-breakers). The loop, translation,
 * selection, preprocessing and provenance stay in fairpod; `contractSuite` checks a plugin in its own repository.
 */
import 'reflect-metadata';

// Declaring a plugin and its options.
export { definePlugin } from './define.js';
export type { PluginDefinition, PluginServices } from './define.js';
export type {
  OptionSpec,
  OptionSpecs,
  OptionValue,
  OptionValues,
  StringOption,
  PathOption,
  UrlOption,
  IntegerOption,
  NumberOption,
  BooleanOption,
  ListOption,
} from './options.js';

// The data-source interface and what it receives and returns.
export type {
  DataSource,
  CaseSpec,
  QueryResult,
  FetchResult,
  RequestContext,
  RequestOptions,
} from '../core/dataSource.js';
export { unknownFacetError } from '../core/dataSource.js';
export { DataKeyError, facetValue } from '../core/dataKey.js';
export type { DataKey, DataKeyInit, RegistryProductRef } from '../core/dataKey.js';
export type { VarlistEntry } from '../core/varlist.js';
export type { Logger } from '../core/services.js';
export type { ExperimentColumns, TieBreaker } from '../core/selection.js';

// Errors a plugin throws: located at a flag, a file or a key, with a hint.
export { FairpodError, ValidationError } from '../core/errors.js';
export type { Location } from '../core/errors.js';

// Catalog search helpers: the shared query of one variable against catalog rows, and what it reads.
export {
  esmCatalogRows,
  FILTER_COLUMNS,
  populatedColumns,
  queryCatalog,
  checkCaseFacets,
  QueryMemo,
  rowSize,
  rowTimeExtent,
  searchPeriod,
  variableQuery,
} from '../core/catalogQuery.js';
export type { CatalogMatch, CatalogRows, VariableQuery } from '../core/catalogQuery.js';
export { CatalogHits } from '../catalog/hits.js';
export { loadEsmCatalog } from '../catalog/esmCatalog.js';
export { searchRows } from '../catalog/search.js';
export { loadTemplate, matchTemplate } from '../catalog/templates.js';
export type { DrsTemplate } from '../catalog/templates.js';
export { parseTimeRange, tryParseCatalogDate } from '../catalog/dates.js';
export type { CatalogQuery, CatalogRow, EsmCatalog } from '../catalog/types.js';

// Downloads and the write-once store.
export { Downloader } from '../fetch/downloader.js';
export type { DownloadRequest, DownloadResult, DownloaderOptions } from '../fetch/downloader.js';
export { formatSummary } from '../fetch/summary.js';
export { checkUrl, redactUrl } from '../fetch/urls.js';
export { ContentStore } from '../store/contentStore.js';
export { HASH_ALGORITHMS, hashFile } from '../store/hashing.js';
export type { HashAlgorithm } from '../store/hashing.js';
export { resolveUnder } from '../store/writeOnceFile.js';

// A client for FAIR data registries (fairpod's own or any other).
export { RegistryClient } from '../registry/client/client.js';
export type { Resource } from '../registry/client/client.js';

// CMIP6's experiment columns and tie-breakers, and tie-breakers to build others.
export { CMIP6_EXPERIMENT_COLUMNS, CMIP6_TIE_BREAKERS } from '../core/cmip6Selection.js';
export { lowestEnsembleMember, newestVersion, preferredValues } from '../core/tieBreakers.js';

// The contract suite and what its fixtures use.
export { contractSuite } from './contractSuite.js';
export { contractEntry, contractRows, writeTestCatalog } from '../core/contract.js';
export type { ContractFixture } from '../core/contract.js';
