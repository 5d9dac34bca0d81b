import fs from 'node:fs';
import path from 'node:path';
import { FairpodError } from '../core/errors.js';
import type { VarlistEntrySpec } from '../settings/types.js';
import { ConcatenateStep } from './steps/concatenate.js';
import { ConvertUnitsStep } from './steps/convertUnits.js';
import { CropPeriodStep } from './steps/crop.js';
import { ExtractLevelStep } from './steps/extractLevel.js';
import { PrecipitationRateFluxStep } from './steps/precipitation.js';
import { RenameStep } from './steps/rename.js';
import type { PreprocessRequest, PreprocessStep } from './steps/step.js';
import { VariableDataset } from './variableDataset.js';
import { writeVariableDataset } from './writeDataset.js';
import type { WriteDatasetOptions } from './writeDataset.js';

/** The steps fairpod knows, by the name used in a configured order. */
export const PREPROCESS_STEPS: Record<string, (request: PreprocessRequest) => PreprocessStep> = {
  crop: (r) => new CropPeriodStep(r.firstYear, r.lastYear),
  concatenate: () => new ConcatenateStep(),
  precipitation: (r) => new PrecipitationRateFluxStep(r.units),
  units: (r) => new ConvertUnitsStep(r.units, r.coordinates),
  level: (r) => new ExtractLevelStep(r.scalarCoordinates),
  rename: (r) => new RenameStep(r.varName, r.coordinates),
};

/** MDTF's order: crop and join the chunks, fix the quantity, then units, level and names. */
export const DEFAULT_STEP_ORDER = ['crop', 'concatenate', 'precipitation', 'units', 'level', 'rename'];

/** `<work>/<POD>/<freq>/<CASE>.<var>.<freq>.nc`: where a POD reads a preprocessed variable (MDTF's layout). */
export function preprocessedPath(
  request: Pick<PreprocessRequest, 'workDir' | 'pod' | 'frequency' | 'caseName' | 'varName'>,
): string {
  return path.join(
    request.workDir,
    request.pod,
    request.frequency,
    `${request.caseName}.${request.varName}.${request.frequency}.nc`,
  );
}

/** The steps of an order; an unknown name is a located error listing the known ones. */
export function buildSteps(
  request: PreprocessRequest,
  order: string[] = DEFAULT_STEP_ORDER,
): PreprocessStep[] {
  return order.map((name) => {
    const make = PREPROCESS_STEPS[name];
    if (!make) {
      throw new FairpodError(`unknown preprocessing step "${name}"`, {
        location: { key: 'preprocess.steps' },
        hint: `known steps: ${Object.keys(PREPROCESS_STEPS).join(', ')}`,
      });
    }
    return make(request);
  });
}

/**
 * Lets every step edit a POD's varlist before the query (e.g. the precipitation step adds a rate as alternate
 * of a flux). The request-independent parts of the steps are used, so any request values will do.
 */
export function editVarlist(
  varlist: VarlistEntrySpec[],
  order: string[] = DEFAULT_STEP_ORDER,
): VarlistEntrySpec[] {
  const neutral: PreprocessRequest = {
    pod: '',
    caseName: '',
    varName: '',
    frequency: '',
    nativeName: '',
    files: [],
    firstYear: 0,
    lastYear: 0,
    workDir: '',
  };
  return buildSteps(neutral, order).reduce((list, step) => step.editRequest(list), varlist);
}

/** What `preprocessVariable` produced. */
export interface PreprocessResult {
  outPath: string;
  /** The history lines of the steps that changed something, in order. */
  history: string[];
  /** How many slabs (batches of time steps) the data was read and written in. */
  slabs: number;
}

/** Options of `preprocessVariable`. */
export interface PreprocessOptions extends Pick<WriteDatasetOptions, 'sliceBytes' | 'deflate' | 'readers'> {
  /** The steps to run, by name (default `DEFAULT_STEP_ORDER`). */
  order?: string[];
  /** Where to write the result (default: `preprocessedPath(request)`, MDTF's layout). */
  outPath?: string;
}

/**
 * Turns the chosen time chunks of one variable into the single file its POD reads: runs the steps in `order`
 * (default `DEFAULT_STEP_ORDER`), then writes `<work>/<POD>/<freq>/<CASE>.<var>.<freq>.nc` slab by slab, so memory
 * stays bounded by a batch of time steps. Failures throw a FairpodError naming the file and the variable, and
 * leave nothing at the output path.
 */
export async function preprocessVariable(
  request: PreprocessRequest,
  options: PreprocessOptions = {},
): Promise<PreprocessResult> {
  const steps = buildSteps(request, options.order);
  const outPath = options.outPath ?? preprocessedPath(request);
  const dataset = await VariableDataset.open(request.files, request.nativeName);
  try {
    for (const step of steps) step.process(dataset);
    if (dataset.sources.length > 1 && !dataset.concatenated) new ConcatenateStep().process(dataset);
    await fs.promises.mkdir(path.dirname(outPath), { recursive: true });
    const slabs = await writeVariableDataset(dataset, outPath, {
      sliceBytes: options.sliceBytes,
      deflate: options.deflate,
      readers: options.readers,
    });
    return { outPath, history: [...dataset.history], slabs };
  } catch (err) {
    if (err instanceof FairpodError) throw err;
    throw dataset.error(
      `cannot preprocess ${request.nativeName} for ${request.pod}/${request.varName}: ${(err as Error).message}`,
      'see the message; the input file may be damaged',
    );
  } finally {
    dataset.close();
  }
}
