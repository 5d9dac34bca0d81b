/**
 * Preprocessing benchmark (issue 4). Run: `npx tsc -p . && node dist/bench/preprocess.js [--time 360 --plev 19 --nlat 180 --nlon 360]`.
 *
 * 1. Generates a 4-D float32 field ta(time, plev, lat, lon), by default 360 months × 19 levels × 180 × 360
 *    (about 1.8 GB) in three 10-year chunk files (bench/out/preprocess-*, reused when present).
 * 2. fairpod, as a user runs it: `fairpod preprocess FILES --var ta --firstyr 1985 --lastyr 2004 --level 500
 *    --units degC -o OUT` (crop, extract 500 hPa, convert K → degC, write one netCDF-4 file).
 * 3. The peer, CDO, on the same files, as its users write it: one `-select` that picks the level and the
 *    period while reading (`cdo -f nc4 -addc,-273.15 -select,level=50000,startdate=...,enddate=... FILES`),
 *    not `-mergetime` first (which reads every step of every file).
 * Both sides are timed as whole processes (Node's start and module loading included, as `time` would), in
 * alternating rounds; prints the median wall times, their ratio, both peak memories (max RSS, fairpod's goal:
 * under 400 MB), and checks that the two outputs agree to float32 precision.
 * Usage: node dist/bench/preprocess.js [--time 360 --plev 19 --nlat 180 --nlon 360 --rounds 3]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openNetcdf } from '../src/preprocess/netcdfReader.js';
import { NetcdfWriter } from '../src/preprocess/netcdfWriter.js';
import { TimeUnits } from '../src/preprocess/timeUnits.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { defineTa, monthlyTimes } from './taField.js';
import { FAIRPOD, loadAverage, median, timeProcess, numberOption } from './wholeProcess.js';

const NT = numberOption('time', 360);
const NLEV = numberOption('plev', 19);
const NLAT = numberOption('nlat', 180);
const NLON = numberOption('nlon', 360);
const ROUNDS = numberOption('rounds', 3);
const DIR = path.join(PACKAGE_ROOT, 'bench', 'out', `preprocess-${NT}x${NLEV}x${NLAT}x${NLON}`);
const FIRST = 1980;
const YEARS_PER_CHUNK = NT / 36; // three chunks of whole years
const CROP: [number, number] = [
  FIRST + Math.round(NT / 72),
  FIRST + Math.round(NT / 72) + Math.max(1, Math.round(NT / 18)) - 1,
];
const PLEV = [
  100000, 92500, 85000, 70000, 60000, 50000, 40000, 30000, 25000, 20000, 15000, 10000, 7000, 5000, 3000, 2000,
  1000, 500, 100,
].slice(0, NLEV);

/** Writes the three input chunks, one time step at a time. */
async function generate(): Promise<string[]> {
  fs.mkdirSync(DIR, { recursive: true });
  const files: string[] = [];
  const units = TimeUnits.parse('days since 1980-01-01', 'noleap');
  const lat = Float64Array.from({ length: NLAT }, (_, i) => -90 + (180 / NLAT) * (i + 0.5));
  const lon = Float64Array.from({ length: NLON }, (_, i) => (360 / NLON) * i);
  const step = new Float32Array(NLEV * NLAT * NLON);
  for (let c = 0; c < 3; c++) {
    const y0 = FIRST + c * YEARS_PER_CHUNK;
    const y1 = y0 + YEARS_PER_CHUNK - 1;
    const file = path.join(DIR, `ta_Amon_BENCH_historical_r1i1p1f1_gn_${y0}01-${y1}12.nc`);
    files.push(file);
    if (fs.existsSync(file)) continue;
    const months = YEARS_PER_CHUNK * 12;
    const time = monthlyTimes(units, y0, months);
    const w = await NetcdfWriter.create(file, {
      Conventions: 'CF-1.8',
      title: 'fairpod preprocessing benchmark input',
    });
    defineTa(w, { time, units, plev: PLEV, lat, lon });
    for (let t = 0; t < months; t++) {
      let k = 0;
      for (let l = 0; l < NLEV; l++)
        for (let j = 0; j < NLAT; j++)
          for (let i = 0; i < NLON; i++)
            step[k++] = 200 + l * 4 + 40 * Math.cos(lat[j] / 57.3) + ((i + t) % 7);
      w.writeSlab('ta', [[t, t + 1]], step);
    }
    await w.close();
  }
  return files;
}

