import { z } from 'zod';
import { didYouMean, suggest } from './suggest.js';
import {
  addProblem,
  describeValue,
  parseWith,
  problem,
  section,
  unknownKeyWarning,
  type Problem,
} from './schema.js';

// The value kinds of MDTF-style settings sections (POD settings, FAIR configs) as zod schemas, with the
// messages fairpod gives for each: a section is a table of allowed keys, a missing required key is an error at
// the object lacking it, an unknown key a warning with a suggestion, and a value of the wrong kind an error at
// its first wrong part ("expected a string, found the number 5").

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

/** How one key of a section is declared. */
export interface KeyOptions {
  required?: boolean;
  /** A complete entry to show in the hint when the key is missing. */
  example?: string;
}

/** One key of a section: its schema, built once the section knows the key's name and its own. */
export type KeyBuilder<T extends z.ZodType = z.ZodType> = (key: string, what: string) => T;

/** The error map of a whole value of `kind`: missing (when required) or of the wrong kind. */
function wholeError(kind: ValueKind, key: string, what: string, options: KeyOptions) {
  return (issue: { input?: unknown }): string =>
    problem(
      issue.input === undefined
        ? {
            message: `missing required key \`${key}\` in ${what}`,
            hint: options.example ? `add ${options.example}` : `add \`${key}\`: ${KIND_EXAMPLES[kind]}`,
          }
        : {
            message: `expected ${KIND_EXAMPLES[kind].split(', e.g.')[0]}, found ${describeValue(issue.input)}`,
            hint: `write ${KIND_EXAMPLES[kind]}`,
            firstWithin: 0,
          },
    );
}

/** The error map of a part `depth` levels inside a value of `kind`; only the first wrong part of a value is reported. */
function partError(kind: ValueKind, expected: string, depth: number) {
  return (issue: { input?: unknown }): string =>
    problem({
      message: `expected ${expected}, found ${describeValue(issue.input)}`,
      hint: `write ${KIND_EXAMPLES[kind]}`,
      firstWithin: depth,
    });
}

type ErrorMap = (issue: { input?: unknown }) => string;
type PartError = (expected: string, depth?: number) => ErrorMap;

/** The schema of each kind, given the error map of the whole value and of its parts. */
const KINDS = {
  string: (error: ErrorMap) => z.string({ error }),
  boolean: (error: ErrorMap) => z.boolean({ error }),
  object: (error: ErrorMap) => z.record(z.string(), z.unknown(), { error }),
  strings: (error: ErrorMap, part: PartError) => z.array(z.string({ error: part('a string') }), { error }),
  stringOrStrings: (error: ErrorMap) =>
    z
      .union([z.string(), z.array(z.unknown())], { error })
      .superRefine((value, ctx) => {
        const i = Array.isArray(value) ? value.findIndex((item) => typeof item !== 'string') : -1;
        if (i >= 0)
          addProblem(ctx, [i], {
            message: `expected a string, found ${describeValue((value as unknown[])[i])}`,
            hint: `write ${KIND_EXAMPLES.stringOrStrings}`,
          });
      })
      .transform((value) => value as string | string[]),
  stringMap: (error: ErrorMap, part: PartError) =>
    z.record(z.string(), z.string({ error: part('a string in quotes') }), { error }),
  envMap: (error: ErrorMap, part: PartError) =>
    z.record(
      z.string(),
      z.unknown().refine((v) => v !== null, { error: part('a string, number, boolean, list or object') }),
      { error },
    ),
  numberMap: (error: ErrorMap, part: PartError) =>
    z.record(z.string(), z.number({ error: part('a number') }), { error }),
  stringListMap: (error: ErrorMap, part: PartError) =>
    z.record(
      z.string(),
      z.array(z.string({ error: part('a string', 2) }), { error: part('a list of strings') }),
      {
        error,
      },
    ),
  numberPair: (error: ErrorMap, part: PartError) =>
    z
      .array(z.unknown(), { error })
      .refine((list) => list.length === 2, { error })
      .pipe(z.tuple([z.number({ error: part('a number') }), z.number({ error: part('a number') })])),
  alternates: (error: ErrorMap) =>
    z
      .array(z.unknown(), { error })
      .superRefine((list, ctx) => {
        // One form throughout: all names (one set), or all lists of names (several sets).
        if (list.every((item) => typeof item === 'string')) return;
        const i = list.findIndex((item) => !isNameList(item));
        if (i >= 0)
          addProblem(ctx, [i], {
            message: `expected a list of varlist names, found ${describeValue(list[i])}`,
            hint: `write ${KIND_EXAMPLES.alternates}`,
          });
      })
      .transform((list) => list as string[] | string[][]),
} satisfies Record<ValueKind, (error: ErrorMap, part: PartError) => z.ZodType>;

