import path from 'node:path';
import { ValidationError } from '../core/errors.js';

/** What every option spec says. `T` is the type of its parsed value. */
interface BaseOption<T> {
  description: string;
  /** Used when the option is not given; shown by `fairpod plugins`. */
  default?: T;
  /** A missing required option is a located error naming its flag. */
  required?: boolean;
}

/** Any text. */
export interface StringOption extends BaseOption<string> {
  type: 'string';
}
/** A file or directory: resolved against the current directory once parsed. */
export interface PathOption extends BaseOption<string> {
  type: 'path';
}
/** An absolute URL (`http:`, `https:`, `file:` ...). */
export interface UrlOption extends BaseOption<string> {
  type: 'url';
}
/** A whole number, at least `min` and at most `max` when given. */
export interface IntegerOption extends BaseOption<number> {
  type: 'integer';
  min?: number;
  max?: number;
}
/** Any finite number, at least `min` when given. */
export interface NumberOption extends BaseOption<number> {
  type: 'number';
  min?: number;
}
/** A flag without a value (`--verbose`); `true`/`false` from a library caller. */
export interface BooleanOption extends BaseOption<boolean> {
  type: 'boolean';
}
/** Several values: the flag repeated, or one comma-separated value. */
export interface ListOption extends BaseOption<string[]> {
  type: 'list';
}

/** One option of a data-source plugin, declared once with its type. */
export type OptionSpec =
  StringOption | PathOption | UrlOption | IntegerOption | NumberOption | BooleanOption | ListOption;

/** A plugin's options by camelCase name; the flag is the kebab-case name (`maxConnections` → `--max-connections`). */
export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed type of one option. */
export type OptionValue<S extends OptionSpec> = S extends IntegerOption | NumberOption
  ? number
  : S extends BooleanOption
    ? boolean
    : S extends ListOption
      ? string[]
      : string;

type Always<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { default: unknown } | { required: true } ? K : never;
}[keyof S];

/** What a plugin's `create` receives: options with a default or `required` are always set, the others may be absent. */
export type OptionValues<S extends OptionSpecs> = { [K in Always<S>]: OptionValue<S[K]> } & {
  [K in Exclude<keyof S, Always<S>>]?: OptionValue<S[K]>;
};

/** `maxConnections` → `--max-connections`. */
export function optionFlag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The value placeholder of a flag in help texts (`--catalog <path>`), empty for a boolean. */
export function optionPlaceholder(spec: OptionSpec): string {
  const names: Record<OptionSpec['type'], string> = {
    string: '<value>',
    path: '<path>',
    url: '<url>',
    integer: '<n>',
    number: '<number>',
    boolean: '',
    list: '<value>',
  };
  return names[spec.type];
}

/** What parsing is told: whose options these are and where relative paths start. */
export interface ParseContext {
  plugin: string;
  /** Directory relative paths are resolved against; default the current directory. */
  cwd?: string;
}

/**
 * Parses raw values (commander's strings, or a library caller's typed values) into a plugin's typed options,
 * once, in the core: every error is located at the option's flag. A value given for an option the plugin
 * does not declare is an error too (`--index-url` with `-m filesystem`): each plugin receives only its own.
 */
export function parseOptions<S extends OptionSpecs>(
  specs: S,
  raw: Readonly<Record<string, unknown>>,
  context: ParseContext,
): OptionValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || Object.hasOwn(specs, name)) continue;
    const known = Object.keys(specs).map(optionFlag);
    throw new ValidationError(`${optionFlag(name)} is not an option of data manager ${context.plugin}`, {
      location: { key: optionFlag(name) },
      hint: known.length
        ? `its options: ${known.join(', ')} (see \`fairpod plugins\`)`
        : 'it takes no options of its own (see `fairpod plugins`)',
    });
  }
  for (const [name, spec] of Object.entries(specs)) {
    const given = raw[name];
    const flag = optionFlag(name);
    if (given === undefined || given === '') {
      if (spec.default !== undefined) out[name] = spec.default;
      else if (spec.required)
        throw new ValidationError(`the ${context.plugin} data manager needs ${flag}`, {
          location: { key: flag },
          hint: `${flag} ${optionPlaceholder(spec)}: ${spec.description}`,
        });
      continue;
    }
    out[name] = parseValue(spec, given, flag, context);
  }
  return out as OptionValues<S>;
}

function parseValue(spec: OptionSpec, given: unknown, flag: string, context: ParseContext): unknown {
  const bad = (what: string, example: string): ValidationError =>
    new ValidationError(`${flag} "${String(given)}" ${what}`, {
      location: { key: flag },
      hint: `e.g. ${flag} ${example}`,
    });
  switch (spec.type) {
    case 'string':
      if (typeof given !== 'string') throw bad('is not text', 'VALUE');
      return given;
    case 'path':
      if (typeof given !== 'string') throw bad('is not a path', 'DIR/FILE');
      return path.resolve(context.cwd ?? process.cwd(), given);
    case 'url':
      if (typeof given !== 'string' || !URL.canParse(given))
        throw bad('is not an absolute URL', 'http://127.0.0.1:8000/');
      return given;
    case 'integer':
    case 'number': {
      const n = typeof given === 'number' ? given : typeof given === 'string' ? Number(given) : NaN;
      const example = String(spec.default ?? Math.max(spec.min ?? 1, 1));
      const integer = spec.type === 'integer';
      if (typeof given === 'string' && given.trim() === '') throw bad('is not a number', example);
      if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
        throw bad(integer ? 'is not a whole number' : 'is not a number', example);
      if (spec.min !== undefined && n < spec.min) throw bad(`is below ${spec.min}`, example);
      if (spec.type === 'integer' && spec.max !== undefined && n > spec.max)
        throw bad(`is above ${spec.max}`, example);
      return n;
    }
    case 'boolean':
      if (given === true || given === 'true') return true;
      if (given === false || given === 'false') return false;
      throw bad('is not true or false', '');
    case 'list': {
      const items = Array.isArray(given) ? given : [given];
      if (!items.every((i) => typeof i === 'string')) throw bad('is not a list of text', 'A,B');
      return items.flatMap((i) => i.split(',')).filter((i) => i !== '');
    }
  }
}
