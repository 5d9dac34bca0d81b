/**
 * Preprocessing of one variable larger than h5wasm's 2 GiB memory (issue 14, deliverable 3).
 * Run: `npx tsc -p . && node dist/bench/preprocessLarge.js [--time 780 --plev 19 --nlat 192 --nlon 288 --rounds 2]`.
 *
 * 1. Generates one netCDF-4 file holding ta(time, plev, lat, lon) float32, by default 780 months (1950-2014,
 *    CMIP6's historical years from 1950) × 19 levels × 192 × 288 (3.05 GiB uncompressed, one variable),
 *    compressed as CMIP6 files are: chunks of one time step, zlib level 1 with the shuffle filter
 *    (`nccopy -d1 -s`). It is written uncompressed one time step at a
 *    time, then compressed by nccopy; it lives in os.tmpdir() (reused when present), never in the repository.
 * 2. fairpod, as a user runs it: `fairpod preprocess FILE --var ta --firstyr Y1 --lastyr Y2 --level 500
 *    --deflate 1 -o OUT` (the 500 hPa level of the last half of the years, deflated output).
 * 3. The peer, CDO, the way its users write it: one chain, `cdo -f nc4 -z zip_1 -sellevel,50000
 *    -seldate,Y1-01-01T00:00:00,Y2-12-31T23:59:59 FILE OUT`.
 * Both are timed as whole processes in alternating rounds (round 0 warms the page cache and is not judged);
 * prints the medians, their ratio (goal ≤ 1.0), both peak RSS (fairpod's goal: < 400 MB) and checks that the
 * outputs hold the same values and time axis.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openNetcdf } from '../src/preprocess/netcdfReader.js';
import { NetcdfWriter } from '../src/preprocess/netcdfWriter.js';
import { TimeUnits } from '../src/preprocess/timeUnits.js';
import { defineTa, monthlyTimes } from './taField.js';
import { FAIRPOD, loadAverage, median, timeProcess, numberOption } from './wholeProcess.js';

const NT = numberOption('time', 780);
const NLEV = numberOption('plev', 19);
const NLAT = numberOption('nlat', 192);
const NLON = numberOption('nlon', 288);
const ROUNDS = numberOption('rounds', 2);
const DIR = path.join(os.tmpdir(), `fairpod-bench-preprocess-large-${NT}x${NLEV}x${NLAT}x${NLON}`);
const FIRST = 1950;
const YEARS = Math.floor(NT / 12);
/** The last half of the years (at least one). */
const CROP: [number, number] = [FIRST + Math.floor(YEARS / 2), FIRST + YEARS - 1];
const PLEV = [
  100000, 92500, 85000, 70000, 60000, 50000, 40000, 30000, 25000, 20000, 15000, 10000, 7000, 5000, 3000, 2000,
  1000, 500, 100,
].slice(0, NLEV);

function f1(x: number): string {
  return x.toFixed(1);
}

/** Writes the input uncompressed, one time step at a time, then compresses it as CMIP6 files are. */
async function generate(): Promise<string> {
  const file = path.join(DIR, `ta_Amon_BENCH_historical_r1i1p1f1_gn_${FIRST}01-${FIRST + YEARS - 1}12.nc`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DIR, { recursive: true });
  const raw = path.join(DIR, 'uncompressed.nc');
  const units = TimeUnits.parse(`days since ${FIRST}-01-01`, 'noleap');
  const lat = Float64Array.from({ length: NLAT }, (_, i) => -90 + (180 / NLAT) * (i + 0.5));
  const lon = Float64Array.from({ length: NLON }, (_, i) => (360 / NLON) * i);
  const time = monthlyTimes(units, FIRST, NT);
  const w = await NetcdfWriter.create(raw, { Conventions: 'CF-1.8', title: 'fairpod large benchmark input' });
  defineTa(w, { time, units, plev: PLEV, lat, lon, chunks: [1, NLEV, NLAT, NLON] });
  const step = new Float32Array(NLEV * NLAT * NLON);
  const coslat = lat.map((y) => Math.cos(y / 57.2958));
  let seed = 12345;
  for (let t = 0; t < NT; t++) {
    let k = 0;
    for (let l = 0; l < NLEV; l++)
      for (let j = 0; j < NLAT; j++)
        for (let i = 0; i < NLON; i++) {
          // A smooth field plus a little noise (a linear congruential generator), so it compresses as model output does.
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          step[k++] =
            200 + l * 4 + 40 * coslat[j] + 5 * Math.sin((i + t) / 20) + (seed / 0x7fffffff - 0.5) * 0.5;
        }
    w.writeSlab('ta', [[t, t + 1]], step);
  }
  await w.close();
  const tmp = `${file}.tmp`;
  execFileSync('nccopy', ['-d1', '-s', '-c', `time/1,plev/${NLEV},lat/${NLAT},lon/${NLON}`, raw, tmp]);
  fs.renameSync(tmp, file);
  fs.rmSync(raw);
  return file;
}

