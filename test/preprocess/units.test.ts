import { expect } from 'chai';
import {
  applyConversion,
  areConvertible,
  converter,
  convertArray,
  linearConversion,
  parseTimeUnits,
  parseUnits,
  precipFluxToRate,
  precipRateToFlux,
  UnitsError,
} from '../../src/preprocess/units.js';

/** Asserts that `fn` throws a UnitsError whose message contains every one of `parts`. */
function expectUnitsError(fn: () => unknown, ...parts: string[]): UnitsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a UnitsError').to.be.instanceOf(UnitsError);
  const error = caught as UnitsError;
  for (const part of parts) expect(error.message).to.contain(part);
  expect(error.hint).to.be.a('string').and.not.equal('');
  return error;
}

describe('units: conversions', () => {
  const cases: [from: string, to: string, x: number, y: number][] = [
    ['K', 'degC', 273.15, 0],
    ['K', 'degC', 300, 26.85],
    ['degC', 'K', -40, 233.15],
    ['degrees_Celsius', 'K', 0, 273.15],
    ['degC', 'degF', 100, 212],
    ['hPa', 'Pa', 500, 50000],
    ['Pa', 'hPa', 85000, 850],
    ['mb', 'Pa', 1, 100],
    ['mbar', 'hPa', 250, 250],
    ['W/m2', 'W m-2', 240, 240],
    ['W m^-2', 'W m**-2', 1, 1],
    ['%', '1', 50, 0.5],
    ['1', '%', 0.25, 25],
    ['0-1', '%', 0.3, 30],
    ['kg/kg', '1', 0.002, 0.002],
    ['g/kg', 'kg kg-1', 2, 0.002],
    ['mol mol-1', '1', 1e-6, 1e-6],
    ['mm/day', 'm s-1', 86400, 1e-3],
    ['m.s-1', 'km/hr', 10, 36],
    ['m s-1', 'cm s-1', 1, 100],
    ['kg m-2 s-1', 'g m-2 day-1', 1, 86400000],
    ['1e-3', '1', 5, 0.005],
    ['psu', '1e-3', 35, 35],
    ['degC s-1', 'K s-1', 2, 2],
    ['degrees_north', 'degrees_east', 45, 45],
    ['day', 'hours', 1, 24],
    ['days', 's', 1, 86400],
    ['W/(m2 s)', 'W m-2 s-1', 3, 3],
    ['hours since 1850-01-01', 'days since 1850-01-01 00:00:0.0', 48, 2],
  ];
  for (const [from, to, x, y] of cases) {
    it(`${x} ${from} = ${y} ${to}`, () => {
      expect(converter(from, to)(x)).to.be.closeTo(y, Math.abs(y) * 1e-12 + 1e-12);
      expect(areConvertible(from, to)).to.equal(true);
    });
  }

  it('gives scale and offset for an affine conversion', () => {
    expect(linearConversion('K', 'degC')).to.deep.equal({ scale: 1, offset: -273.15 });
    expect(linearConversion('degC', 'K')).to.deep.equal({ scale: 1, offset: 273.15 });
  });
});

describe('units: impossible conversions', () => {
  const cases: [from: string, to: string, hint: RegExp][] = [
    ['K', 'm', /different quantities/],
    ['W m-2', 'W', /different quantities/],
    ['kg m-2 s-1', 'mm/day', /precipRateToFlux/],
    ['m s-1', 'kg m-2 s-1', /precipRateToFlux/],
    ['days since 1850-01-01', 'days', /different quantities/],
  ];
  for (const [from, to, hint] of cases) {
    it(`${from} → ${to} is an error naming both units`, () => {
      expect(areConvertible(from, to)).to.equal(false);
      const error = expectUnitsError(() => converter(from, to), `\`${from}\``, `\`${to}\``);
      expect(error.hint).to.match(hint);
    });
  }

  it('refuses to shift a time axis to another reference date (that needs a calendar)', () => {
    expect(areConvertible('days since 1850-01-01', 'days since 1900-01-01')).to.equal(true);
    const error = expectUnitsError(
      () => linearConversion('days since 1850-01-01', 'days since 1900-01-01'),
      'reference dates differ',
    );
    expect(error.hint).to.contain('calendar');
  });
});

