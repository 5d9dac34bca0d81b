/**
 * The template-free crawl: facets from each netCDF file's global attributes and its path, as ecgtools'
 * parsers build catalogs (CMIP6 files carry their DRS facets as global attributes: `activity_id`,
 * `source_id`, `variant_label`, `table_id`, `variable_id`, `grid_label` ...). The period comes from the file
 * name (`_<start>-<end>.nc` or `.<start>-<end>.nc`) and, failing that, from the time coordinate's first and
 * last values. Written here because no npm package reads netCDF attributes into catalog rows.
 */
import path from 'node:path';
import { FairpodError } from '../core/errors.js';
import { openNetcdf, type NetcdfReader } from '../preprocess/netcdfReader.js';
import type { NcAttributeValue } from '../preprocess/ncTypes.js';
import { TimeUnits } from '../preprocess/timeUnits.js';
import { crawlFiles, type CrawlOptions } from './crawl.js';
import { formatCatalogDate, tryParseCatalogDate } from './dates.js';
import { ESMCAT_VERSION } from './header.js';
import type { CatalogRow, EsmCatalogHeader } from './types.js';

/** Facet columns of the template-free crawl, in order (CMIP6's global attributes, then CESM's `case`). */
export const ATTRIBUTE_FACETS = [
  'activity_id',
  'institution_id',
  'source_id',
  'experiment_id',
  'member_id',
  'table_id',
  'variable_id',
  'grid_label',
  'version',
  'frequency',
  'realm',
  'case',
];

/** Every column the template-free crawl writes. */
export const ATTRIBUTE_COLUMNS = [...ATTRIBUTE_FACETS, 'start_time', 'end_time', 'time_range', 'path'];

const NETCDF_EXTENSIONS = /\.(nc|nc4|netcdf|h5|hdf5)$/i;
/** A period at the end of a file name: `tas_..._185001-201412.nc`, `atmos.19800101-19841231.pr.nc` is not one. */
const NAME_PERIOD = /[._](\d{4,14})-(\d{4,14})\.[^.]+$/;
/** A version folder: `v20190101`, `20190101`, `latest`. */
const VERSION_DIR = /^(v\d{8}|\d{8}|v\d+|latest)$/;
/** Coordinates and helpers that are not the data variables of a file. */
const NOT_DATA = /(_bnds|_bounds|^time_bnds|^bnds)$/;

function text(value: NcAttributeValue | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : String(value).trim();
}

/** The data variables of a file: neither coordinates, nor bounds, nor named by another's `bounds`/`coordinates`. */
function dataVariables(nc: NetcdfReader): string[] {
  const dims = new Set(nc.dimensions.map((d) => d.name));
  const helpers = new Set<string>();
  for (const v of nc.variables) {
    for (const key of ['bounds', 'coordinates', 'cell_measures']) {
      for (const word of text(v.attributes[key]).split(/[\s:]+/)) if (word) helpers.add(word);
    }
  }
  return nc.variables.map((v) => v.name).filter((n) => !dims.has(n) && !helpers.has(n) && !NOT_DATA.test(n));
}

