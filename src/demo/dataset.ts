import fs from 'node:fs';
import path from 'node:path';
import { writeEsmCatalog } from '../catalog/write.js';
import type { CatalogRow, EsmCatalogHeader } from '../catalog/types.js';
import { Calendar } from '../preprocess/calendar.js';
import { NetcdfWriter } from '../preprocess/netcdfWriter.js';
import { TimeUnits } from '../preprocess/timeUnits.js';

/** What `writeDemoDataset` produced. */
export interface DemoDataset {
  /** Directory holding the DRS tree and the catalog. */
  root: string;
  /** The ESM catalog's JSON header (its CSV sits beside it). */
  catalogJson: string;
  /** Number of netCDF files written. */
  files: number;
}

/** Options of `writeDemoDataset`; the defaults make the dataset the demo and the tests use. */
export interface DemoOptions {
  /** Grid size; default 8 × 16. */
  nlat?: number;
  nlon?: number;
  /** Chunk periods (whole years, inclusive); default 1980–1984, 1985–1989, 1990–1994. */
  chunks?: [number, number][];
}

/** One model of the demo: its DRS facets and its calendar (one uses noleap, the other the standard calendar). */
interface DemoModel {
  institution_id: string;
  source_id: string;
  calendar: string;
}

/** A variable of the demo, its CMIP name and CF metadata. */
interface DemoVariable {
  variable_id: string;
  standard_name: string;
  long_name: string;
  units: string;
  /** Pressure levels (Pa): none for a surface field, one for a level stored as its own variable (`ua850`). */
  plev?: number[];
  scalarPlev?: number;
  /** Value at a grid point, level and month index. */
  value: (latDeg: number, lonDeg: number, plevPa: number, month: number) => number;
}

export const DEMO_MODELS: DemoModel[] = [
  { institution_id: 'FAIRPOD-A', source_id: 'DEMO-ESM1', calendar: 'noleap' },
  { institution_id: 'FAIRPOD-B', source_id: 'DEMO-ESM2', calendar: 'standard' },
];
export const DEMO_MEMBERS = ['r1i1p1f1', 'r2i1p1f1'];
export const DEMO_VERSIONS = ['v20190101', 'v20200101'];
/** ua is stored on these pressure levels (Pa); 85000 is also stored on its own as ua850. */
export const DEMO_PLEV = [100000, 85000, 50000, 25000];
const ACTIVITY = 'CMIP';
const EXPERIMENT = 'historical';
const TABLE = 'Amon';
const FREQUENCY = 'mon';
const GRID_LABEL = 'gn';
const TIME_UNITS = 'days since 1980-01-01';

const rad = Math.PI / 180;
const zonalWind = (lat: number, plev: number): number =>
  5 + 25 * Math.cos(lat * rad) ** 2 * (1 - plev / 120000) * 2;
/** Surface temperature, precipitation and wind; `tas` is deliberately absent so that PODs fall back to `ts`. */
export const DEMO_VARIABLES: DemoVariable[] = [
  {
    variable_id: 'ts',
    standard_name: 'surface_temperature',
    long_name: 'Surface Temperature',
    units: 'K',
    value: (lat, lon, _p, m) =>
      300 -
      45 * Math.sin(lat * rad) ** 2 +
      8 * Math.sin(lat * rad) * Math.cos((2 * Math.PI * (m - 0.5)) / 12) +
      Math.cos(lon * rad),
  },
  {
    variable_id: 'pr',
    standard_name: 'precipitation_flux',
    long_name: 'Precipitation',
    units: 'kg m-2 s-1',
    value: (lat, lon, _p, m) => 3e-5 * (1.2 + Math.cos(2 * lat * rad)) * (1 + 0.3 * Math.sin(lon * rad + m)),
  },
  {
    variable_id: 'ua850',
    standard_name: 'eastward_wind',
    long_name: 'Eastward Wind at 850 hPa',
    units: 'm s-1',
    scalarPlev: 85000,
    value: (lat, lon, p, m) => zonalWind(lat, p) + Math.sin(lon * rad) + 0.1 * (m % 12),
  },
  {
    variable_id: 'ua',
    standard_name: 'eastward_wind',
    long_name: 'Eastward Wind',
    units: 'm s-1',
    plev: DEMO_PLEV,
    value: (lat, lon, p, m) => zonalWind(lat, p) + Math.sin(lon * rad) + 0.1 * (m % 12),
  },
];

/** Catalog columns, in order. */
const COLUMNS = [
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
  'standard_name',
  'units',
  'start_time',
  'end_time',
  'time_range',
  'path',
  'size',
];

