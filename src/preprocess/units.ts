/**
 * UDUNITS-style units: parse, compare and convert, including affine temperatures (K ↔ degC), pure numbers
 * (`1`, `%`, `0-1`) and time units with a reference date. The syntax is read by `unitsParse.ts` (written
 * by hand: no npm package reads UDUNITS); the meaning of each unit name comes from mathjs's unit database
 * (`unitTable.ts`, which knows the common names without loading mathjs), through the small adapter below that
 * maps CF/UDUNITS spellings (`degrees_Celsius`, `degrees_north`, `mb`, `days`) to mathjs names.
 */
import { BASE_DIMENSIONS, unitDefinition } from './unitTable.js';
import { parseEpoch, parseUnitExpression, splitTimeUnits, UnitsError, type Epoch } from './unitsParse.js';

export { UnitsError, type Epoch } from './unitsParse.js';

/** Names that are pure numbers. */
const DIMENSIONLESS: Record<string, number> = {
  '%': 0.01,
  percent: 0.01,
  psu: 1e-3, // practical salinity, which CF writes as 1e-3
  ppm: 1e-6,
  ppb: 1e-9,
};

/** CF and UDUNITS spellings mathjs does not know, mapped to mathjs unit names. */
const ALIASES: Record<string, string> = {
  ...spellings('degC', [
    'degrees_Celsius',
    'degree_Celsius',
    'degrees_C',
    'degree_C',
    'deg_C',
    'degreeC',
    'degreesC',
    'celsius',
    'Celsius',
    '°C',
  ]),
  ...spellings('K', ['degK', 'degree_K', 'degrees_K', 'degreeK', 'kelvin', 'Kelvin']),
  ...spellings('degF', ['degrees_Fahrenheit', 'degree_Fahrenheit', 'degreeF', 'fahrenheit', '°F']),
  // UDUNITS treats latitude and longitude degrees as plain angle degrees.
  ...spellings('deg', [
    'degrees_north',
    'degree_north',
    'degrees_N',
    'degree_N',
    'degreesN',
    'degreeN',
    'degrees_east',
    'degree_east',
    'degrees_E',
    'degree_E',
    'degreesE',
    'degreeE',
    'degrees',
    'degree',
    'arc_degree',
    '°',
  ]),
  ...spellings('m', ['metre', 'metres']),
  ...spellings('km', ['kilometre', 'kilometres']),
  ...spellings('cm', ['centimetre', 'centimetres']),
  ...spellings('mm', ['millimetre', 'millimetres']),
  // Climate data writes `mb` for millibar (UDUNITS would read millibarn).
  ...spellings('mbar', ['mb', 'millibar', 'millibars']),
  ...spellings('day', ['d', 'days']),
  ...spellings('hour', ['hours', 'hr', 'hrs']),
  ...spellings('udunitsyear', ['year', 'years', 'yr', 'yrs']),
  ...spellings('udunitsmonth', ['month', 'months', 'mon']),
};

function spellings(target: string, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, target]));
}

/** A parsed unit string: `SI value = x × scale + offset`, and the SI dimension it measures. */
export interface ParsedUnits {
  /** The string as given. */
  text: string;
  /** Multiplier to SI (e.g. 100 for `hPa`, 0.01 for `%`, 1/86400 × 1e-3 for `mm/day`). */
  scale: number;
  /** Added after scaling; non-zero only for an affine unit on its own (273.15 for `degC`). */
  offset: number;
  /** Exponent of each SI base dimension, in mathjs's order (MASS, LENGTH, TIME, ...). */
  dimensions: readonly number[];
  /** For `<unit> since <date>`: the reference date; the other fields then describe `<unit>`. */
  reference?: TimeReference;
}

/** The reference of a time unit: `days since 1850-01-01` → unit `days`, epoch 1850-01-01 00:00:00. */
export interface TimeReference {
  /** The unit as written before `since`. */
  unit: string;
  /** The reference date as written after `since`. */
  epochText: string;
  epoch: Epoch;
}

/** `y = x × scale + offset`: how to turn a value in one unit into another. */
export interface LinearConversion {
  scale: number;
  offset: number;
}

/** Parses a UDUNITS unit string; an unreadable string or an unknown unit name throws a `UnitsError`. */
export function parseUnits(text: string): ParsedUnits {
  const time = splitTimeUnits(text);
  if (time) {
    const base = parseUnits(time.unit);
    if (!sameDimensions(base.dimensions, dimensionsOf({ TIME: 1 }))) {
      throw new UnitsError(`\`${time.unit}\` in \`${text}\` is not a unit of time`, {
        hint: 'write time units as `<unit of time> since <date>`, e.g. `days since 1850-01-01`',
      });
    }
    return {
      ...base,
      text,
      reference: { unit: time.unit, epochText: time.reference, epoch: parseEpoch(time.reference, text) },
    };
  }
  const expression = parseUnitExpression(text);
  let scale = expression.scale;
  let offset = 0;
  const dimensions = new Array<number>(BASE_DIMENSIONS.length).fill(0);
  for (const { symbol, exponent } of expression.factors) {
    if (symbol in DIMENSIONLESS) {
      scale *= DIMENSIONLESS[symbol] ** exponent;
      continue;
    }
    const unit = lookUp(symbol, text);
    scale *= unit.value ** exponent;
    unit.dimensions.forEach((d, i) => (dimensions[i] += d * exponent));
    // As in UDUNITS, an offset (degC) applies only to the unit on its own: `degC m-1` is a gradient.
    if (expression.factors.length === 1 && exponent === 1 && expression.scale === 1)
      offset = unit.offset * unit.value;
  }
  return { text, scale, offset, dimensions };
}

