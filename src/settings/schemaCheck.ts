import { FairpodError, formatLocation, ValidationError, type Location } from '../core/errors.js';
import { formatKeyPath, type KeyPath, type LocatedDocument } from './locatedDocument.js';
import { didYouMean, suggest } from './suggest.js';

// A small schema checker for documents read with `locatedDocument`: each section is a table of allowed
// keys (written as data), and every finding is located by key path. Hand-written because JSON-schema
// validators report paths but not the user's line:column, and give no "did you mean" for unknown keys.

/** What a settings key may hold. */
export type ValueKind =
  | 'string'
  | 'boolean'
  | 'object'
  /** a list of strings */
  | 'strings'
  /** a string or a list of strings */
  | 'stringOrStrings'
  /** an object whose values are strings */
  | 'stringMap'
  /** an object of environment variables: strings, or numbers, booleans, lists and objects that MDTF stringifies */
  | 'envMap'
  /** an object whose values are lists of strings */
  | 'stringListMap'
  /** an object whose values are numbers */
  | 'numberMap'
  /** a list of two numbers */
  | 'numberPair'
  /** a list of names (one set) or a list of lists of names (several sets) */
  | 'alternates';

/** One allowed key of a section. */
export interface KeySpec {
  kind: ValueKind;
  required?: boolean;
  /** Allowed values of a string, matched case-insensitively and stored in lower case. */
  oneOf?: readonly string[];
  /** A complete entry to show in the hint when the key is missing. */
  example?: string;
}

/** The allowed keys of one section (an object) of a document. */
export type SectionSchema = Readonly<Record<string, KeySpec>>;

/** What each kind looks like, for the hint of a type error. */
export const KIND_EXAMPLES: Record<ValueKind, string> = {
  string: 'a string in quotes, e.g. "mon"',
  boolean: 'true or false (without quotes)',
  object: 'an object of `key: value` entries',
  strings: 'a list of strings, e.g. ["time", "lat", "lon"]',
  stringOrStrings: 'a string, or a list of strings, e.g. ["atmos", "ocean"]',
  stringMap: 'an object whose values are strings in quotes, e.g. {"RES": "1.00"}',
  envMap:
    'an object of environment variables, e.g. {"RES": "1.00", "FIRSTYR": 1979, "MONTHS": [12, 1, 2]}; null is not a value',
  stringListMap: 'an object whose values are lists of strings, e.g. {"python3": ["numpy"]}',
  numberMap: 'an object of dimension → number, e.g. {"plev": 500}',
  numberPair: 'a list of two numbers, e.g. [-90, 90]',
  alternates:
    'a list of varlist names, e.g. ["ps", "zg_hybrid_sigma"] (one set), or a list of such lists (several sets)',
};

/** A parsed object. */
export type Plain = Record<string, unknown>;

/** Is `value` an object (not a list, not null)? */
export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `the string "x"`, `a list`, `the number 5` ...: what was found, for a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

/** Is `value` a list of strings? */
export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Where a value departs from its kind: the path inside it (empty for the whole value), what is there, and what an item should be. */
interface Mismatch {
  at: KeyPath;
  found: unknown;
  expected?: string;
}

/** The first place where `value` departs from the shape `kind` asks for, or undefined when it fits. */
function mismatch(value: unknown, kind: ValueKind): Mismatch | undefined {
  const whole = { at: [], found: value };
  const firstBadItem = (list: unknown[], ok: (item: unknown) => boolean, expected: string) => {
    const i = list.findIndex((item) => !ok(item));
    return i < 0 ? undefined : { at: [i], found: list[i], expected };
  };
  const firstBadValue = (object: Plain, ok: (item: unknown) => boolean, expected: string) => {
    const key = Object.keys(object).find((k) => !ok(object[k]));
    return key === undefined ? undefined : { at: [key], found: object[key], expected };
  };
  const isString = (item: unknown) => typeof item === 'string';
  const isNumber = (item: unknown) => typeof item === 'number';
  switch (kind) {
    case 'string':
      return isString(value) ? undefined : whole;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : whole;
    case 'object':
      return isPlainObject(value) ? undefined : whole;
    case 'stringOrStrings':
      if (isString(value)) return undefined;
      return Array.isArray(value) ? firstBadItem(value, isString, 'a string') : whole;
    case 'strings':
      return Array.isArray(value) ? firstBadItem(value, isString, 'a string') : whole;
    case 'stringMap':
      return isPlainObject(value) ? firstBadValue(value, isString, 'a string in quotes') : whole;
    case 'envMap':
      return isPlainObject(value)
        ? firstBadValue(value, (item) => item !== null, 'a string, number, boolean, list or object')
        : whole;
    case 'numberMap':
      return isPlainObject(value) ? firstBadValue(value, isNumber, 'a number') : whole;
    case 'stringListMap':
      if (!isPlainObject(value)) return whole;
      for (const [key, list] of Object.entries(value)) {
        if (!Array.isArray(list)) return { at: [key], found: list, expected: 'a list of strings' };
        const inner = firstBadItem(list, isString, 'a string');
        if (inner) return { ...inner, at: [key, ...inner.at] };
      }
      return undefined;
    case 'numberPair':
      return Array.isArray(value) && value.length === 2 ? firstBadItem(value, isNumber, 'a number') : whole;
    case 'alternates':
      if (!Array.isArray(value)) return whole;
      // One form throughout: all names (one set), or all lists of names (several sets).
      return value.every(isString) ? undefined : firstBadItem(value, isStringList, 'a list of varlist names');
  }
}

