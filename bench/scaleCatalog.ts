/**
 * The catalogs of the scale benchmarks (planScale.ts, runScale.ts): a CMIP6-like ESM catalog (JSON header + CSV) of
 * 10 models x members x 3 experiments (historical, piControl, ssp585) x 20 monthly and 20 daily variables, one
 * file per year, as high-resolution CMIP6 output is chunked; rows until the size. Beside it 10 PODs of 10 monthly
 * variables each (20 distinct variables: each is asked for by 5 PODs) and the files of the case's chunks inside
 * the analysis period.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../src/paths.js';

const OUT = path.join(PACKAGE_ROOT, 'bench', 'out');

/** Monthly and daily variables of the catalog: 20 atmospheric 2-D fields the CMIP fieldlist names uniquely. */
const VARIABLES: [name: string, standardName: string, units: string][] = [
  ['ts', 'surface_temperature', 'K'],
  ['pr', 'precipitation_flux', 'kg m-2 s-1'],
  ['prc', 'convective_precipitation_flux', 'kg m-2 s-1'],
  ['tauu', 'surface_downward_eastward_stress', 'Pa'],
  ['tauv', 'surface_downward_northward_stress', 'Pa'],
  ['ps', 'surface_air_pressure', 'Pa'],
  ['psl', 'air_pressure_at_mean_sea_level', 'Pa'],
  ['rsus', 'surface_upwelling_shortwave_flux_in_air', 'W m-2'],
  ['rsds', 'surface_downwelling_shortwave_flux_in_air', 'W m-2'],
  ['rsdt', 'toa_incoming_shortwave_flux', 'W m-2'],
  ['rsut', 'toa_outgoing_shortwave_flux', 'W m-2'],
  ['rlus', 'surface_upwelling_longwave_flux_in_air', 'W m-2'],
  ['rlds', 'surface_downwelling_longwave_flux_in_air', 'W m-2'],
  ['rlut', 'toa_outgoing_longwave_flux', 'W m-2'],
  ['rsdscs', 'surface_downwelling_shortwave_flux_in_air_assuming_clear_sky', 'W m-2'],
  ['rsuscs', 'surface_upwelling_shortwave_flux_in_air_assuming_clear_sky', 'W m-2'],
  ['rlutcs', 'toa_outgoing_longwave_flux_assuming_clear_sky', 'W m-2'],
  ['rsutcs', 'toa_outgoing_shortwave_flux_assuming_clear_sky', 'W m-2'],
  ['hfss', 'surface_upward_sensible_heat_flux', 'W m-2'],
  ['hfls', 'surface_upward_latent_heat_flux', 'W m-2'],
];
const EXPERIMENTS: [string, number, number][] = [
  ['historical', 1850, 2014],
  ['piControl', 1, 500],
  ['ssp585', 2015, 2100],
];
const TABLES: [table: string, frequency: string][] = [
  ['Amon', 'mon'],
  ['day', 'day'],
];
const SOURCES = 10;
/** The case the PODs are planned or run for, and its period. */
export const CASE = 'MODEL-03';
export const FIRST_YEAR = 1980;
export const LAST_YEAR = 1989;
const PODS = 10;
const COLUMNS = [
  'activity_id',
  'institution_id',
  'source_id',
  'experiment_id',
  'member_id',
  'table_id',
  'frequency',
  'variable_id',
  'grid_label',
  'version',
  'time_range',
  'path',
];

/** One catalog row per yearly file, members outermost, until `limit` rows; `onFile` sees each row's path. */
function* catalogLines(limit: number): Generator<{ line: string; row: string[] }> {
  let n = 0;
  for (let member = 1; ; member++) {
    for (let s = 0; s < SOURCES; s++) {
      const source = `MODEL-${String(s).padStart(2, '0')}`;
      const institution = `INST-${String(s % 7).padStart(2, '0')}`;
      const memberId = `r${member}i1p1f1`;
      const version = `v2019${String(((s * 7 + member) % 12) + 1).padStart(2, '0')}01`;
      for (const [experiment, y0, y1] of EXPERIMENTS) {
        const activity = experiment.startsWith('ssp') ? 'ScenarioMIP' : 'CMIP';
        for (const [table, frequency] of TABLES) {
          for (const [v] of VARIABLES) {
            const dir = `data/${activity}/${institution}/${source}/${experiment}/${memberId}/${table}/${v}/gn/${version}`;
            for (let y = y0; y <= y1; y++) {
              const year = String(y).padStart(4, '0');
              const range = frequency === 'day' ? `${year}0101-${year}1231` : `${year}01-${year}12`;
              const file = `${dir}/${v}_${table}_${source}_${experiment}_${memberId}_gn_${range}.nc`;
              const row = [
                activity,
                institution,
                source,
                experiment,
                memberId,
                table,
                frequency,
                v,
                'gn',
                version,
                range,
                file,
              ];
              yield { line: row.join(','), row };
              if (++n >= limit) return;
            }
          }
        }
      }
    }
  }
}

/** A generated catalog: its directory, JSON header, CSV table and POD directories. */
export interface ScaleCatalog {
  dir: string;
  catalog: string;
  csv: string;
  pods: string[];
}

/**
 * The catalog, PODs and the case's files of one size, under bench/out/<prefix>-<rows>/; reused when complete. The
 * case's files are empty unless `netcdf` (then the monthly files of member r1i1p1f1, the ones the PODs get, are
 * small real netCDF-4 files made with ncgen, so that `fairpod run` can preprocess them).
 */
