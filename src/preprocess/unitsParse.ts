/**
 * The syntax of UDUNITS-2 unit strings (`kg m-2 s-1`, `W/m2`, `m.s^-1`, `1e-3`, `days since 1850-01-01`),
 * parsed into a number times a product of named units. The meaning of each name is `units.ts`'s job.
 *
 * Written by hand: no npm package parses UDUNITS syntax (mathjs parses its own, where `m-2` is a
 * subtraction and juxtaposition is not a product).
 */
import { FairpodError } from '../core/errors.js';

/** A unit string fairpod cannot read or cannot convert; names the unit(s) and says what to do. */
export class UnitsError extends FairpodError {}

/** One named unit raised to a power: `m-2` → `{ symbol: 'm', exponent: -2 }`. */
export interface UnitFactor {
  symbol: string;
  exponent: number;
}

/** A unit string as a number times a product of named units: `1e-3 kg m-2` → scale 1e-3, factors kg, m^-2. */
export interface UnitExpression {
  scale: number;
  factors: UnitFactor[];
}

/** The date of a time unit's reference (`since ...`), kept as written: calendars differ on what it means. */
export interface Epoch {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Time-zone offset of the written date from UTC, in minutes (0 when none is written). */
  utcOffsetMinutes: number;
}

/** `days since 1850-01-01` split at `since`: the unit part and the reference date, both trimmed. */
export function splitTimeUnits(text: string): { unit: string; reference: string } | undefined {
  const match = /^(.*?)\s+since\s+(.*)$/i.exec(text.trim());
  return match ? { unit: match[1].trim(), reference: match[2].trim() } : undefined;
}

/**
 * Parses a reference date as CF writes them: `1850-01-01`, `1850-1-1 00:00:0.0`, `1970-01-01T00:00:00Z`,
 * `2000-01-01 12:00:00 +05:30`, `0001-01-01`. Years may be negative or have fewer than four digits.
 */
