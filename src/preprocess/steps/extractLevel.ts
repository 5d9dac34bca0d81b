import type { VarlistEntrySpec } from '../../settings/types.js';
import { linearConversion } from '../units.js';
import type { VariableDataset } from '../variableDataset.js';
import type { PreprocessStep, ScalarCoordinateRequest } from './step.js';

/** Relative difference below which two levels are the same level (float32 storage of Pa values). */
const SAME_LEVEL = 1e-6;

/**
 * Extracts the level a POD asks for (`scalar_coordinates`, e.g. 500 hPa) from a variable on vertical levels:
 * the exact level, or the nearest one within the request's tolerance, in the coordinate's own units (Pa ↔ hPa
 * are converted). The vertical dimension is dropped and kept as a scalar coordinate (`coordinates` attribute).
 * A variable already stored at one level (`ua850` with a scalar `plev`) is checked, not changed.
 */
export class ExtractLevelStep implements PreprocessStep {
  readonly name = 'level';

  constructor(private readonly scalarCoordinates: Record<string, number | ScalarCoordinateRequest> = {}) {}

  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    return varlist;
  }

  process(ds: VariableDataset): void {
    for (const [name, spec] of Object.entries(this.scalarCoordinates)) {
      const coord = ds.coordinateOfAxis('Z');
      if (!coord) {
        throw ds.error(
          `${ds.nativeName} has no vertical coordinate to extract ${name} = ${describe(spec)} from`,
          'the variable must be on levels, or stored at that level under its own name (e.g. ua850)',
        );
      }
      const units = String(coord.attributes.units ?? '');
      // A bare number is in hPa for a pressure axis (MDTF's settings), else in the coordinate's own units.
      const request: ScalarCoordinateRequest =
        typeof spec === 'number' ? { value: spec, units: isPressure(units) ? 'hPa' : units } : spec;
      let conversion;
      try {
        conversion = linearConversion(request.units, units || request.units);
      } catch (err) {
        throw ds.error(
          `cannot compare level ${describe(request)} with ${coord.name} in "${units}": ${(err as Error).message}`,
          'give the level in units of the vertical coordinate',
        );
      }
      const wanted = request.value * conversion.scale + conversion.offset;
      const tolerance = (request.tolerance ?? 0) * Math.abs(conversion.scale);
      const levels = Array.from(coord.data);
      const distances = levels.map((v) => Math.abs(v - wanted));
      const best = distances.indexOf(Math.min(...distances));
      const exact = distances[best] <= SAME_LEVEL * Math.max(1, Math.abs(wanted));
      if (best < 0 || (!exact && distances[best] > tolerance)) {
        throw ds.error(
          `level ${describe(request)} not found in ${coord.name} of ${ds.nativeName} (levels: ${levels.join(', ')} ${units})`,
          request.tolerance
            ? 'no level lies within the tolerance; choose another level or a larger tolerance'
            : 'choose a level the model provides, or allow the nearest level with a tolerance',
        );
      }
      if (coord.dimensions.length === 0) {
        ds.history.push(`checked ${ds.nativeName} is at ${coord.name} = ${levels[best]} ${units}`);
        continue;
      }
      const dim = coord.dimensions[0];
      ds.selectedIndex.set(ds.dimensionSource.get(dim) ?? dim, best);
      ds.dimensions = ds.dimensions.filter((d) => d !== dim);
      ds.dimensionSource.delete(dim);
      coord.dimensions = [];
      coord.data = Float64Array.of(levels[best]);
      const bounds = ds.coordinates.get(String(coord.attributes.bounds ?? ''));
      if (bounds) {
        bounds.data = bounds.data.slice(best * 2, best * 2 + 2);
        bounds.dimensions = bounds.dimensions.slice(1);
      }
      const listed = String(ds.attributes.coordinates ?? '')
        .split(/\s+/)
        .filter(Boolean);
      ds.attributes = {
        ...ds.attributes,
        coordinates: [...listed.filter((c) => c !== coord.name), coord.name].join(' '),
      };
      ds.history.push(
        `extracted ${coord.name} = ${levels[best]} ${units} (${exact ? 'exact' : `nearest to ${describe(request)}`}) from ${ds.nativeName}`,
      );
    }
  }
}

function isPressure(units: string): boolean {
  try {
    linearConversion(units, 'Pa');
    return true;
  } catch {
    return false;
  }
}

function describe(spec: number | ScalarCoordinateRequest): string {
  return typeof spec === 'number' ? String(spec) : `${spec.value} ${spec.units}`;
}
