import fs from 'node:fs';
import { FairpodError } from '../core/errors.js';

export { findVariable, missingVariable, type NetcdfFormat, type NetcdfReader } from './readerContract.js';
import type { NetcdfFormat, NetcdfReader } from './readerContract.js';

/** Reads the first bytes of a file to tell netCDF-3 from netCDF-4/HDF5; anything else is a located error. */
export async function sniffNetcdf(file: string): Promise<NetcdfFormat> {
  let head: Buffer;
  try {
    const fh = await fs.promises.open(file, 'r');
    try {
      head = Buffer.alloc(8);
      await fh.read(head, 0, 8, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new FairpodError(`cannot read ${file}: ${(err as Error).message}`, {
      location: { file },
      hint: 'check that the file exists and is readable',
      cause: err,
    });
  }
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'netCDF-4';
  if (head.subarray(0, 3).toString('latin1') === 'CDF') {
    if (head[3] === 1) return 'netCDF-3 classic';
    if (head[3] === 2) return 'netCDF-3 64-bit offset';
  }
  throw new FairpodError(`${file} is not a netCDF file (neither netCDF-3 nor netCDF-4/HDF5)`, {
    location: { file },
    hint: 'check the catalog entry points at a .nc file; netCDF-3 CDF-5 (64-bit data) is not supported',
  });
}

/** Opens a netCDF-3 or netCDF-4 file behind the same reader interface. */
export async function openNetcdf(file: string): Promise<NetcdfReader> {
  const format = await sniffNetcdf(file);
  try {
    if (format === 'netCDF-4') {
      const { Hdf5NetcdfReader } = await import('./hdf5Reader.js');
      return await Hdf5NetcdfReader.open(file);
    }
    const { ClassicNetcdfReader } = await import('./classicReader.js');
    return await ClassicNetcdfReader.open(file, format);
  } catch (err) {
    if (err instanceof FairpodError) throw err;
    throw new FairpodError(`cannot read ${file} as ${format}: ${(err as Error).message}`, {
      location: { file },
      hint: 'the file may be truncated or corrupt; fetch it again',
      cause: err,
    });
  }
}