function byPosition(a: Location, b: Location): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Collects every problem of one document, each located by key path. */
export class Findings {
  private readonly errorList: FairpodError[] = [];
  private readonly warningList: { location: Location; text: string }[] = [];

  constructor(private readonly document: LocatedDocument) {}

  /** Where `keyPath` is, falling back to its nearest existing ancestor (for missing keys). */
  location(keyPath: KeyPath, part: 'key' | 'value'): Location {
    for (let n = keyPath.length; n >= 0; n--) {
      const position = this.document.locate(keyPath.slice(0, n), n === keyPath.length ? part : 'key');
      if (position)
        return { file: this.document.file, ...position, key: formatKeyPath(keyPath) || undefined };
    }
    return { file: this.document.file, key: formatKeyPath(keyPath) || undefined };
  }

  /** Records an error at the value (or key) of `keyPath`; `hint` says what to do. */
  error(keyPath: KeyPath, message: string, hint: string, part: 'key' | 'value' = 'value'): void {
    this.errorList.push(new ValidationError(message, { location: this.location(keyPath, part), hint }));
  }

  /** Records a warning at the key of `keyPath`; `hint` says what to do. */
  warn(keyPath: KeyPath, message: string, hint: string): void {
    const location = this.location(keyPath, 'key');
    this.warningList.push({ location, text: `${formatLocation(location)}: ${message}\n  hint: ${hint}` });
  }

  /** The errors in the order they appear in the file. */
  errors(): FairpodError[] {
    return [...this.errorList].sort((a, b) => byPosition(a.location, b.location));
  }

  /** The formatted warnings in the order they appear in the file. */
  warnings(): string[] {
    return [...this.warningList].sort((a, b) => byPosition(a.location, b.location)).map((w) => w.text);
  }

  /**
   * Checks one object against its schema: types and allowed values are errors, unknown keys warnings.
   * Returns the object with `oneOf` values in lower case, keeping keys that failed out.
   */
  section(value: Plain, at: KeyPath, schema: SectionSchema, what: string): Plain {
    const clean: Plain = {};
    const allowed = Object.keys(schema);
    for (const [key, item] of Object.entries(value)) {
      const spec = Object.hasOwn(schema, key) ? schema[key] : undefined;
      if (spec === undefined) {
        const suggestion = suggest(key, allowed);
        this.warn(
          [...at, key],
          `unknown key \`${key}\` in ${what}${didYouMean(suggestion)}`,
          suggestion
            ? `rename it to \`${suggestion}\`, or remove it`
            : `remove it; ${what} may hold: ${allowed.join(', ')}`,
        );
        clean[key] = item;
      } else if (this.value(item, [...at, key], spec)) {
        clean[key] = spec.oneOf && typeof item === 'string' ? item.toLowerCase() : item;
      }
    }
    for (const [key, spec] of Object.entries(schema)) {
      if (spec.required && !Object.hasOwn(value, key)) {
        this.error(
          [...at, key],
          `missing required key \`${key}\` in ${what}`,
          spec.example ? `add ${spec.example}` : `add \`${key}\`: ${KIND_EXAMPLES[spec.kind]}`,
          'key',
        );
      }
    }
    return clean;
  }

  /** Checks one value's kind and allowed values; false (after recording the error) when it is unusable. */
  private value(item: unknown, at: KeyPath, spec: KeySpec): boolean {
    const bad = mismatch(item, spec.kind);
    if (bad) {
      this.error(
        [...at, ...bad.at],
        `expected ${bad.expected ?? KIND_EXAMPLES[spec.kind].split(', e.g.')[0]}, found ${describeValue(bad.found)}`,
        `write ${KIND_EXAMPLES[spec.kind]}`,
      );
      return false;
    }
    if (spec.oneOf && typeof item === 'string' && !spec.oneOf.includes(item.toLowerCase())) {
      this.error(
        at,
        `\`${item}\` is not one of ${spec.oneOf.map((v) => `\`${v}\``).join(', ')}${didYouMean(suggest(item, spec.oneOf))}`,
        `use one of: ${spec.oneOf.join(', ')}`,
      );
      return false;
    }
    return true;
  }
}
