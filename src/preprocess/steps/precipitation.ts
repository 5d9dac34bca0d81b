import type { VarlistEntrySpec } from '../../settings/types.js';
import { areConvertible, precipFluxToRate, precipRateToFlux } from '../units.js';
import type { VariableDataset } from '../variableDataset.js';
import type { PreprocessStep } from './step.js';

/**
 * Standard names of a precipitation rate and the flux it converts to, as MDTF's preprocessor pairs them
 * (`precipitation_rate`, not CF but the name CESM's fieldlist gives PRECT, and CF's `lwe_precipitation_rate`).
 */
const RATE_TO_FLUX: Readonly<Record<string, string>> = {
  precipitation_rate: 'precipitation_flux',
  lwe_precipitation_rate: 'precipitation_flux',
  convective_precipitation_rate: 'convective_precipitation_flux',
  large_scale_precipitation_rate: 'large_scale_precipitation_flux',
};
/** The rate each flux is offered as (the names the fieldlists use). */
const FLUX_TO_RATE: Readonly<Record<string, string>> = {
  precipitation_flux: 'precipitation_rate',
  convective_precipitation_flux: 'convective_precipitation_rate',
  large_scale_precipitation_flux: 'large_scale_precipitation_rate',
};

/**
 * Turns a precipitation rate (depth of water per time) into the mass flux the POD asked for, or the reverse,
 * through the density of water. Its `editRequest` offers the other form as an alternate of every precipitation
 * variable, so that a model that only has one of them still satisfies the POD.
 */
export class PrecipitationRateFluxStep implements PreprocessStep {
  readonly name = 'precipitation';

  constructor(private readonly requestedUnits: string | undefined) {}

  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    const out = varlist.map((v) => ({ ...v, alternates: v.alternates.map((set) => [...set]) }));
    for (const v of varlist) {
      const flux = RATE_TO_FLUX[v.standard_name];
      const other = flux ?? FLUX_TO_RATE[v.standard_name];
      if (!other || v.requirement === 'alternate') continue;
      const name = `${v.name}_as_${flux ? 'flux' : 'rate'}`;
      if (out.some((x) => x.name === name)) continue;
      // Same name for the POD's units: this step converts the alternate's native units to them.
      out.push({
        ...v,
        name,
        standard_name: other,
        requirement: 'alternate',
        alternates: [],
        use_exact_name: false,
        stands_for: v.name,
      });
      out.find((x) => x.name === v.name)!.alternates.push([name]);
    }
    return out;
  }

  process(ds: VariableDataset): void {
    const from = String(ds.attributes.units ?? '');
    const to = this.requestedUnits;
    if (!to || !from || areConvertible(from, to)) return;
    const native = String(ds.attributes.standard_name ?? '');
    let factor: number;
    let standardName: string;
    try {
      factor = precipRateToFlux(from, to);
      standardName = RATE_TO_FLUX[native] ?? 'precipitation_flux';
    } catch {
      try {
        factor = precipFluxToRate(from, to);
        standardName = FLUX_TO_RATE[native] ?? 'precipitation_rate';
      } catch {
        return; // Not precipitation: the unit conversion step reports the impossible conversion.
      }
    }
    const fill = fillValueOf(ds.attributes);
    ds.transforms.push((v) => {
      for (let i = 0; i < v.length; i++) if (v[i] !== fill) v[i] *= factor;
    });
    ds.attributes = { ...ds.attributes, units: to, standard_name: standardName };
    ds.history.push(
      `converted ${ds.nativeName} from ${from} to ${to} through the density of water (× ${factor})`,
    );
  }
}

/** The fill value as stored in a float32 slab (fround), or NaN when there is none. */
export function fillValueOf(attrs: Record<string, unknown>): number {
  const fill = attrs._FillValue ?? attrs.missing_value;
  return fill === undefined ? Number.NaN : Math.fround(Number(fill));
}
