/**
 * The unit names climate data use most (after `units.ts` maps CF spellings to them), with what mathjs's unit
 * database says of each: converting K to degC or hPa to Pa then needs no mathjs, whose loading costs about a
 * second at every start. Anything else is looked up in mathjs, loaded on first need. A test checks every
 * entry against mathjs. (Written by hand: no npm package serves UDUNITS definitions without mathjs's cost.)
 */
import { createRequire } from 'node:module';

/** mathjs's SI base dimensions, in its order (`math.Unit.BASE_DIMENSIONS`). */
export const BASE_DIMENSIONS: readonly string[] = [
  'MASS',
  'LENGTH',
  'TIME',
  'CURRENT',
  'TEMPERATURE',
  'LUMINOUS_INTENSITY',
  'AMOUNT_OF_SUBSTANCE',
  'ANGLE',
  'BIT',
];

/** One unit: `SI = (x + offset) × value`, and the exponent of each base dimension. */
export interface UnitDefinition {
  value: number;
  offset: number;
  dimensions: number[];
}

/** UDUNITS' year (the tropical year; mathjs's is the Julian year), in seconds. */
const UDUNITS_YEAR = 31556925.9747;

const d = (exponents: Partial<Record<string, number>>): number[] =>
  BASE_DIMENSIONS.map((name) => exponents[name] ?? 0);
const TEMPERATURE = d({ TEMPERATURE: 1 });
const PRESSURE = d({ MASS: 1, LENGTH: -1, TIME: -2 });
const LENGTH = d({ LENGTH: 1 });
const TIME = d({ TIME: 1 });

/** mathjs's definitions of the common names, by mathjs name. */
export const BUILT_IN_UNITS: Readonly<Record<string, UnitDefinition>> = {
  K: { value: 1, offset: 0, dimensions: TEMPERATURE },
  degC: { value: 1, offset: 273.15, dimensions: TEMPERATURE },
  degF: { value: 5 / 9, offset: 459.67, dimensions: TEMPERATURE },
  Pa: { value: 1, offset: 0, dimensions: PRESSURE },
  hPa: { value: 100, offset: 0, dimensions: PRESSURE },
  kPa: { value: 1000, offset: 0, dimensions: PRESSURE },
  mbar: { value: 100, offset: 0, dimensions: PRESSURE },
  bar: { value: 100000, offset: 0, dimensions: PRESSURE },
  m: { value: 1, offset: 0, dimensions: LENGTH },
  km: { value: 1000, offset: 0, dimensions: LENGTH },
  cm: { value: 0.01, offset: 0, dimensions: LENGTH },
  mm: { value: 0.001, offset: 0, dimensions: LENGTH },
  s: { value: 1, offset: 0, dimensions: TIME },
  min: { value: 60, offset: 0, dimensions: TIME },
  hour: { value: 3600, offset: 0, dimensions: TIME },
  day: { value: 86400, offset: 0, dimensions: TIME },
  udunitsyear: { value: UDUNITS_YEAR, offset: 0, dimensions: TIME },
  udunitsmonth: { value: UDUNITS_YEAR / 12, offset: 0, dimensions: TIME },
  kg: { value: 1, offset: 0, dimensions: d({ MASS: 1 }) },
  g: { value: 0.001, offset: 0, dimensions: d({ MASS: 1 }) },
  W: { value: 1, offset: 0, dimensions: d({ MASS: 1, LENGTH: 2, TIME: -3 }) },
  J: { value: 1, offset: 0, dimensions: d({ MASS: 1, LENGTH: 2, TIME: -2 }) },
  N: { value: 1, offset: 0, dimensions: d({ MASS: 1, LENGTH: 1, TIME: -2 }) },
  deg: { value: Math.PI / 180, offset: 0, dimensions: d({ ANGLE: 1 }) },
  rad: { value: 1, offset: 0, dimensions: d({ ANGLE: 1 }) },
  mol: { value: 1, offset: 0, dimensions: d({ AMOUNT_OF_SUBSTANCE: 1 }) },
};

type MathJs = typeof import('mathjs');
let unitMath: ReturnType<MathJs['create']> | undefined;

/**
 * A private mathjs instance with just the unit machinery (so fairpod's extra units do not leak into other
 * users of mathjs) and UDUNITS' year and month; loaded, synchronously, on first call.
 */
function math(): ReturnType<MathJs['create']> {
  if (!unitMath) {
    // Synchronous (parsing units is), hence mathjs's CommonJS build through require.
    const mathjs = createRequire(import.meta.url)('mathjs') as MathJs;
    unitMath = mathjs.create({
      unitDependencies: mathjs.unitDependencies,
      createUnitDependencies: mathjs.createUnitDependencies,
    });
    unitMath.createUnit('udunitsyear', `${UDUNITS_YEAR} s`);
    unitMath.createUnit('udunitsmonth', `${UDUNITS_YEAR / 12} s`);
  }
  return unitMath;
}

/** What mathjs's unit database says of a unit name; throws when mathjs does not know it. */
export function mathjsUnitDefinition(name: string): UnitDefinition {
  const unit = math().unit(1, name);
  return { value: unit.value, offset: unit.units[0]?.unit.offset ?? 0, dimensions: unit.dimensions };
}

/** The definition of a unit name: from the table when it is there, else from mathjs. */
export function unitDefinition(name: string): UnitDefinition {
  return Object.hasOwn(BUILT_IN_UNITS, name) ? BUILT_IN_UNITS[name]! : mathjsUnitDefinition(name);
}
