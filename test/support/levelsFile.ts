import { NetcdfWriter } from '../../src/preprocess/netcdfWriter.js';
import { TimeUnits } from '../../src/preprocess/timeUnits.js';

/** Time steps: 36 months, 1990-1992. */
export const NT = 36;
/** Pressure levels, Pa. */
export const PLEV = [100000, 85000, 50000, 25000];
/** Latitudes. */
export const NLAT = 6;
/** Longitudes. */
export const NLON = 8;
/** Where, within a step of 500 hPa (level 2), every fifth step holds the fill value. */
export const FILL_AT = 2 * NLAT * NLON + 7;

/** Options of `writeLevelsFile`. */
export interface LevelsFileOptions {
  /** zlib level of `ta`, or 0 for uncompressed (default 1). */
  deflate?: number;
  /** Time steps never written: their chunks are absent, HDF5 reads its fill value there. */
  unwritten?: number[];
}

/**
 * A deflated netCDF-4 file as CMIP6 writes them: ta(time, plev, lat, lon) in K, one time step per chunk,
 * `200 + t + i / 10` at time step t and flat index i within the step, but the fill value 1e20 at index
 * `FILL_AT` (500 hPa) of every fifth step.
 */
export async function writeLevelsFile(file: string, options: LevelsFileOptions = {}): Promise<void> {
  const units = TimeUnits.parse('days since 1990-01-01', 'noleap');
  const w = await NetcdfWriter.create(file, { Conventions: 'CF-1.8' });
  w.defineDimension({ name: 'time', size: NT, unlimited: true });
  w.defineDimension({ name: 'plev', size: PLEV.length });
  w.defineDimension({ name: 'lat', size: NLAT });
  w.defineDimension({ name: 'lon', size: NLON });
  const time = Float64Array.from({ length: NT }, (_, m) =>
    units.encode({
      year: 1990 + Math.floor(m / 12),
      month: (m % 12) + 1,
      day: 15,
      hour: 0,
      minute: 0,
      second: 0,
    }),
  );
  w.defineVariable({
    name: 'time',
    dtype: 'f8',
    dimensions: ['time'],
    data: time,
    attributes: { units: units.units, calendar: 'noleap', axis: 'T' },
  });
  w.defineVariable({
    name: 'plev',
    dtype: 'f8',
    dimensions: ['plev'],
    data: PLEV,
    attributes: { units: 'Pa', axis: 'Z' },
  });
  w.defineVariable({ name: 'lat', dtype: 'f8', dimensions: ['lat'], data: [-75, -45, -15, 15, 45, 75] });
  w.defineVariable({
    name: 'lon',
    dtype: 'f8',
    dimensions: ['lon'],
    data: [0, 45, 90, 135, 180, 225, 270, 315],
  });
  w.defineVariable({
    name: 'ta',
    dtype: 'f4',
    dimensions: ['time', 'plev', 'lat', 'lon'],
    chunks: [1, PLEV.length, NLAT, NLON],
    ...(options.deflate === 0 ? {} : { deflate: options.deflate ?? 1 }),
    attributes: { units: 'K', _FillValue: 1e20 },
  });
  const step = new Float32Array(PLEV.length * NLAT * NLON);
  for (let t = 0; t < NT; t++) {
    if (options.unwritten?.includes(t)) continue;
    step.forEach((_, i) => (step[i] = t % 5 === 0 && i === FILL_AT ? 1e20 : 200 + t + i / 10));
    w.writeSlab('ta', [[t, t + 1]], step);
  }
  await w.close();
}
