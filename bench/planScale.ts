/**
 * `fairpod plan` at real catalog sizes (issue 15, deliverable 1; issue 14, deliverable 3). Run:
 * `npx tsc -p . && node dist/bench/planScale.js [--rows 1000000,3500000] [--runs 3]`.
 *
 * For each size, generates (once, under bench/out/plan-<rows>/) a CMIP6-like ESM catalog (JSON header + CSV): 10
 * models x members x 3 experiments (historical, piControl, ssp585) x 20 monthly and 20 daily variables, one file
 * per year, as high-resolution CMIP6 output is chunked; rows until the size. It writes 10 PODs of 10 monthly
 * variables each (20 distinct variables: each is asked for by 5 PODs) and the empty files of the case's
 * chunks inside the analysis period (`plan` checks the files it would use; it reads none).
 *
 * Then, as whole processes timed from fork to exit with their peak RSS (GNU time, see wholeProcess.ts):
 * - `fairpod plan` of the 10 PODs for case MODEL-03, 1980-1989: cold (no catalog index yet: it parses the CSV and
 *   writes the index) and warm (the index read), against the goal (< 2 s, < 400 MB);
 * - the cold load of the catalog alone (`fairpod catalog info --no-index`: the CSV parsed, facets listed) against pandas' `read_csv` of the same
 *   CSV (Debian's /usr/bin/python3), alternating rounds, median: goal >= 3x faster with less memory.
 * The load average is printed beside each figure: the 2 cores are shared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../src/paths.js';
import { FAIRPOD, loadAverage, median, timeProcess, type ProcessTiming } from './wholeProcess.js';

const OUT = path.join(PACKAGE_ROOT, 'bench', 'out');
const PYTHON = '/usr/bin/python3';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const SIZES = arg('rows', '1000000,3500000').split(',').map(Number);
const RUNS = Number(arg('runs', '3'));

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
const CASE = 'MODEL-03';
const FIRST_YEAR = 1980;
const LAST_YEAR = 1989;
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

/** The catalog, PODs and the case's files of one size; reused when complete. */
function generate(rows: number): { dir: string; catalog: string; csv: string; pods: string[] } {
  const dir = path.join(OUT, `plan-${rows}`);
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
    fs.writeFileSync(path.join(dir, file), '');
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
  });
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return { dir, catalog, csv, pods };
}

/** Removes the catalog's index, so that the next load parses the CSV (the cold case). */
function dropIndex(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (f.includes('fairpod-index')) fs.rmSync(path.join(dir, f));
}

const f2 = (n: number): string => n.toFixed(2);
const mb = (n: number): string => `${n.toFixed(0)} MB`;
const fig = (t: ProcessTiming[]): { s: number; rss: number } => ({
  s: median(t.map((x) => x.seconds)),
  rss: median(t.map((x) => x.rssMb)),
});

async function benchSize(rows: number): Promise<void> {
  const t0 = performance.now();
  const { dir, catalog, csv, pods } = generate(rows);
  const csvMb = fs.statSync(csv).size / 1e6;
  process.stdout.write(
    `\n== ${rows} rows (${csvMb.toFixed(0)} MB CSV; ${((performance.now() - t0) / 1000).toFixed(1)} s to generate or reuse) ==\n`,
  );
  const plan = [
    ...FAIRPOD,
    'plan',
    ...pods,
    '-m',
    'filesystem',
    '--catalog',
    catalog,
    '--case',
    CASE,
    '--firstyr',
    String(FIRST_YEAR),
    '--lastyr',
    String(LAST_YEAR),
    '--work-dir',
    path.join(dir, 'work'),
  ];
  // Cold: no index (the plan parses the CSV and writes the index); then warm: the index read. The index just
  // written is flushed first (`sync`): its dirty pages written back during a warm run slowed it several-fold.
  const cold: ProcessTiming[] = [];
  const warm: ProcessTiming[] = [];
  for (let k = 0; k < RUNS; k++) {
    dropIndex(dir);
    cold.push(await timeProcess(plan));
  }
  execFileSync('sync');
  for (let k = 0; k < RUNS; k++) warm.push(await timeProcess(plan));
  const summary = warm[0]!.stdout;
  const lines = summary.trimEnd().split('\n');
  process.stdout.write(`plan output: ${lines.length} lines; last: ${lines[lines.length - 1]}\n`);
  const c = fig(cold);
  const w = fig(warm);
  process.stdout.write(
    `plan 10 PODs x 10 variables, cold (CSV parsed, index written): ${f2(c.s)} s, peak RSS ${mb(c.rss)} (load ${loadAverage()})\n`,
  );
  process.stdout.write(
    `plan 10 PODs x 10 variables, warm (index read): ${f2(w.s)} s, peak RSS ${mb(w.rss)} (load ${loadAverage()})\n`,
  );
  process.stdout.write(
    `GOAL plan < 2 s and < 400 MB at ${rows} rows: warm ${w.s < 2 && w.rss < 400 ? 'met' : 'NOT met'} (${f2(w.s)} s, ${mb(w.rss)}), cold ${c.s < 2 && c.rss < 400 ? 'met' : 'NOT met'} (${f2(c.s)} s, ${mb(c.rss)})\n`,
  );

  // Cold load of the catalog alone, as a user would time it: `fairpod catalog info` without an index vs pandas.
  const info = [...FAIRPOD, 'catalog', 'info', '--no-index', catalog];
  const pandas = [
    PYTHON,
    '-c',
    `import pandas; df = pandas.read_csv(${JSON.stringify(csv)}); print(len(df))`,
  ];
  if (spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status !== 0) {
    process.stdout.write('RATIO catalog load: pandas missing (apt-get install python3-pandas), no ratio\n');
    return;
  }
  const ours: ProcessTiming[] = [];
  const peer: ProcessTiming[] = [];
  for (let k = 0; k < RUNS; k++) {
    ours.push(await timeProcess(info));
    peer.push(await timeProcess(pandas));
  }
  const o = fig(ours);
  const p = fig(peer);
  process.stdout.write(
    `cold catalog load (fairpod catalog info --no-index: the CSV parsed): ${f2(o.s)} s, ${mb(o.rss)}; pandas read_csv: ${f2(p.s)} s, ${mb(p.rss)} (load ${loadAverage()})\n`,
  );
  process.stdout.write(
    `RATIO cold catalog load at ${rows} rows (pandas / fairpod): ${f2(p.s / o.s)}x time (goal >= 3x), RSS ${f2(o.rss / p.rss)}x pandas' (goal < 1)\n`,
  );
}

process.stdout.write(`load average at start: ${loadAverage()}\n`);
for (const rows of SIZES) await benchSize(rows);
process.stdout.write(`load average at end: ${loadAverage()}\n`);
