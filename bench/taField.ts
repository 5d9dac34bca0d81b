import type { NetcdfWriter } from '../src/preprocess/netcdfWriter.js';
import type { TimeUnits } from '../src/preprocess/timeUnits.js';

/** Mid-month time values (day 15) of `months` months from January of `firstYear`, in `units`. */
export function monthlyTimes(units: TimeUnits, firstYear: number, months: number): Float64Array {
  return Float64Array.from({ length: months }, (_, m) =>
    units.encode({
      year: firstYear + Math.floor(m / 12),
      month: (m % 12) + 1,
      day: 15,
      hour: 0,
      minute: 0,
      second: 0,
    }),
  );
}

/** The grid of a benchmark's air temperature field. */
export interface TaGrid {
  time: Float64Array;
  units: TimeUnits;
  plev: number[];
  lat: Float64Array;
  lon: Float64Array;
  /** HDF5 chunk shape of `ta` (default: the writer's). */
  chunks?: number[];
}

/**
 * Defines a CMIP-like `ta(time, plev, lat, lon)` on `grid` in `w`: the dimensions, CF coordinate variables
 * and the float32 variable itself, which the caller then fills one time step at a time.
 */
export function defineTa(w: NetcdfWriter, grid: TaGrid): void {
  w.defineDimension({ name: 'time', size: grid.time.length, unlimited: true });
  w.defineDimension({ name: 'plev', size: grid.plev.length });
  w.defineDimension({ name: 'lat', size: grid.lat.length });
  w.defineDimension({ name: 'lon', size: grid.lon.length });
  w.defineVariable({
    name: 'time',
    dtype: 'f8',
    dimensions: ['time'],
    data: grid.time,
    attributes: { units: grid.units.units, calendar: 'noleap', axis: 'T', standard_name: 'time' },
  });
  w.defineVariable({
    name: 'plev',
    dtype: 'f8',
    dimensions: ['plev'],
    data: grid.plev,
    attributes: { units: 'Pa', axis: 'Z', positive: 'down', standard_name: 'air_pressure' },
  });
  w.defineVariable({
    name: 'lat',
    dtype: 'f8',
    dimensions: ['lat'],
    data: grid.lat,
    attributes: { units: 'degrees_north', axis: 'Y', standard_name: 'latitude' },
  });
  w.defineVariable({
    name: 'lon',
    dtype: 'f8',
    dimensions: ['lon'],
    data: grid.lon,
    attributes: { units: 'degrees_east', axis: 'X', standard_name: 'longitude' },
  });
  w.defineVariable({
    name: 'ta',
    dtype: 'f4',
    dimensions: ['time', 'plev', 'lat', 'lon'],
    ...(grid.chunks ? { chunks: grid.chunks } : {}),
    attributes: { units: 'K', standard_name: 'air_temperature', _FillValue: 1e20 },
  });
}
