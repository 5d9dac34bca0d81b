/** netCDF I/O, CF calendars and the preprocessing pipeline (units live in `./units.js`). */
export { openNetcdf, sniffNetcdf } from './netcdfReader.js';
export type { NetcdfReader, NetcdfFormat } from './netcdfReader.js';
export { NetcdfWriter } from './netcdfWriter.js';
export type { DimensionDefinition, VariableDefinition, WritableDtype } from './netcdfWriter.js';
export type {
  Hyperslab,
  NcAttributeValue,
  NcDimension,
  NcDtype,
  NcVariableInfo,
  NumericArray,
} from './ncTypes.js';
export { Calendar, compareDateTime, formatDateTime } from './calendar.js';
export type { CalendarName, CfDateTime } from './calendar.js';
export { TimeUnits } from './timeUnits.js';
export {
  preprocessVariable,
  preprocessedPath,
  editVarlist,
  buildSteps,
  PREPROCESS_STEPS,
  DEFAULT_STEP_ORDER,
} from './pipeline.js';
export type { PreprocessResult } from './pipeline.js';
export type {
  PreprocessRequest,
  PreprocessStep,
  ScalarCoordinateRequest,
  CoordinateRequest,
} from './steps/step.js';