/** The schema of a value of kind `K`. */
type KindOf<K extends ValueKind> = ReturnType<(typeof KINDS)[K]>;

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A key holding a value of `kind`; optional unless `required`. */
export function key<K extends ValueKind>(
  kind: K,
  options: KeyOptions & { required: true },
): KeyBuilder<KindOf<K>>;
export function key<K extends ValueKind>(kind: K, options?: KeyOptions): KeyBuilder<z.ZodOptional<KindOf<K>>>;
export function key(kind: ValueKind, options: KeyOptions = {}): KeyBuilder {
  return (name, what) => {
    const build = KINDS[kind] as (error: ErrorMap, part: PartError) => z.ZodType;
    const schema = build(wholeError(kind, name, what, options), (expected, depth = 1) =>
      partError(kind, expected, depth),
    );
    return options.required ? schema : schema.optional();
  };
}

/** `build` with a check of its string value (when it is one) that may find a problem. */
export function checked<T extends z.ZodType>(
  build: KeyBuilder<T>,
  check: (value: string) => Problem | undefined,
): KeyBuilder<T> {
  return (name, what) =>
    build(name, what).superRefine((value, ctx) => {
      const found = typeof value === 'string' ? check(value) : undefined;
      if (found) addProblem(ctx, [], found);
    }) as unknown as T;
}

/** The schema of a string whose value is one of `allowed`, matched case-insensitively and given in lower case. */
function oneOfSchema<const T extends readonly string[]>(
  allowed: T,
  name: string,
  what: string,
  options: KeyOptions,
) {
  return z
    .string({ error: wholeError('string', name, what, options) })
    .refine((v) => allowed.includes(v.toLowerCase()), {
      error: (issue) =>
        problem({
          message: `\`${String(issue.input)}\` is not one of ${allowed.map((v) => `\`${v}\``).join(', ')}${didYouMean(suggest(String(issue.input), allowed))}`,
          hint: `use one of: ${allowed.join(', ')}`,
        }),
    })
    .transform((v) => v.toLowerCase() as T[number]);
}

/** A string key whose value is one of `allowed`, matched case-insensitively and given in lower case. */
export function oneOf<const T extends readonly string[]>(
  allowed: T,
  options: KeyOptions & { required: true },
): KeyBuilder<ReturnType<typeof oneOfSchema<T>>>;
export function oneOf<const T extends readonly string[]>(
  allowed: T,
  options?: KeyOptions,
): KeyBuilder<z.ZodOptional<ReturnType<typeof oneOfSchema<T>>>>;
export function oneOf(allowed: readonly string[], options: KeyOptions = {}): KeyBuilder {
  return (name, what) => {
    const schema = oneOfSchema(allowed, name, what, options);
    return options.required ? schema : schema.optional();
  };
}

/**
 * A section: an object with the keys of `keys` (unknown keys are warnings), as a key of its parent. `what`
 * names it in messages, e.g. "`settings`".
 */
export function settingsSection<Keys extends Record<string, KeyBuilder>>(
  what: string,
  keys: Keys,
  options: KeyOptions & { required: true },
): KeyBuilder<ReturnType<typeof sectionSchema<Keys>>>;
export function settingsSection<Keys extends Record<string, KeyBuilder>>(
  what: string,
  keys: Keys,
  options?: KeyOptions,
): KeyBuilder<z.ZodOptional<ReturnType<typeof sectionSchema<Keys>>>>;
export function settingsSection(
  what: string,
  keys: Record<string, KeyBuilder>,
  options: KeyOptions = {},
): KeyBuilder {
  return (name, parentWhat) => {
    const schema = sectionSchema(what, keys, wholeError('object', name, parentWhat, options));
    return options.required ? schema : schema.optional();
  };
}

/** The schema of a section named `what` (e.g. "the top level"); `error` reports a value that is no object. */
export function sectionSchema<Keys extends Record<string, KeyBuilder>>(
  what: string,
  keys: Keys,
  error?: ErrorMap,
) {
  const shape = Object.fromEntries(Object.entries(keys).map(([k, build]) => [k, build(k, what)])) as {
    [K in keyof Keys]: ReturnType<Keys[K]>;
  };
  return section(shape, unknownKeyWarning(what), error);
}

/** A key holding a map of name → entry, each entry checked by the schema `entry(name)` (which names it in messages). */
export function named<T extends z.ZodType>(
  entry: (name: string) => T,
  options: KeyOptions & { required: true },
): KeyBuilder<z.ZodType<Record<string, z.output<T>>>> {
  return (name, what) =>
    z
      .record(z.string(), z.unknown(), { error: wholeError('object', name, what, options) })
      .transform((record, ctx) => {
        const out: Record<string, z.output<T>> = {};
        let ok = true;
        for (const [entryName, value] of Object.entries(record)) {
          const parsed = parseWith(ctx, entry(entryName), value, [entryName]);
          if (parsed === undefined) ok = false;
          else out[entryName] = parsed;
        }
        return ok ? out : z.NEVER;
      });
}