/**
 * Writes a small synthetic CMIP6-like dataset under `dir` (two models, two members, two versions, three time
 * chunks per variable, monthly `Amon` fields on an 8 × 16 grid), laid out in the CMIP6 DRS, as real netCDF-4
 * with CF attributes, plus its ESM catalog (`catalog.json` + `catalog.csv`, absolute paths). Takes about a second.
 */
export async function writeDemoDataset(dir: string, options: DemoOptions = {}): Promise<DemoDataset> {
  const root = path.resolve(dir);
  const nlat = options.nlat ?? 8;
  const nlon = options.nlon ?? 16;
  const chunks = options.chunks ?? [
    [1980, 1984],
    [1985, 1989],
    [1990, 1994],
  ];
  const lat = Array.from({ length: nlat }, (_, i) => -90 + (180 / nlat) * (i + 0.5));
  const lon = Array.from({ length: nlon }, (_, i) => (360 / nlon) * i);
  const rows: CatalogRow[] = [];
  for (const model of DEMO_MODELS) {
    for (const [memberIndex, member] of DEMO_MEMBERS.entries()) {
      for (const [versionIndex, version] of DEMO_VERSIONS.entries()) {
        for (const variable of DEMO_VARIABLES) {
          for (const [first, last] of chunks) {
            const dirPath = path.join(
              root,
              ACTIVITY,
              model.institution_id,
              model.source_id,
              EXPERIMENT,
              member,
              TABLE,
              variable.variable_id,
              GRID_LABEL,
              version,
            );
            const file = path.join(
              dirPath,
              `${variable.variable_id}_${TABLE}_${model.source_id}_${EXPERIMENT}_${member}_${GRID_LABEL}_${first}01-${last}12.nc`,
            );
            // Members and versions differ by a small offset so that the choice among them is visible in outputs.
            const offset = memberIndex * 0.5 + versionIndex * 0.25;
            await writeChunk(file, { model, member, version, variable, first, last, lat, lon, offset });
            rows.push({
              activity_id: ACTIVITY,
              institution_id: model.institution_id,
              source_id: model.source_id,
              experiment_id: EXPERIMENT,
              member_id: member,
              table_id: TABLE,
              variable_id: variable.variable_id,
              grid_label: GRID_LABEL,
              version,
              frequency: FREQUENCY,
              realm: 'atmos',
              standard_name: variable.standard_name,
              units: variable.units,
              start_time: `${first}-01-01`,
              end_time: `${last}-12-31`,
              time_range: `${first}01-${last}12`,
              path: file,
              size: String(fs.statSync(file).size),
            });
          }
        }
      }
    }
  }
  const header: EsmCatalogHeader = {
    esmcat_version: '0.1.0',
    id: 'fairpod-demo',
    description:
      'fairpod demo: a small synthetic CMIP6-like dataset (two models, two members, two versions, three chunks)',
    attributes: COLUMNS.filter((c) => c !== 'path').map((column_name) => ({ column_name, vocabulary: '' })),
    assets: { column_name: 'path', format: 'netcdf' },
    aggregation_control: {
      variable_column_name: 'variable_id',
      groupby_attrs: [
        'activity_id',
        'institution_id',
        'source_id',
        'experiment_id',
        'member_id',
        'table_id',
        'grid_label',
        'version',
      ],
      aggregations: [
        { type: 'union', attribute_name: 'variable_id' },
        {
          type: 'join_existing',
          attribute_name: 'time_range',
          options: { dim: 'time', coords: 'minimal', compat: 'override' },
        },
      ],
    },
  };
  const written = await writeEsmCatalog(path.join(root, 'catalog.json'), header, rows, { columns: COLUMNS });
  return { root, catalogJson: written.jsonPath, files: rows.length };
}

