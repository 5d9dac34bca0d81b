import type { VarlistEntrySpec } from '../../settings/types.js';
import { applyConversion, linearConversion } from '../units.js';
import type { LinearConversion } from '../units.js';
import type { Axis, CoordinateVariable, VariableDataset } from '../variableDataset.js';
import type { CoordinateRequest } from './step.js';
import type { PreprocessStep } from './step.js';

/**
 * Converts the data to the units the POD asked for, and each coordinate (with its bounds) to the units asked
 * for its axis; fill values are kept. An impossible conversion fails with both units, the file and the variable.
 */
export class ConvertUnitsStep implements PreprocessStep {
  readonly name = 'units';

  constructor(
    private readonly units: string | undefined,
    private readonly coordinates: Partial<Record<Axis, CoordinateRequest>> = {},
  ) {}

  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    return varlist;
  }

  process(ds: VariableDataset): void {
    const from = String(ds.attributes.units ?? '');
    if (this.units && this.units !== from) {
      const conversion = this.conversion(ds, from, this.units, ds.nativeName);
      if (!identity(conversion)) {
        const fill = ds.attributes._FillValue ?? ds.attributes.missing_value;
        const fillValue = fill === undefined ? undefined : Number(fill);
        ds.transforms.push((v) => applyConversion(conversion, v, v, { fillValue }));
        ds.history.push(
          `converted ${ds.nativeName} from ${from} to ${this.units} (× ${conversion.scale} + ${conversion.offset})`,
        );
      }
      ds.attributes = { ...ds.attributes, units: this.units };
    }
    for (const [axis, request] of Object.entries(this.coordinates) as [Axis, CoordinateRequest][]) {
      if (!request.units || axis === 'T') continue;
      const coord = ds.coordinateOfAxis(axis);
      if (coord) convertCoordinate(this, ds, coord, request.units);
    }
  }

  /** The conversion, or a located error naming both units. */
  conversion(ds: VariableDataset, from: string, to: string, what: string): LinearConversion {
    try {
      return linearConversion(from, to);
    } catch (err) {
      throw ds.error(
        `cannot convert ${what} from "${from}" to "${to}": ${(err as Error).message}`,
        (err as { hint?: string }).hint ?? 'check the units the POD asks for',
      );
    }
  }
}

/** Converts a coordinate and its bounds in place (they are small and held in memory). */
function convertCoordinate(
  step: ConvertUnitsStep,
  ds: VariableDataset,
  coord: CoordinateVariable,
  to: string,
): void {
  const from = String(coord.attributes.units ?? '');
  if (!from || from === to) return;
  const conversion = step.conversion(ds, from, to, `coordinate ${coord.name} of ${ds.nativeName}`);
  applyConversion(conversion, coord.data, coord.data);
  coord.attributes = { ...coord.attributes, units: to };
  const bounds = ds.coordinates.get(String(coord.attributes.bounds ?? ''));
  if (bounds) {
    applyConversion(conversion, bounds.data, bounds.data);
    if (bounds.attributes.units !== undefined) bounds.attributes = { ...bounds.attributes, units: to };
  }
  ds.history.push(
    `converted coordinate ${coord.name}${bounds ? ` and ${bounds.name}` : ''} from ${from} to ${to}`,
  );
}

function identity(c: LinearConversion): boolean {
  return c.scale === 1 && c.offset === 0;
}