/** `[start_time, end_time]` from the time coordinate, at the precision its spacing suggests; undefined without one. */
function timeExtent(nc: NetcdfReader, file: string): [string, string] | undefined {
  const time = nc.variables.find(
    (v) =>
      v.name === 'time' || text(v.attributes.standard_name) === 'time' || text(v.attributes.axis) === 'T',
  );
  const units = time && text(time.attributes.units);
  if (!time || !units || !/since/.test(units) || time.shape.reduce((a, b) => a * b, 1) === 0)
    return undefined;
  const values = nc.read(time.name);
  const cf = TimeUnits.parse(units, text(time.attributes.calendar) || undefined, { file, key: time.name });
  const first = cf.decode(values[0]!);
  const last = cf.decode(values[values.length - 1]!);
  const stepDays = values.length > 1 ? ((values[1]! - values[0]!) * cf.unitSeconds) / 86400 : 0;
  const format = (d: ReturnType<TimeUnits['decode']>): string =>
    stepDays >= 360
      ? String(d.year).padStart(4, '0')
      : stepDays >= 28
        ? `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}`
        : `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  return [format(first), format(last)];
}

/**
 * The catalog row of one file from its global attributes and path, or why it has none. `relPath` is relative
 * to the crawled root (with `/`), `absPath` goes to the `path` column.
 */
export async function attributeRow(relPath: string, absPath: string): Promise<CatalogRow | string> {
  if (!NETCDF_EXTENSIONS.test(relPath)) return 'not a netCDF file (by its extension)';
  let nc: NetcdfReader;
  try {
    nc = await openNetcdf(absPath);
  } catch (err) {
    return `cannot be read as netCDF: ${err instanceof FairpodError ? err.message : String(err)}`;
  }
  try {
    const a = nc.attributes;
    const row: CatalogRow = Object.fromEntries(ATTRIBUTE_FACETS.map((c) => [c, text(a[c])]));
    const variant = text(a.variant_label);
    const sub = text(a.sub_experiment_id);
    if (!row.member_id && variant) row.member_id = sub && sub !== 'none' ? `${sub}-${variant}` : variant;
    if (!row.realm) row.realm = text(a.modeling_realm);
    const version = relPath
      .split('/')
      .slice(0, -1)
      .reverse()
      .find((part) => VERSION_DIR.test(part));
    if (version) row.version = version;
    if (!row.variable_id) {
      const data = dataVariables(nc);
      if (data.length === 0) return 'holds no data variable (only coordinates)';
      row.variable_id = data.length === 1 ? data[0]! : data;
    }
    const named = NAME_PERIOD.exec(path.posix.basename(relPath));
    const start = named && tryParseCatalogDate(named[1]!);
    const end = named && tryParseCatalogDate(named[2]!);
    if (named && start && end && start.first <= end.last) {
      row.start_time = formatCatalogDate(start);
      row.end_time = formatCatalogDate(end);
      row.time_range = `${named[1]}-${named[2]}`;
    } else {
      let extent: [string, string] | undefined;
      try {
        extent = timeExtent(nc, absPath);
      } catch (err) {
        return `its time coordinate cannot be decoded: ${err instanceof FairpodError ? err.message : String(err)}`;
      }
      row.start_time = extent?.[0] ?? '';
      row.end_time = extent?.[1] ?? '';
      row.time_range = extent ? `${extent[0].replace(/-/g, '')}-${extent[1].replace(/-/g, '')}` : '';
    }
    row.path = absPath;
    return row;
  } finally {
    nc.close();
  }
}

/** Streams the rows of every netCDF file under `root`, facets from global attributes; others go to `onUnmatched`. */
export function crawlAttributes(root: string, options: CrawlOptions = {}): AsyncGenerator<CatalogRow> {
  return crawlFiles(root, attributeRow, options);
}

/** The ESM catalog header of a template-free crawl. */
export function attributeHeader(id: string): EsmCatalogHeader {
  return {
    esmcat_version: ESMCAT_VERSION,
    id,
    description: 'crawled without a template: facets from netCDF global attributes and file names',
    attributes: ATTRIBUTE_COLUMNS.filter((c) => c !== 'path').map((column_name) => ({
      column_name,
      vocabulary: '',
    })),
    assets: { column_name: 'path', format: 'netcdf' },
    aggregation_control: {
      variable_column_name: 'variable_id',
      groupby_attrs: ATTRIBUTE_FACETS.filter((c) => c !== 'variable_id'),
      aggregations: [
        { type: 'union', attribute_name: 'variable_id' },
        { type: 'join_existing', attribute_name: 'time_range', options: { dim: 'time' } },
      ],
    },
  };
}