/** Writes one time chunk of one variable as a CMIP6-style CF netCDF-4 file. */
async function writeChunk(
  file: string,
  c: {
    model: DemoModel;
    member: string;
    version: string;
    variable: DemoVariable;
    first: number;
    last: number;
    lat: number[];
    lon: number[];
    offset: number;
  },
): Promise<void> {
  const { model, variable, lat, lon } = c;
  const units = TimeUnits.parse(TIME_UNITS, model.calendar);
  const calendar = Calendar.of(model.calendar);
  const bounds: number[] = [];
  const times: number[] = [];
  const monthIndex: number[] = [];
  for (let y = c.first; y <= c.last; y++) {
    for (let m = 1; m <= 12; m++) {
      const start = units.encode({ year: y, month: m, day: 1, hour: 0, minute: 0, second: 0 });
      const end = start + calendar.daysInMonth(y, m);
      bounds.push(start, end);
      times.push((start + end) / 2);
      monthIndex.push((y - 1980) * 12 + m);
    }
  }
  const levels = variable.plev ?? [variable.scalarPlev ?? 0];
  const writer = await NetcdfWriter.create(file, {
    Conventions: 'CF-1.8',
    title: `fairpod demo ${variable.variable_id} of ${model.source_id}`,
    activity_id: ACTIVITY,
    institution_id: model.institution_id,
    source_id: model.source_id,
    experiment_id: EXPERIMENT,
    variant_label: c.member,
    member_id: c.member,
    table_id: TABLE,
    variable_id: variable.variable_id,
    grid_label: GRID_LABEL,
    frequency: FREQUENCY,
    realm: 'atmos',
    version: c.version,
    history: `${new Date().toISOString()} written by fairpod writeDemoDataset (synthetic data)`,
  });
  try {
    writer.defineDimension({ name: 'time', size: times.length, unlimited: true });
    if (variable.plev) writer.defineDimension({ name: 'plev', size: variable.plev.length });
    writer.defineDimension({ name: 'lat', size: lat.length });
    writer.defineDimension({ name: 'lon', size: lon.length });
    writer.defineDimension({ name: 'bnds', size: 2 });
    writer.defineVariable({
      name: 'time',
      dtype: 'f8',
      dimensions: ['time'],
      data: times,
      attributes: {
        units: TIME_UNITS,
        calendar: model.calendar,
        standard_name: 'time',
        long_name: 'time',
        axis: 'T',
        bounds: 'time_bnds',
      },
    });
    const plevAttributes = {
      units: 'Pa',
      standard_name: 'air_pressure',
      long_name: 'pressure',
      axis: 'Z',
      positive: 'down',
    };
    if (variable.plev)
      writer.defineVariable({
        name: 'plev',
        dtype: 'f8',
        dimensions: ['plev'],
        data: variable.plev,
        attributes: plevAttributes,
      });
    writer.defineVariable({
      name: 'lat',
      dtype: 'f8',
      dimensions: ['lat'],
      data: lat,
      attributes: {
        units: 'degrees_north',
        standard_name: 'latitude',
        long_name: 'Latitude',
        axis: 'Y',
        bounds: 'lat_bnds',
      },
    });
    writer.defineVariable({
      name: 'lon',
      dtype: 'f8',
      dimensions: ['lon'],
      data: lon,
      attributes: {
        units: 'degrees_east',
        standard_name: 'longitude',
        long_name: 'Longitude',
        axis: 'X',
        bounds: 'lon_bnds',
      },
    });
    const dLat = 180 / lat.length;
    const dLon = 360 / lon.length;
    writer.defineVariable({ name: 'time_bnds', dtype: 'f8', dimensions: ['time', 'bnds'], data: bounds });
    writer.defineVariable({
      name: 'lat_bnds',
      dtype: 'f8',
      dimensions: ['lat', 'bnds'],
      data: lat.flatMap((v) => [v - dLat / 2, v + dLat / 2]),
    });
    writer.defineVariable({
      name: 'lon_bnds',
      dtype: 'f8',
      dimensions: ['lon', 'bnds'],
      data: lon.flatMap((v) => [v - dLon / 2, v + dLon / 2]),
    });
    if (variable.scalarPlev !== undefined)
      writer.defineVariable({
        name: 'plev',
        dtype: 'f8',
        dimensions: [],
        data: [variable.scalarPlev],
        attributes: plevAttributes,
      });
    const dims = variable.plev ? ['time', 'plev', 'lat', 'lon'] : ['time', 'lat', 'lon'];
    writer.defineVariable({
      name: variable.variable_id,
      dtype: 'f4',
      dimensions: dims,
      attributes: {
        standard_name: variable.standard_name,
        long_name: variable.long_name,
        units: variable.units,
        cell_methods: 'area: time: mean',
        _FillValue: 1e20,
        missing_value: 1e20,
        ...(variable.scalarPlev !== undefined ? { coordinates: 'plev' } : {}),
      },
    });
    // One time step at a time, as a real writer of large fields would.
    const step = new Float32Array(levels.length * lat.length * lon.length);
    const scale = variable.units === 'kg m-2 s-1' ? 1e-5 : 1;
    times.forEach((_, t) => {
      let k = 0;
      for (const p of levels)
        for (const la of lat)
          for (const lo of lon) step[k++] = variable.value(la, lo, p, monthIndex[t]) + c.offset * scale;
      writer.writeSlab(variable.variable_id, [[t, t + 1]], step);
    });
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