export function parseEpoch(text: string, unitsText: string = text): Epoch {
  const match =
    /^(-?\d{1,5})-(\d{1,2})-(\d{1,2})(?:[T\s]\s*(\d{1,2})(?::(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?$/i.exec(
      text.trim(),
    );
  if (!match) {
    throw new UnitsError(`cannot read the reference date \`${text}\` of time units \`${unitsText}\``, {
      hint: 'write time units as `<unit> since YYYY-MM-DD [hh:mm:ss] [±hh:mm]`, e.g. `days since 1850-01-01 00:00:00`',
    });
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = match;
  const epoch: Epoch = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    utcOffsetMinutes: parseZone(zone),
  };
  if (
    epoch.month < 1 ||
    epoch.month > 12 ||
    epoch.day < 1 ||
    epoch.day > 31 ||
    epoch.hour > 24 ||
    epoch.minute > 59 ||
    epoch.second >= 61
  ) {
    throw new UnitsError(`the reference date \`${text}\` of time units \`${unitsText}\` is out of range`, {
      hint: 'months run 1-12, days 1-31, hours 0-24, minutes 0-59, seconds 0-60',
    });
  }
  return epoch;
}

function parseZone(zone: string | undefined): number {
  if (zone === undefined || /^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  // `+5` and `+05` are hours; `+0530` is hours and minutes.
  const hours = digits.length <= 2 ? Number(digits) : Number(digits.slice(0, digits.length - 2));
  const minutes = digits.length <= 2 ? 0 : Number(digits.slice(-2));
  return sign * (hours * 60 + minutes);
}

// ---- unit expressions ----

type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'symbol'; value: string; at: number }
  | { kind: 'exponent'; value: number; at: number }
  | { kind: 'multiply' | 'divide' | 'open' | 'close'; at: number };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const SYMBOL = /^[A-Za-z_%°][A-Za-z_°]*/;
const SIGNED_INT = /^[+-]?\d+/;

/**
 * Parses a UDUNITS unit string into a scale and a product of named units. Products are written with
 * spaces, `.`, `*` or `·`; quotients with `/` or `per`; powers as `m2`, `s-1`, `m^2` or `m**2`;
 * parentheses group. `1`, numbers and `0-1` (a fraction, as GFDL writes it) are plain scales.
 */
export function parseUnitExpression(text: string): UnitExpression {
  const source = text.trim();
  if (source === '')
    throw new UnitsError('empty unit string', {
      hint: 'write the units, e.g. `K`, `kg m-2 s-1` or `1` for a pure number',
    });
  if (source === '0-1') return { scale: 1, factors: [] };
  const tokens = tokenize(source);
  const parser = new ExpressionParser(tokens, source);
  const result = parser.product();
  parser.expectEnd();
  return result;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // A number may start a term (`1e-3 kg`), never follow a symbol directly: there it is an exponent (`m2`).
  while (i < source.length) {
    const rest = source.slice(i);
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    if (previous?.kind === 'symbol' || previous?.kind === 'close') {
      const exponent = SIGNED_INT.exec(rest);
      if (exponent && !/\s/.test(source[i - 1])) {
        tokens.push({ kind: 'exponent', value: Number(exponent[0]), at: i });
        i += exponent[0].length;
        continue;
      }
    }
    if (ch === '^' || rest.startsWith('**')) {
      const width = ch === '^' ? 1 : 2;
      const exponent = SIGNED_INT.exec(source.slice(i + width).trimStart());
      if (!exponent) throw syntaxError(source, i, 'a power needs an integer exponent, e.g. `m^2` or `s^-1`');
      tokens.push({ kind: 'exponent', value: Number(exponent[0]), at: i });
      i +=
        width +
        (source.slice(i + width).length - source.slice(i + width).trimStart().length) +
        exponent[0].length;
      continue;
    }
    if (ch === '.' && previous !== undefined && !/\d/.test(source[i + 1] ?? '')) {
      tokens.push({ kind: 'multiply', at: i });
      i++;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const symbol = SYMBOL.exec(rest);
    if (symbol) {
      if (symbol[0].toLowerCase() === 'per') tokens.push({ kind: 'divide', at: i });
      else tokens.push({ kind: 'symbol', value: symbol[0], at: i });
      i += symbol[0].length;
      continue;
    }
    if (ch === '*' || ch === '·' || ch === '.') tokens.push({ kind: 'multiply', at: i });
    else if (ch === '/') tokens.push({ kind: 'divide', at: i });
    else if (ch === '(') tokens.push({ kind: 'open', at: i });
    else if (ch === ')') tokens.push({ kind: 'close', at: i });
    else throw syntaxError(source, i, `\`${ch}\` has no meaning in a unit string`);
    i++;
  }
  return tokens;
}

function syntaxError(source: string, at: number, why: string): UnitsError {
  return new UnitsError(`cannot read the unit string \`${source}\` at character ${at + 1}: ${why}`, {
    hint: 'write units in UDUNITS syntax, e.g. `kg m-2 s-1`, `W/m2`, `m s^-1`, `degC`, `1`',
  });
}

/** Recursive descent over the tokens: product := power ((`*` | `/` | juxtaposition) power)*. */
class ExpressionParser {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  product(): UnitExpression {
    let result = this.power();
    for (;;) {
      const token = this.tokens[this.index];
      if (token === undefined || token.kind === 'close') return result;
      let sign = 1;
      if (token.kind === 'multiply' || token.kind === 'divide') {
        sign = token.kind === 'divide' ? -1 : 1;
        this.index++;
      }
      result = combine(result, this.power(), sign);
    }
  }

  expectEnd(): void {
    const token = this.tokens[this.index];
    if (token !== undefined) throw syntaxError(this.source, token.at, 'unbalanced `)`');
  }

  private power(): UnitExpression {
    const base = this.basic();
    const token = this.tokens[this.index];
    if (token?.kind !== 'exponent') return base;
    this.index++;
    return combine({ scale: 1, factors: [] }, base, token.value);
  }

  private basic(): UnitExpression {
    const token = this.tokens[this.index];
    if (token === undefined)
      throw syntaxError(this.source, this.source.length - 1, 'the string ends where a unit is expected');
    this.index++;
    switch (token.kind) {
      case 'number':
        return { scale: token.value, factors: [] };
      case 'symbol':
        return { scale: 1, factors: [{ symbol: token.value, exponent: 1 }] };
      case 'open': {
        const inner = this.product();
        if (this.tokens[this.index]?.kind !== 'close')
          throw syntaxError(this.source, token.at, 'this `(` is never closed');
        this.index++;
        return inner;
      }
      default:
        throw syntaxError(this.source, token.at, 'a unit or number is expected here');
    }
  }
}

/** `a × b^power`, merging equal symbols so that `kg/kg` cancels out. */
function combine(a: UnitExpression, b: UnitExpression, power: number): UnitExpression {
  const factors = a.factors.map((f) => ({ ...f }));
  for (const f of b.factors) {
    const same = factors.find((g) => g.symbol === f.symbol);
    if (same) same.exponent += f.exponent * power;
    else factors.push({ symbol: f.symbol, exponent: f.exponent * power });
  }
  return { scale: a.scale * b.scale ** power, factors: factors.filter((f) => f.exponent !== 0) };
}
