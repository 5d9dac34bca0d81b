import type { VarlistEntrySpec } from '../../settings/types.js';
import type { VariableDataset } from '../variableDataset.js';

/** A scalar coordinate the POD asks for, e.g. `{ value: 500, units: 'hPa' }`. */
export interface ScalarCoordinateRequest {
  value: number;
  units: string;
  /** Accept the nearest level within this distance (in `units`); default: exact match only. */
  tolerance?: number;
}

/** What the POD wants a coordinate to be called and measured in, by CF axis. */
export interface CoordinateRequest {
  name?: string;
  units?: string;
}

/** What one variable of one POD must become. */
export interface PreprocessRequest {
  pod: string;
  caseName: string;
  /** The POD's name for the variable (the output variable and file name use it). */
  varName: string;
  frequency: string;
  /** Units the POD asks for. */
  units?: string;
  standardName?: string;
  /**
   * Scalar coordinates still to extract, by the POD's dimension name (e.g. `{ lev: 500 }`). A plain number is
   * in hPa for pressure (MDTF's settings give levels in the `dimensions` section's units, hPa in every POD).
   */
  scalarCoordinates?: Record<string, number | ScalarCoordinateRequest>;
  /** Native variable name in the files. */
  nativeName: string;
  /** The chosen time chunks (any order). */
  files: string[];
  firstYear: number;
  lastYear: number;
  workDir: string;
  /** Coordinate names and units the POD asks for, by axis (`T`, `Z`, `Y`, `X`). */
  coordinates?: Partial<Record<'T' | 'Z' | 'Y' | 'X', CoordinateRequest>>;
}

/**
 * One preprocessing step. `editRequest` may change a POD's varlist before the query (e.g. add alternates the step
 * can turn into what was asked for); `process` changes the lazy dataset and adds a history line when it did something.
 */
export interface PreprocessStep {
  /** The name used in a configured step order. */
  readonly name: string;
  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[];
  process(dataset: VariableDataset): void;
}
