import { DataKeyError, type DataKey } from '../core/dataKey.js';
import { FairpodError } from '../core/errors.js';
import type { PreprocessContext, PreprocessOutput, Preprocessor } from '../core/services.js';
import type { VarlistEntry } from '../core/varlist.js';
import type { VarlistEntrySpec } from '../settings/types.js';
import { DEFAULT_STEP_ORDER, editVarlist, preprocessVariable } from './pipeline.js';
import type { CoordinateRequest, PreprocessRequest, ScalarCoordinateRequest } from './steps/step.js';

const AXES = new Set(['T', 'Z', 'Y', 'X']);

/** The preprocessing request for one variable of the loop: native name, chosen chunks, the POD's wishes. */
export function preprocessRequestFor(
  entry: VarlistEntry,
  files: DataKey[],
  context: PreprocessContext,
): PreprocessRequest {
  const translation = entry.translation!;
  const coordinates: Partial<Record<'T' | 'Z' | 'Y' | 'X', CoordinateRequest>> = {};
  for (const [name, spec] of Object.entries(entry.podDimensions)) {
    const axis = (spec.axis ?? (spec.standard_name === 'time' ? 'T' : undefined))?.toUpperCase();
    if (axis && AXES.has(axis) && entry.spec.dimensions.includes(name)) {
      coordinates[axis as 'T' | 'Z' | 'Y' | 'X'] = { name, units: spec.units };
    }
  }
  const scalarCoordinates: Record<string, number | ScalarCoordinateRequest> = {};
  for (const [dim, value] of Object.entries(translation.scalar_coordinates)) {
    const units = entry.podDimensions[dim]?.units;
    scalarCoordinates[dim] = units ? { value, units } : value;
  }
  return {
    pod: entry.pod,
    caseName: context.caseName,
    varName: entry.placedName,
    frequency: entry.frequency ?? 'fx',
    units: entry.spec.units,
    standardName: entry.spec.standard_name,
    scalarCoordinates,
    nativeName: translation.name,
    files: files.map((k) => k.localPath ?? k.id),
    firstYear: context.firstYear,
    lastYear: context.lastYear,
    workDir: context.workDir,
    coordinates,
  };
}

/**
 * fairpod's preprocessor for the loop: crops, concatenates, converts units and precipitation, extracts levels and
 * renames, through `preprocessVariable`. A failure caused by one input file fails that file's data key, so every
 * variable using it falls back to its alternates.
 */
export class NetcdfPreprocessor implements Preprocessor {
  constructor(private readonly order: string[] = DEFAULT_STEP_ORDER) {}

  editVarlist(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    return editVarlist(varlist, this.order);
  }

  async process(
    entry: VarlistEntry,
    files: DataKey[],
    context: PreprocessContext,
  ): Promise<PreprocessOutput> {
    try {
      const result = await preprocessVariable(preprocessRequestFor(entry, files, context), {
        order: this.order,
      });
      const renamed = this.order.includes('rename');
      return {
        path: result.outPath,
        variableName: renamed ? entry.placedName : entry.translation!.name,
        history: result.history,
      };
    } catch (err) {
      const culprit =
        err instanceof FairpodError
          ? files.find((k) => (k.localPath ?? k.id) === err.location.file)
          : undefined;
      if (culprit) throw new DataKeyError(culprit.id, (err as FairpodError).format());
      throw err;
    }
  }
}