describe('units: parsing', () => {
  const unreadable: [text: string, fragment: string][] = [
    ['', 'empty unit string'],
    ['furlongs', 'unknown unit `furlongs`'],
    ['level', 'unknown unit `level`'],
    ['kg m-2 )', 'character 8'],
    ['(kg m-2', 'never closed'],
    ['m^x', 'integer exponent'],
    ['kg # m', '`#` has no meaning'],
    ['days since yesterday', 'reference date `yesterday`'],
    ['days since 1850-13-01', 'out of range'],
    ['kg since 1850-01-01', 'not a unit of time'],
  ];
  for (const [text, fragment] of unreadable) {
    it(`rejects \`${text}\``, () => {
      expectUnitsError(() => parseUnits(text), fragment);
    });
  }

  it('reads kg m-2 s-1 as mass length^-2 time^-1 with scale 1', () => {
    const parsed = parseUnits('kg m-2 s-1');
    expect(parsed.scale).to.equal(1);
    expect(parsed.offset).to.equal(0);
    expect(parsed.dimensions.slice(0, 3)).to.deep.equal([1, -2, -1]);
  });

  it('applies the degC offset only to degC on its own', () => {
    expect(parseUnits('degC').offset).to.be.closeTo(273.15, 1e-12);
    expect(parseUnits('degC m-1').offset).to.equal(0);
  });

  const timeCases: [text: string, unit: string, seconds: number, epoch: Partial<Record<string, number>>][] = [
    ['days since 1850-01-01 00:00:0.0', 'days', 86400, { year: 1850, month: 1, day: 1, hour: 0, second: 0 }],
    ['hours since 1970-1-1', 'hours', 3600, { year: 1970, month: 1, day: 1 }],
    [
      'seconds since 1970-01-01T06:30:15Z',
      'seconds',
      1,
      { hour: 6, minute: 30, second: 15, utcOffsetMinutes: 0 },
    ],
    ['minutes since 2000-01-01 12:00 -05:30', 'minutes', 60, { hour: 12, utcOffsetMinutes: -330 }],
    ['days since 0001-01-01', 'days', 86400, { year: 1, month: 1, day: 1 }],
    ['months since 1979-01-01', 'months', 31556925.9747 / 12, { year: 1979 }],
  ];
  for (const [text, unit, seconds, epoch] of timeCases) {
    it(`parses time units \`${text}\``, () => {
      const parsed = parseTimeUnits(text);
      expect(parsed.unit).to.equal(unit);
      expect(parsed.secondsPerUnit).to.be.closeTo(seconds, 1e-6);
      expect(parsed.epoch).to.include(epoch);
    });
  }

  it('says a plain duration is not a time unit with a reference date', () => {
    expectUnitsError(() => parseTimeUnits('days'), 'not a time unit with a reference date');
  });
});

describe('units: arrays', () => {
  it('converts a Float32Array K → degC into a new array of the same type', () => {
    const input = new Float32Array([273.15, 300, 250]);
    const out = convertArray('K', 'degC', input);
    expect(out).to.be.instanceOf(Float32Array);
    expect(out).to.not.equal(input);
    expect(out[0]).to.be.closeTo(0, 1e-4);
    expect(out[1]).to.be.closeTo(26.85, 1e-4);
    expect(out[2]).to.be.closeTo(-23.15, 1e-4);
    expect(input[1]).to.equal(300);
  });

  it('converts in place when out is the input, and into a Float64Array from a Float32Array', () => {
    const input = new Float64Array([500, 850]);
    convertArray('hPa', 'Pa', input, input);
    expect(Array.from(input)).to.deep.equal([50000, 85000]);
    const wide = convertArray('%', '1', new Float32Array([50]), new Float64Array(1));
    expect(wide).to.be.instanceOf(Float64Array);
    expect(wide[0]).to.be.closeTo(0.5, 1e-12);
  });

  it('leaves fill values and NaN alone', () => {
    const input = new Float32Array([1e20, 300, Number.NaN]);
    const out = convertArray('K', 'degC', input, undefined, { fillValue: 1e20 });
    expect(out[0]).to.equal(Math.fround(1e20));
    expect(out[1]).to.be.closeTo(26.85, 1e-4);
    expect(Number.isNaN(out[2])).to.equal(true);
  });

  it('copies unchanged for an identity conversion and checks the output length', () => {
    const input = new Float32Array([1, 2, 3]);
    expect(Array.from(applyConversion({ scale: 1, offset: 0 }, input))).to.deep.equal([1, 2, 3]);
    expect(() => applyConversion({ scale: 2, offset: 0 }, input, new Float32Array(2))).to.throw(RangeError);
  });

  it('throws before touching the output when the units cannot convert', () => {
    const out = new Float32Array([7]);
    expectUnitsError(() => convertArray('K', 'Pa', new Float32Array([1]), out), '`K`', '`Pa`');
    expect(out[0]).to.equal(7);
  });
});

describe('units: precipitation rate ↔ flux', () => {
  const cases: [rate: string, flux: string, factor: number][] = [
    ['m s-1', 'kg m-2 s-1', 1000],
    ['mm/day', 'kg m-2 s-1', 1 / 86400],
    ['mm s-1', 'kg m-2 s-1', 1],
    ['mm/day', 'kg m-2 day-1', 1],
  ];
  for (const [rate, flux, factor] of cases) {
    it(`1 ${rate} of water is ${factor} ${flux}`, () => {
      expect(precipRateToFlux(rate, flux)).to.be.closeTo(factor, factor * 1e-12);
      expect(precipFluxToRate(flux, rate)).to.be.closeTo(1 / factor, 1e-12 / factor);
    });
  }

  it('refuses units that are not a rate and a flux', () => {
    expectUnitsError(() => precipRateToFlux('K'), '`K`', 'not a precipitation rate');
    expectUnitsError(() => precipRateToFlux('m s-1', 'W m-2'), '`W m-2`', 'not a precipitation flux');
  });
});