function lookUp(symbol: string, text: string): { value: number; offset: number; dimensions: number[] } {
  const name = ALIASES[symbol] ?? symbol;
  let unit;
  try {
    unit = unitDefinition(name);
  } catch {
    throw new UnitsError(`unknown unit \`${symbol}\` in \`${text}\``, {
      hint: 'use a UDUNITS unit name, e.g. K, degC, Pa, hPa, m, s, day, kg, W, %, 1 (see the UDUNITS-2 database)',
    });
  }
  return unit;
}

function dimensionsOf(exponents: Record<string, number>): number[] {
  return BASE_DIMENSIONS.map((name) => exponents[name] ?? 0);
}

function sameDimensions(a: readonly number[], b: readonly number[]): boolean {
  return a.every((d, i) => Math.abs(d - b[i]) < 1e-12);
}

/** `kg m-2 s-1` style: the SI dimension of a parsed unit, for messages. */
function describeDimensions(units: ParsedUnits): string {
  const parts = BASE_DIMENSIONS.flatMap((name, i) =>
    units.dimensions[i] === 0
      ? []
      : [`${name.toLowerCase()}${units.dimensions[i] === 1 ? '' : `^${units.dimensions[i]}`}`],
  );
  return parts.length === 0 ? 'a pure number' : parts.join(' ');
}

/**
 * Whether values in `a` can be expressed in `b`. Two time units with reference dates are convertible
 * (whatever their dates); a reference time and a duration (`days since ...` and `days`) are not.
 */
export function areConvertible(a: string, b: string): boolean {
  const pa = parseUnits(a);
  const pb = parseUnits(b);
  return (
    sameDimensions(pa.dimensions, pb.dimensions) &&
    (pa.reference === undefined) === (pb.reference === undefined)
  );
}

/**
 * The scale and offset taking values from `from` to `to`; an impossible conversion throws a `UnitsError`
 * naming both units. Time units with reference dates convert here only when the dates are equal: shifting
 * the reference depends on the calendar, which the calendar code handles.
 */
export function linearConversion(from: string, to: string): LinearConversion {
  const a = parseUnits(from);
  const b = parseUnits(to);
  if (
    !sameDimensions(a.dimensions, b.dimensions) ||
    (a.reference === undefined) !== (b.reference === undefined)
  ) {
    throw new UnitsError(`cannot convert \`${from}\` (${describe(a)}) to \`${to}\` (${describe(b)})`, {
      hint: conversionHint(a, b),
    });
  }
  if (a.reference && b.reference && !sameEpoch(a.reference.epoch, b.reference.epoch)) {
    throw new UnitsError(
      `cannot convert \`${from}\` to \`${to}\` without a calendar: the reference dates differ`,
      {
        hint: 'shift the time axis with the calendar-aware time code; units can only rescale times that share a reference date',
      },
    );
  }
  // x[from] → SI: x·a.scale + a.offset; SI → y[to]: (SI − b.offset) / b.scale.
  return { scale: a.scale / b.scale, offset: (a.offset - b.offset) / b.scale };
}

function describe(units: ParsedUnits): string {
  return units.reference ? `a time since ${units.reference.epochText}` : describeDimensions(units);
}

function conversionHint(a: ParsedUnits, b: ParsedUnits): string {
  const rate = dimensionsOf({ LENGTH: 1, TIME: -1 });
  const flux = dimensionsOf({ MASS: 1, LENGTH: -2, TIME: -1 });
  const isRate = (u: ParsedUnits) => sameDimensions(u.dimensions, rate);
  const isFlux = (u: ParsedUnits) => sameDimensions(u.dimensions, flux);
  if ((isRate(a) && isFlux(b)) || (isFlux(a) && isRate(b))) {
    return 'a precipitation rate and a precipitation flux differ by the density of water: use precipRateToFlux / precipFluxToRate';
  }
  return 'the two units measure different quantities: check the variable, or the units the POD asks for';
}

function sameEpoch(a: Epoch, b: Epoch): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second &&
    a.utcOffsetMinutes === b.utcOffsetMinutes
  );
}

/** A function converting one value from `from` to `to`; throws a `UnitsError` at once if impossible. */
export function converter(from: string, to: string): (x: number) => number {
  const { scale, offset } = linearConversion(from, to);
  return (x) => x * scale + offset;
}

/** Options of `applyConversion`. */
export interface ApplyOptions {
  /** Values equal to this (a netCDF `_FillValue` / `missing_value`) are copied unchanged. NaN stays NaN anyway. */
  fillValue?: number;
}

