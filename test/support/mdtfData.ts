import fs from 'node:fs';
import path from 'node:path';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { NetcdfWriter } from '../../src/preprocess/netcdfWriter.js';

/** A daily CMIP6-like surface field for the tests that run MDTF PODs. */
export interface DailyVariable {
  variable_id: string;
  standard_name: string;
  long_name: string;
  units: string;
  /** Value at a latitude (degrees), longitude (degrees) and day index. */
  value: (lat: number, lon: number, day: number) => number;
}

/** Near-surface air temperature, as the `example` PODs of MDTF ask for it (`tas`, K, day). */
export const TAS: DailyVariable = {
  variable_id: 'tas',
  standard_name: 'air_temperature',
  long_name: 'Near-Surface Air Temperature',
  units: 'K',
  value: (lat, lon, day) =>
    288 -
    30 * Math.sin((lat * Math.PI) / 180) ** 2 +
    3 * Math.cos((lon * Math.PI) / 180) +
    Math.sin(day / 58),
};

const GRID = {
  lat: Array.from({ length: 12 }, (_, i) => -90 + 15 * (i + 0.5)),
  lon: Array.from({ length: 24 }, (_, i) => 15 * i),
};

/**
 * Writes one file per variable covering `firstYear..lastYear` daily (noleap calendar, 12 × 24 grid) in a
 * CMIP6 DRS tree under `dir`, and an ESM catalog `dir/catalog.json` for the filesystem data manager.
 */
export async function writeDailyDataset(
  dir: string,
  variables: DailyVariable[],
  firstYear: number,
  lastYear: number,
  sourceId = 'SYNTH-ESM',
): Promise<string> {
  const rows: CatalogRow[] = [];
  const days = (lastYear - firstYear + 1) * 365;
  for (const v of variables) {
    const file = path.join(
      dir,
      'CMIP',
      'FAIRPOD',
      sourceId,
      'historical',
      'r1i1p1f1',
      'day',
      v.variable_id,
      'gn',
      'v20240101',
      `${v.variable_id}_day_${sourceId}_historical_r1i1p1f1_gn_${firstYear}0101-${lastYear}1231.nc`,
    );
    const writer = await NetcdfWriter.create(file, {
      Conventions: 'CF-1.8',
      source_id: sourceId,
      experiment_id: 'historical',
      frequency: 'day',
    });
    writer.defineDimension({ name: 'time', size: days, unlimited: true });
    writer.defineDimension({ name: 'lat', size: GRID.lat.length });
    writer.defineDimension({ name: 'lon', size: GRID.lon.length });
    writer.defineVariable({
      name: 'time',
      dtype: 'f8',
      dimensions: ['time'],
      data: Array.from({ length: days }, (_, d) => d + 0.5),
      attributes: {
        units: `days since ${firstYear}-01-01`,
        calendar: 'noleap',
        standard_name: 'time',
        axis: 'T',
      },
    });
    writer.defineVariable({
      name: 'lat',
      dtype: 'f8',
      dimensions: ['lat'],
      data: GRID.lat,
      attributes: { units: 'degrees_north', standard_name: 'latitude', axis: 'Y' },
    });
    writer.defineVariable({
      name: 'lon',
      dtype: 'f8',
      dimensions: ['lon'],
      data: GRID.lon,
      attributes: { units: 'degrees_east', standard_name: 'longitude', axis: 'X' },
    });
    writer.defineVariable({
      name: v.variable_id,
      dtype: 'f4',
      dimensions: ['time', 'lat', 'lon'],
      attributes: { standard_name: v.standard_name, long_name: v.long_name, units: v.units },
    });
    const step = new Float32Array(GRID.lat.length * GRID.lon.length);
    for (let d = 0; d < days; d++) {
      let k = 0;
      for (const la of GRID.lat) for (const lo of GRID.lon) step[k++] = v.value(la, lo, d);
      writer.writeSlab(v.variable_id, [[d, d + 1]], step);
    }
    await writer.close();
    rows.push({
      activity_id: 'CMIP',
      institution_id: 'FAIRPOD',
      source_id: sourceId,
      experiment_id: 'historical',
      member_id: 'r1i1p1f1',
      table_id: 'day',
      variable_id: v.variable_id,
      grid_label: 'gn',
      version: 'v20240101',
      frequency: 'day',
      realm: 'atmos',
      standard_name: v.standard_name,
      units: v.units,
      start_time: `${firstYear}-01-01`,
      end_time: `${lastYear}-12-31`,
      path: file,
      size: String(fs.statSync(file).size),
    });
  }
  const columns = Object.keys(rows[0]!);
  const written = await writeEsmCatalog(
    path.join(dir, 'catalog.json'),
    {
      esmcat_version: '0.1.0',
      id: 'mdtf-test-data',
      attributes: columns.filter((c) => c !== 'path').map((column_name) => ({ column_name })),
      assets: { column_name: 'path', format: 'netcdf' },
    },
    rows,
    { columns },
  );
  return written.jsonPath;
}

/** Writes `file` holding `name(lat, lon)`, a time mean as the `example` POD's obs data has it. */
export async function writeObsMean(file: string, name: string, variable: DailyVariable): Promise<void> {
  const writer = await NetcdfWriter.create(file, { Conventions: 'CF-1.8', title: 'synthetic obs mean' });
  writer.defineDimension({ name: 'lat', size: GRID.lat.length });
  writer.defineDimension({ name: 'lon', size: GRID.lon.length });
  writer.defineVariable({
    name: 'lat',
    dtype: 'f8',
    dimensions: ['lat'],
    data: GRID.lat,
    attributes: { units: 'degrees_north', standard_name: 'latitude' },
  });
  writer.defineVariable({
    name: 'lon',
    dtype: 'f8',
    dimensions: ['lon'],
    data: GRID.lon,
    attributes: { units: 'degrees_east', standard_name: 'longitude' },
  });
  writer.defineVariable({
    name,
    dtype: 'f4',
    dimensions: ['lat', 'lon'],
    data: GRID.lat.flatMap((la) => GRID.lon.map((lo) => variable.value(la, lo, 0) + 0.5)),
    attributes: { units: variable.units, long_name: `time mean of ${variable.long_name}` },
  });
  await writer.close();
}
