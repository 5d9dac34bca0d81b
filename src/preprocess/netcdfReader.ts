import fs from 'node:fs';
import { FairpodError } from '../core/errors.js';
import type { Hyperslab, NcAttributeValue, NcDimension, NcVariableInfo, NumericArray } from './ncTypes.js';

/** The on-disk format a reader found. */
export type NetcdfFormat = 'netCDF-4' | 'netCDF-3 classic' | 'netCDF-3 64-bit offset';

/**
 * One open netCDF file, whatever its format: metadata up front, data read by hyperslab so that memory is bounded
 * by the slab, not the file.
 */
export interface NetcdfReader {
  readonly path: string;
  readonly format: NetcdfFormat;
  readonly dimensions: NcDimension[];
  /** Data and coordinate variables (netCDF-4's dimension-only scales are not variables). */
  readonly variables: NcVariableInfo[];
  /** Global attributes. */
  readonly attributes: Record<string, NcAttributeValue>;
  hasVariable(name: string): boolean;
  /** The variable's metadata; a FairpodError naming file and variable when it is absent. */
  variable(name: string): NcVariableInfo;
  /** Values of a hyperslab (row-major); the whole variable when no slab is given. */
  read(name: string, slab?: Hyperslab): NumericArray;
  close(): void;
}

/** The named variable of a reader's list; the located "not found" error when the file does not hold it. */
export function findVariable(file: string, variables: NcVariableInfo[], name: string): NcVariableInfo {
  const v = variables.find((x) => x.name === name);
  if (!v)
    throw missingVariable(
      file,
      name,
      variables.map((x) => x.name),
    );
  return v;
}

/** The error for a variable a file does not hold. */
export function missingVariable(file: string, name: string, present: string[]): FairpodError {
  return new FairpodError(`variable ${name} not found in ${file}`, {
    location: { file, key: name },
    hint: `the file holds: ${present.join(', ') || '(no variables)'}; check the variable's native name in the fieldlist`,
  });
}

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