export function generate(rows: number, options: { prefix: string; netcdf?: boolean }): ScaleCatalog {
  const dir = path.join(OUT, `${options.prefix}-${rows}`);
  const catalog = path.join(dir, 'catalog.json');
  const csv = path.join(dir, 'catalog.csv');
  const pods = Array.from({ length: PODS }, (_, p) => path.join(dir, 'pods', `pod${p}`));
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, catalog, csv, pods };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(csv, 'w');
  let buf = `${COLUMNS.join(',')}\n`;
  const caseFiles: string[] = [];
  for (const { line, row } of catalogLines(rows)) {
    buf += `${line}\n`;
    const year = Number(row[10]!.slice(0, 4));
    if (row[2] === CASE && year >= FIRST_YEAR && year <= LAST_YEAR) caseFiles.push(row[11]!);
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  for (const file of caseFiles) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    if (options.netcdf && file.includes('_Amon_') && file.includes('_r1i1p1f1_'))
      writeMonthlyFile(path.join(dir, file));
    else fs.writeFileSync(path.join(dir, file), '');
  }
  const header = {
    esmcat_version: '0.1.0',
    id: `plan-scale-${rows}`,
    attributes: COLUMNS.filter((c) => c !== 'path').map((column_name) => ({ column_name })),
    assets: { column_name: 'path', format: 'netcdf' },
    aggregation_control: {
      variable_column_name: 'variable_id',
      groupby_attrs: ['activity_id', 'institution_id', 'source_id', 'experiment_id', 'table_id'],
      aggregations: [{ type: 'union', attribute_name: 'variable_id' }],
    },
    catalog_file: 'catalog.csv',
  };
  fs.writeFileSync(catalog, JSON.stringify(header, null, 2));
  pods.forEach((podDir, p) => {
    fs.mkdirSync(podDir, { recursive: true });
    const varlist = Object.fromEntries(
      Array.from({ length: 10 }, (_, k) => VARIABLES[(2 * p + k) % VARIABLES.length]!).map(
        ([name, standard_name, units]) => [
          name,
          { standard_name, units, realm: 'atmos', dimensions: ['time', 'lat', 'lon'] },
        ],
      ),
    );
    const settings = {
      settings: {
        driver: 'driver.js',
        long_name: `plan benchmark POD ${p}`,
        convention: 'cmip',
        runtime_requirements: { node: [] },
      },
      data: { frequency: 'mon' },
      dimensions: {
        lat: { standard_name: 'latitude', units: 'degrees_north', axis: 'Y' },
        lon: { standard_name: 'longitude', units: 'degrees_east', axis: 'X' },
        time: { standard_name: 'time' },
      },
      varlist,
    };
    fs.writeFileSync(path.join(podDir, 'settings.jsonc'), JSON.stringify(settings, null, 2));
    fs.writeFileSync(path.join(podDir, 'driver.js'), '');
    // The results page a POD ships (`fairpod run` fails a POD without one).
    fs.writeFileSync(path.join(podDir, `pod${p}.html`), `<html><body><h1>POD ${p}</h1></body></html>\n`);
  });
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return { dir, catalog, csv, pods };
}

/**
 * A year of a monthly 2-D variable on a 4 x 8 grid, as CMIP6 names it (`<var>_Amon_..._YYYY01-YYYY12.nc`), written
 * by ncgen (Debian's netcdf-bin) from CDL: noleap mid-month times in days since 1850-01-01.
 */
function writeMonthlyFile(file: string): void {
  const name = path.basename(file);
  const variable = name.slice(0, name.indexOf('_'));
  const year = Number(/_(\d{4})01-\d{6}\.nc$/.exec(name)![1]);
  const [, standardName, units] = VARIABLES.find(([v]) => v === variable)!;
  const monthStarts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
  const times = monthStarts.map((d) => (year - 1850) * 365 + d + 14);
  const values = Array.from({ length: 12 * 4 * 8 }, (_, i) => (i % 97) + 1).join(', ');
  const cdl = `netcdf ${variable} {
dimensions:
  time = UNLIMITED ;
  lat = 4 ;
  lon = 8 ;
variables:
  double time(time) ;
    time:units = "days since 1850-01-01" ;
    time:calendar = "noleap" ;
    time:axis = "T" ;
    time:standard_name = "time" ;
  double lat(lat) ;
    lat:units = "degrees_north" ;
    lat:axis = "Y" ;
    lat:standard_name = "latitude" ;
  double lon(lon) ;
    lon:units = "degrees_east" ;
    lon:axis = "X" ;
    lon:standard_name = "longitude" ;
  float ${variable}(time, lat, lon) ;
    ${variable}:units = "${units}" ;
    ${variable}:standard_name = "${standardName}" ;
data:
  time = ${times.join(', ')} ;
  lat = -67.5, -22.5, 22.5, 67.5 ;
  lon = 22.5, 67.5, 112.5, 157.5, 202.5, 247.5, 292.5, 337.5 ;
  ${variable} = ${values} ;
}
`;
  // ncgen reads CDL from a file only (a pipe is not seekable for it).
  const cdlFile = `${file}.cdl`;
  fs.writeFileSync(cdlFile, cdl);
  execFileSync('ncgen', ['-k', 'nc4', '-o', file, cdlFile]);
  fs.rmSync(cdlFile);
}

/** The arguments of `fairpod plan` or `run` after the command: the 10 PODs of the case, filesystem data manager. */
export function caseArgs(cat: ScaleCatalog): string[] {
  return [
    ...cat.pods,
    '-m',
    'filesystem',
    '--catalog',
    cat.catalog,
    '--case',
    CASE,
    '--firstyr',
    String(FIRST_YEAR),
    '--lastyr',
    String(LAST_YEAR),
    '--work-dir',
    path.join(cat.dir, 'work'),
  ];
}

/** Removes the catalog's index, so that the next load parses the CSV (the cold case). */
export function dropIndex(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (f.includes('fairpod-index')) fs.rmSync(path.join(dir, f));
}