/**
 * Converts `input` into `out` (default: a new array of the input's type; may be `input` itself to convert
 * in place) with a precomputed conversion, in one tight loop. For slices of one variable, compute the
 * conversion once with `linearConversion` and call this per slice.
 */
export function applyConversion<T extends Float32Array | Float64Array>(
  conversion: LinearConversion,
  input: Float32Array | Float64Array,
  out: T,
  options?: ApplyOptions,
): T;
export function applyConversion<T extends Float32Array | Float64Array>(
  conversion: LinearConversion,
  input: T,
  out?: undefined,
  options?: ApplyOptions,
): T;
export function applyConversion(
  conversion: LinearConversion,
  input: Float32Array | Float64Array,
  out?: Float32Array | Float64Array,
  options: ApplyOptions = {},
): Float32Array | Float64Array {
  const target =
    out ?? (input instanceof Float32Array ? new Float32Array(input.length) : new Float64Array(input.length));
  if (target.length < input.length)
    throw new RangeError(`output array holds ${target.length} values, input ${input.length}`);
  const { scale, offset } = conversion;
  const n = input.length;
  if (options.fillValue === undefined || Number.isNaN(options.fillValue)) {
    if (scale === 1 && offset === 0) {
      if (target !== input) target.set(input);
    } else {
      for (let i = 0; i < n; i++) target[i] = input[i] * scale + offset;
    }
  } else {
    // A float32 file stores the fill value rounded to float32; compare with what the array holds.
    const fill = input instanceof Float32Array ? Math.fround(options.fillValue) : options.fillValue;
    for (let i = 0; i < n; i++) {
      const x = input[i];
      target[i] = x === fill ? x : x * scale + offset;
    }
  }
  return target;
}

/** Converts a whole array from `from` to `to` (see `applyConversion`); an impossible conversion throws a `UnitsError`. */
export function convertArray<T extends Float32Array | Float64Array>(
  from: string,
  to: string,
  input: Float32Array | Float64Array,
  out: T,
  options?: ApplyOptions,
): T;
export function convertArray<T extends Float32Array | Float64Array>(
  from: string,
  to: string,
  input: T,
  out?: undefined,
  options?: ApplyOptions,
): T;
export function convertArray(
  from: string,
  to: string,
  input: Float32Array | Float64Array,
  out?: Float32Array | Float64Array,
  options?: ApplyOptions,
): Float32Array | Float64Array {
  return applyConversion(linearConversion(from, to), input, out as Float64Array, options);
}

/** Density of liquid water used to turn a precipitation rate (a depth per time) into a mass flux, in kg m-3. */
export const WATER_DENSITY = 1000;

/**
 * The factor turning a precipitation rate (depth of water per time, e.g. `m s-1`, `mm/day`) into a mass
 * flux (e.g. `kg m-2 s-1`) through the density of water. Not a unit conversion (the units measure different
 * quantities), hence a function of its own. Throws a `UnitsError` if the units are not a rate and a flux.
 */
export function precipRateToFlux(rateUnits = 'm s-1', fluxUnits = 'kg m-2 s-1'): number {
  requireDimensions(
    rateUnits,
    { LENGTH: 1, TIME: -1 },
    'a precipitation rate (a depth per time, e.g. `m s-1` or `mm/day`)',
  );
  requireDimensions(
    fluxUnits,
    { MASS: 1, LENGTH: -2, TIME: -1 },
    'a precipitation flux (a mass per area per time, e.g. `kg m-2 s-1`)',
  );
  return (
    linearConversion(rateUnits, 'm s-1').scale *
    WATER_DENSITY *
    linearConversion('kg m-2 s-1', fluxUnits).scale
  );
}

/** The factor turning a precipitation mass flux into a rate: the inverse of `precipRateToFlux`. */
export function precipFluxToRate(fluxUnits = 'kg m-2 s-1', rateUnits = 'm s-1'): number {
  return 1 / precipRateToFlux(rateUnits, fluxUnits);
}

function requireDimensions(units: string, exponents: Record<string, number>, what: string): void {
  const parsed = parseUnits(units);
  if (parsed.reference !== undefined || !sameDimensions(parsed.dimensions, dimensionsOf(exponents))) {
    throw new UnitsError(`\`${units}\` (${describe(parsed)}) is not ${what}`, {
      hint: 'give the rate as a length per time and the flux as a mass per area per time',
    });
  }
}

/** The parts of a CF time unit: `hours since 1970-01-01T00:00Z` → unit `hours`, 3600 s per unit, epoch 1970-01-01. */
export interface TimeUnits extends TimeReference {
  /** Seconds in one `unit` (86400 for days; months and years as UDUNITS defines them). */
  secondsPerUnit: number;
}

/** Parses `<unit> since <date>` (calendar handling is the time code's job); anything else throws a `UnitsError`. */
export function parseTimeUnits(text: string): TimeUnits {
  const parsed = parseUnits(text);
  if (!parsed.reference) {
    throw new UnitsError(`\`${text}\` is not a time unit with a reference date`, {
      hint: 'a time axis needs units like `days since 1850-01-01 00:00:00`',
    });
  }
  return { ...parsed.reference, secondsPerUnit: parsed.scale };
}
