/** The catalog engine: read, write, crawl and search ESM collection catalogs. */
export * from './types.js';
export {
  parseCatalogDate,
  tryParseCatalogDate,
  parseTimeRange,
  formatCatalogDate,
  periodsOverlap,
} from './dates.js';
export type { CatalogDate, CatalogPeriod, DatePrecision } from './dates.js';
export { CatalogHits } from './hits.js';
export { loadEsmCatalog } from './esmCatalog.js';
export type { LoadOptions, LoadedEsmCatalog } from './esmCatalog.js';
export { writeEsmCatalog } from './write.js';
export type { WriteOptions, WrittenCatalog } from './write.js';
export { searchRows, isPattern, applyRequireAllOn, periodOf, timeColumns } from './search.js';
export { parseListValue, formatListValue } from './csvTable.js';
export { crawl } from './crawl.js';
export type { CrawlOptions } from './crawl.js';
export {
  loadTemplate,
  listTemplates,
  compileTemplate,
  matchTemplate,
  templateHeader,
  TEMPLATES_DIR,
} from './templates.js';
export type { DrsTemplate, DrsTemplateSpec } from './templates.js';