async function main(): Promise<void> {
  const g0 = performance.now();
  const file = await generate();
  process.stdout.write(
    `input: ta(${NT} × ${NLEV} × ${NLAT} × ${NLON}) float32, ${f1((NT * NLEV * NLAT * NLON * 4) / 2 ** 30)} GiB uncompressed, ` +
      `${f1(fs.statSync(file).size / 2 ** 30)} GiB deflated (chunks of one step, zlib 1, shuffle) in ${file} ` +
      `(ready in ${f1((performance.now() - g0) / 1000)} s)\n`,
  );
  const work = path.join(DIR, 'work');
  fs.mkdirSync(work, { recursive: true });
  const oursOut = path.join(work, 'fairpod.nc');
  const cdoOut = path.join(work, 'cdo.nc');
  const ours = [
    ...FAIRPOD,
    'preprocess',
    file,
    '--var',
    'ta',
    '--firstyr',
    String(CROP[0]),
    '--lastyr',
    String(CROP[1]),
    '--level',
    '500',
    '--deflate',
    '1',
    '-o',
    oursOut,
  ];
  const cdo = [
    'cdo',
    '-s',
    '-O',
    '-f',
    'nc4',
    '-z',
    'zip_1',
    '-sellevel,50000',
    `-seldate,${CROP[0]}-01-01T00:00:00,${CROP[1]}-12-31T23:59:59`,
    file,
    cdoOut,
  ];
  const show = (argv: string[]) => argv.map((a) => (a.includes('/') ? path.basename(a) : a)).join(' ');
  process.stdout.write(`fairpod: ${show(['fairpod', ...ours.slice(2)])}\npeer:    ${show(cdo)}\n`);
  const oursTimes: number[] = [];
  const cdoTimes: number[] = [];
  let oursRss = 0;
  let cdoRss = 0;
  const loads: string[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    fs.rmSync(oursOut, { force: true });
    fs.rmSync(cdoOut, { force: true });
    const a = await timeProcess(ours);
    const b = await timeProcess(cdo);
    oursRss = Math.max(oursRss, a.rssMb);
    cdoRss = Math.max(cdoRss, b.rssMb);
    loads.push(loadAverage());
    process.stdout.write(
      `round ${round}${round === 0 ? ' (warm-up)' : ''}: fairpod ${f1(a.seconds)} s (${f1(a.rssMb)} MB), cdo ${f1(b.seconds)} s (${f1(b.rssMb)} MB), load ${loads.at(-1)}\n`,
    );
    if (round > 0) {
      oursTimes.push(a.seconds);
      cdoTimes.push(b.seconds);
    }
  }
  const oursS = median(oursTimes);
  const cdoS = median(cdoTimes);

  // Same values and time axis? Compared slab by slab.
  const x = await openNetcdf(oursOut);
  const y = await openNetcdf(cdoOut);
  let maxDiff = 0;
  const steps = x.variable('ta').shape[0];
  if (y.variable('ta').shape[0] !== steps) throw new Error('the two outputs have different numbers of steps');
  for (let t = 0; t < steps; t += 12) {
    const n = Math.min(12, steps - t);
    const u = x.read('ta', [[t, t + n]]);
    const v = y.read('ta', [[t, t + n]]);
    for (let i = 0; i < u.length; i++) maxDiff = Math.max(maxDiff, Math.abs(u[i] - v[i]));
  }
  x.close();
  y.close();
  const sameTime =
    execFileSync('cdo', ['-s', 'showtimestamp', oursOut], { encoding: 'utf8' }) ===
    execFileSync('cdo', ['-s', 'showtimestamp', cdoOut], { encoding: 'utf8' });

  process.stdout.write(
    `load average ${loads.join(', ')} (per round); medians of ${ROUNDS} rounds, whole processes\n`,
  );
  process.stdout.write(
    `fairpod: ${f1(oursS)} s, peak RSS ${f1(oursRss)} MB (goal < 400 MB: ${oursRss < 400 ? 'met' : 'NOT met'})\n`,
  );
  process.stdout.write(`cdo:     ${f1(cdoS)} s, peak RSS ${f1(cdoRss)} MB\n`);
  process.stdout.write(
    `ratio fairpod/cdo wall time (> 2 GiB variable): ${(oursS / cdoS).toFixed(2)} (goal ≤ 1)\n`,
  );
  process.stdout.write(
    `outputs: ${steps} steps, max |fairpod − cdo| = ${maxDiff.toExponential(2)} K, time axes ${sameTime ? 'identical' : 'DIFFER'}\n`,
  );
}

await main();