function f1(x: number): string {
  return x.toFixed(1);
}

async function main(): Promise<void> {
  const g0 = performance.now();
  const files = await generate();
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  process.stdout.write(
    `input: ta(${NT} × ${NLEV} × ${NLAT} × ${NLON}) float32 in 3 chunks, ${f1(bytes / 2 ** 30)} GiB (ready in ${f1((performance.now() - g0) / 1000)} s)\n`,
  );
  process.stdout.write(`task: crop ${CROP[0]}-${CROP[1]}, extract 500 hPa, K → degC, write netCDF-4\n`);

  const work = path.join(DIR, 'work');
  const oursOut = path.join(work, 'BENCH.ta500.mon.nc');
  const ours = [
    ...FAIRPOD,
    'preprocess',
    ...files,
    ...['--var', 'ta', '--firstyr', String(CROP[0]), '--lastyr', String(CROP[1])],
    ...['--level', '500', '--units', 'degC', '--rename', 'ta500', '-o', oursOut],
  ];
  const cdoOut = path.join(DIR, 'cdo.nc');
  const select = `-select,level=50000,startdate=${CROP[0]}-01-01T00:00:00,enddate=${CROP[1]}-12-31T23:59:59`;
  const cdoArgv = ['cdo', '-s', '-O', '-f', 'nc4', '-addc,-273.15', select, ...files, cdoOut];
  const show = (argv: string[]) => argv.map((a) => (a.includes('/') ? path.basename(a) : a)).join(' ');
  process.stdout.write(`fairpod: ${show(['fairpod', ...ours.slice(2)])}\n`);
  process.stdout.write(`peer: ${cdoArgv.map((a) => (a.includes('/') ? path.basename(a) : a)).join(' ')}\n`);
  const oursTimes: number[] = [];
  const cdoTimes: number[] = [];
  let oursRssMb = 0;
  let cdoRssMb = 0;
  const loads: string[] = [];
  // Round 0 warms the page cache and is not judged; each round runs both, so that both see the same load.
  for (let round = 0; round <= ROUNDS; round++) {
    fs.rmSync(work, { recursive: true, force: true });
    const a = await timeProcess(ours);
    oursRssMb = Math.max(oursRssMb, a.rssMb);
    const b = await timeProcess(cdoArgv);
    cdoRssMb = Math.max(cdoRssMb, b.rssMb);
    loads.push(loadAverage());
    process.stdout.write(
      `round ${round}${round === 0 ? ' (warm-up)' : ''}: fairpod ${a.seconds.toFixed(2)} s, cdo ${b.seconds.toFixed(2)} s, load ${loads.at(-1)}\n`,
    );
    if (round > 0) {
      oursTimes.push(a.seconds);
      cdoTimes.push(b.seconds);
    }
  }
  const oursS = median(oursTimes);
  const cdoS = median(cdoTimes);

  // Same values to float32 precision? Compared slab by slab.
  const a = await openNetcdf(oursOut);
  const b = await openNetcdf(cdoOut);
  let maxDiff = 0;
  const steps = a.variable('ta500').shape[0];
  for (let t = 0; t < steps; t++) {
    const x = a.read('ta500', [[t, t + 1]]);
    const y = b.read('ta', [[t, t + 1]]);
    for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
  }
  const sameTime =
    execFileSync('cdo', ['-s', 'showtimestamp', oursOut], { encoding: 'utf8' }) ===
    execFileSync('cdo', ['-s', 'showtimestamp', cdoOut], { encoding: 'utf8' });
  a.close();
  b.close();

  process.stdout.write(
    `load average ${loads.join(', ')} (per round); medians of ${ROUNDS} rounds, whole processes\n`,
  );
  process.stdout.write(
    `fairpod: ${oursS.toFixed(2)} s, peak RSS ${f1(oursRssMb)} MB (goal < 400 MB: ${oursRssMb < 400 ? 'met' : 'NOT met'})\n`,
  );
  process.stdout.write(`cdo:     ${cdoS.toFixed(2)} s, peak RSS ${f1(cdoRssMb)} MB\n`);
  process.stdout.write(`ratio fairpod/cdo wall time: ${(oursS / cdoS).toFixed(2)} (goal ≤ 1)\n`);
  process.stdout.write(
    `outputs: ${steps} steps, max |fairpod − cdo| = ${maxDiff.toExponential(2)} degC, time axes ${sameTime ? 'identical' : 'DIFFER'}\n`,
  );
}

await main();
