import { FairpodError } from '../core/errors.js';
import type { Hyperslab, NcAttributeValue, NcDimension, NcVariableInfo, NumericArray } from './ncTypes.js';

// What every netCDF reader implements and shares, apart from `openNetcdf`, which picks one: the readers import
// this module, not netcdfReader.ts, so that module graph has no circle.

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
  /** Whether the variable's data pass a filter (deflate, shuffle ...) on the way from the disk: reading costs CPU. */
  isFiltered(name: string): boolean;
  /** Values of a hyperslab (row-major); the whole variable when no slab is given. */
  read(name: string, slab?: Hyperslab): NumericArray;
  /** Whether `readRaw` can read the variable (finding out may call HDF5, once per variable). */
  readsRaw?(name: string): boolean;
  /**
   * Reads a hyperslab into `out` (the variable's type, the slab's size) straight from the file's bytes, calling
   * no other library, once `readsRaw` said it can; false when it cannot, for this slab or at all (then `out`
   * holds nothing usable).
   */
  readRaw?(name: string, slab: Hyperslab | undefined, out: ArrayBufferView): boolean;
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
