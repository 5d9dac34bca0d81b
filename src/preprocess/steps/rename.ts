import type { VarlistEntrySpec } from '../../settings/types.js';
import type { Axis, VariableDataset } from '../variableDataset.js';
import type { CoordinateRequest, PreprocessStep } from './step.js';

/** Renames the variable to the POD's name and coordinates (with their dimensions) to the names asked per axis. */
export class RenameStep implements PreprocessStep {
  readonly name = 'rename';

  constructor(
    private readonly varName: string,
    private readonly coordinates: Partial<Record<Axis, CoordinateRequest>> = {},
  ) {}

  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    return varlist;
  }

  process(ds: VariableDataset): void {
    if (ds.name !== this.varName) {
      ds.history.push(`renamed ${ds.name} to ${this.varName}`);
      ds.name = this.varName;
    }
    for (const [axis, request] of Object.entries(this.coordinates) as [Axis, CoordinateRequest][]) {
      const to = request.name;
      if (!to) continue;
      if (axis === 'T') {
        const from = ds.timeDimension && ds.outputDimension(ds.timeDimension);
        if (from && from !== to) renameDimension(ds, from, to);
        continue;
      }
      const coord = ds.coordinateOfAxis(axis);
      if (!coord || coord.name === to) continue;
      const from = coord.name;
      const isDimension = coord.dimensions.length === 1 && coord.dimensions[0] === from;
      ds.coordinates.delete(from);
      coord.name = to;
      ds.coordinates.set(to, coord);
      if (isDimension) renameDimension(ds, from, to);
      const listed = String(ds.attributes.coordinates ?? '')
        .split(/\s+/)
        .filter(Boolean);
      if (listed.includes(from))
        ds.attributes = { ...ds.attributes, coordinates: listed.map((c) => (c === from ? to : c)).join(' ') };
      if (!isDimension) ds.history.push(`renamed coordinate ${from} to ${to}`);
    }
  }
}

function renameDimension(ds: VariableDataset, from: string, to: string): void {
  ds.dimensions = ds.dimensions.map((d) => (d === from ? to : d));
  for (const c of ds.coordinates.values()) c.dimensions = c.dimensions.map((d) => (d === from ? to : d));
  const source = ds.dimensionSource.get(from);
  if (source !== undefined) {
    ds.dimensionSource.delete(from);
    ds.dimensionSource.set(to, source);
  }
  ds.history.push(`renamed dimension ${from} to ${to}`);
}
