import path from 'node:path';
import {
  FairpodError,
  formatLocation,
  ValidationError,
  ValidationErrors,
  type Location,
} from '../core/errors.js';
import {
  formatKeyPath,
  loadLocatedDocument,
  parseLocatedDocument,
  type KeyPath,
  type LocatedDocument,
} from './locatedDocument.js';
import { didYouMean, suggest } from './suggest.js';
import type { DimensionSpec, PodSettings, Requirement, VarlistEntrySpec } from './types.js';

// ---- The schema, as data ----

/** What a settings key may hold. */
type ValueKind =
  | 'string'
  | 'boolean'
  | 'object'
  /** a list of strings */
  | 'strings'
  /** a string or a list of strings */
  | 'stringOrStrings'
  /** an object whose values are strings */
  | 'stringMap'
  /** an object whose values are lists of strings */
  | 'stringListMap'
  /** an object whose values are numbers */
  | 'numberMap'
  /** a list of two numbers */
  | 'numberPair'
  /** a list of names (one set) or a list of lists of names (several sets) */
  | 'alternates';

/** One allowed key of a section. */
interface KeySpec {
  kind: ValueKind;
  required?: boolean;
  /** Allowed values of a string, matched case-insensitively and stored in lower case. */
  oneOf?: readonly string[];
  /** A complete entry to show in the hint when the key is missing. */
  example?: string;
}

type SectionSchema = Readonly<Record<string, KeySpec>>;

const TOP_LEVEL: SectionSchema = {
  settings: {
    kind: 'object',
    required: true,
    example: '"settings": {"driver": "my_pod.py", "long_name": "My diagnostic"}',
  },
  data: { kind: 'object' },
  dimensions: {
    kind: 'object',
    required: true,
    example: '"dimensions": {"lat": {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}}',
  },
  varlist: {
    kind: 'object',
    required: true,
    example:
      '"varlist": {"tas": {"standard_name": "air_temperature", "units": "K", "dimensions": ["time", "lat", "lon"]}}',
  },
};

/** MDTF's `settings` section. */
const SETTINGS: SectionSchema = {
  driver: { kind: 'string', required: true, example: '"driver": "my_pod.py" (the script that runs the POD)' },
  long_name: { kind: 'string' },
  description: { kind: 'string' },
  convention: { kind: 'string', oneOf: ['cmip', 'cesm', 'gfdl'] },
  realm: { kind: 'stringOrStrings' },
  pod_env_vars: { kind: 'stringMap' },
  runtime_requirements: { kind: 'stringListMap' },
};

const REQUIREMENTS: readonly Requirement[] = ['required', 'optional', 'alternate'];

/** Keys that `data` sets for every varlist entry and that an entry may override. */
const VARIABLE_DEFAULTS: SectionSchema = {
  frequency: { kind: 'string' },
  min_frequency: { kind: 'string' },
  max_frequency: { kind: 'string' },
  min_duration: { kind: 'string' },
  max_duration: { kind: 'string' },
  realm: { kind: 'string' },
  units: { kind: 'string' },
  dimensions: { kind: 'strings' },
  dimensions_ordered: { kind: 'boolean' },
  requirement: { kind: 'string', oneOf: REQUIREMENTS },
  modifier: { kind: 'string' },
  multi_file_ok: { kind: 'boolean' },
};

/** MDTF's `data` section: the variable defaults plus format options that concern the whole POD. */
const DATA: SectionSchema = {
  ...VARIABLE_DEFAULTS,
  format: { kind: 'string' },
  rename_dimensions: { kind: 'boolean' },
  rename_variables: { kind: 'boolean' },
};

/** One entry of `dimensions`. */
const DIMENSION: SectionSchema = {
  standard_name: {
    kind: 'string',
    required: true,
    example: '"standard_name": "latitude" (its CF standard name)',
  },
  units: { kind: 'string' },
  axis: { kind: 'string' },
  positive: { kind: 'string', oneOf: ['up', 'down'] },
  realm: { kind: 'string' },
  calendar: { kind: 'string' },
  need_bounds: { kind: 'boolean' },
  range: { kind: 'numberPair' },
  long_name: { kind: 'string' },
  description: { kind: 'string' },
};

/** One entry of `varlist`. `dimensions` is required after the `data` defaults are applied. */
const VARLIST_ENTRY: SectionSchema = {
  ...VARIABLE_DEFAULTS,
  standard_name: {
    kind: 'string',
    required: true,
    example: '"standard_name": "air_temperature" (its CF standard name)',
  },
  scalar_coordinates: { kind: 'numberMap' },
  alternates: { kind: 'alternates' },
  use_exact_name: { kind: 'boolean' },
  path_variable: { kind: 'string' },
  long_name: { kind: 'string' },
  description: { kind: 'string' },
};

/** What each kind looks like, for the hint of a type error. */
const KIND_EXAMPLES: Record<ValueKind, string> = {
  string: 'a string in quotes, e.g. "mon"',
  boolean: 'true or false (without quotes)',
  object: 'an object of `key: value` entries',
  strings: 'a list of strings, e.g. ["time", "lat", "lon"]',
  stringOrStrings: 'a string, or a list of strings, e.g. ["atmos", "ocean"]',
  stringMap: 'an object whose values are strings in quotes, e.g. {"RES": "1.00"}',
  stringListMap: 'an object whose values are lists of strings, e.g. {"python3": ["numpy"]}',
  numberMap: 'an object of dimension → number, e.g. {"plev": 500}',
  numberPair: 'a list of two numbers, e.g. [-90, 90]',
  alternates:
    'a list of varlist names, e.g. ["ps", "zg_hybrid_sigma"] (one set), or a list of such lists (several sets)',
};

// ---- Checking ----

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

function isStringList(value: unknown): value is string[] {
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
class Findings {
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

  error(keyPath: KeyPath, message: string, hint: string, part: 'key' | 'value' = 'value'): void {
    this.errorList.push(new ValidationError(message, { location: this.location(keyPath, part), hint }));
  }

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
        `expected ${bad.expected ?? KIND_EXAMPLES[spec.kind].split(', e.g.')[0]}, found ${describe(bad.found)}`,
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

// ---- Building PodSettings ----

/** POD name: the directory for `<pod>/settings.{jsonc,json,yaml,yml}`, else the file's base name. */
function podName(file: string): string {
  const ext = path.extname(file);
  const base = path.basename(file, ext);
  return base === 'settings' ? path.basename(path.dirname(path.resolve(file))) : base;
}

/** A flat list of names is one alternate set; a list of lists is several. */
function alternateSets(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0) return [];
  return isStringList(value) ? [value] : (value as string[][]);
}

/** The key path of alternate name `j` of set `i`, as written in the file. */
function alternatePath(name: string, raw: unknown, i: number, j: number): KeyPath {
  return isStringList(raw) ? ['varlist', name, 'alternates', j] : ['varlist', name, 'alternates', i, j];
}

/**
 * Validates a parsed POD settings document and builds its `PodSettings`, with `data` defaults applied to
 * every varlist entry. Every error of the document is collected into one `ValidationErrors`.
 */
export function podSettingsFromDocument(document: LocatedDocument): PodSettings {
  const findings = new Findings(document);
  const root = document.value;
  if (!isPlainObject(root)) {
    throw new ValidationErrors([
      new ValidationError(`a POD settings file must hold an object, found ${describe(root)}`, {
        location: { file: document.file, line: 1, column: 1 },
        hint: 'write the settings as an object with `settings`, `dimensions` and `varlist` sections',
      }),
    ]);
  }
  const top = findings.section(root, [], TOP_LEVEL, 'the top level');
  const settings = isPlainObject(top.settings)
    ? findings.section(top.settings, ['settings'], SETTINGS, '`settings`')
    : undefined;
  const rawData = isPlainObject(top.data) ? top.data : {};
  const data = findings.section(rawData, ['data'], DATA, '`data`');

  const dimensions: Record<string, DimensionSpec> = {};
  if (isPlainObject(top.dimensions)) {
    for (const [name, spec] of Object.entries(top.dimensions)) {
      if (!isPlainObject(spec)) {
        findings.error(
          ['dimensions', name],
          `expected an object describing dimension \`${name}\`, found ${describe(spec)}`,
          'write e.g. {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}',
        );
        continue;
      }
      dimensions[name] = findings.section(
        spec,
        ['dimensions', name],
        DIMENSION,
        `dimension \`${name}\``,
      ) as DimensionSpec;
    }
  }
  // Without a usable dimensions section every reference would be reported; its own error says enough.
  const dimensionNames = isPlainObject(top.dimensions) ? Object.keys(top.dimensions) : undefined;

  const rawVarlist = isPlainObject(top.varlist) ? top.varlist : {};
  const varNames = Object.keys(rawVarlist);
  const defaults = Object.fromEntries(
    Object.entries(data).filter(([key]) => Object.hasOwn(VARIABLE_DEFAULTS, key)),
  );
  const varlist: VarlistEntrySpec[] = [];
  const referencedAsAlternate = new Set<string>();

  for (const [name, raw] of Object.entries(rawVarlist)) {
    const at = ['varlist', name];
    if (!isPlainObject(raw)) {
      findings.error(
        at,
        `expected an object describing variable \`${name}\`, found ${describe(raw)}`,
        'write e.g. {"standard_name": "air_temperature", "units": "K", "dimensions": ["time", "lat", "lon"]}',
      );
      continue;
    }
    const own = findings.section(raw, at, VARLIST_ENTRY, `varlist entry \`${name}\``);
    const entry: Plain = { ...defaults, ...own };
    /** Where a merged key was written: in the entry, or inherited from `data`. */
    const source = (key: string): KeyPath => (Object.hasOwn(raw, key) ? [...at, key] : ['data', key]);

    if (!Object.hasOwn(raw, 'dimensions') && !Object.hasOwn(rawData, 'dimensions')) {
      findings.error(
        [...at, 'dimensions'],
        `missing required key \`dimensions\` in varlist entry \`${name}\``,
        `add \`dimensions\`: ${KIND_EXAMPLES.strings}, each a key of \`dimensions\``,
        'key',
      );
    }
    if (dimensionNames && isStringList(entry.dimensions)) {
      entry.dimensions.forEach((dim, i) => {
        if (!dimensionNames.includes(dim)) {
          findings.error(
            [...source('dimensions'), i],
            `dimension \`${dim}\` is not declared in \`dimensions\`${didYouMean(suggest(dim, dimensionNames))}`,
            `add \`${dim}\` to the \`dimensions\` section, or use one of: ${dimensionNames.join(', ')}`,
          );
        }
      });
    }
    if (dimensionNames && isPlainObject(entry.scalar_coordinates)) {
      for (const dim of Object.keys(entry.scalar_coordinates)) {
        if (!dimensionNames.includes(dim)) {
          findings.error(
            [...at, 'scalar_coordinates', dim],
            `scalar coordinate \`${dim}\` is not declared in \`dimensions\`${didYouMean(suggest(dim, dimensionNames))}`,
            `add \`${dim}\` (with its units) to the \`dimensions\` section`,
            'key',
          );
        }
      }
    }
    const alternates = alternateSets(entry.alternates);
    alternates.forEach((set, i) =>
      set.forEach((alternate, j) => {
        const where = alternatePath(name, raw.alternates, i, j);
        if (alternate === name) {
          findings.error(
            where,
            `variable \`${name}\` lists itself as an alternate`,
            'name other varlist entries that can replace it',
          );
        } else if (!varNames.includes(alternate)) {
          findings.error(
            where,
            `alternate \`${alternate}\` names no varlist entry${didYouMean(suggest(alternate, varNames))}`,
            `add a varlist entry \`${alternate}\` (usually with "requirement": "alternate"), or name one of: ${varNames.join(', ')}`,
          );
        } else {
          referencedAsAlternate.add(alternate);
        }
      }),
    );
    if (typeof entry.standard_name !== 'string' || !isStringList(entry.dimensions)) continue;
    const spec: VarlistEntrySpec = {
      name,
      standard_name: entry.standard_name,
      dimensions: entry.dimensions,
      scalar_coordinates: isPlainObject(entry.scalar_coordinates)
        ? (entry.scalar_coordinates as Record<string, number>)
        : {},
      requirement: typeof entry.requirement === 'string' ? (entry.requirement as Requirement) : 'required',
      alternates,
      use_exact_name: entry.use_exact_name === true,
    };
    for (const key of ['units', 'frequency', 'realm', 'modifier', 'path_variable'] as const) {
      if (typeof entry[key] === 'string') spec[key] = entry[key];
    }
    varlist.push(spec);
  }

  for (const entry of varlist) {
    if (entry.requirement === 'alternate' && !referencedAsAlternate.has(entry.name)) {
      findings.warn(
        ['varlist', entry.name],
        `variable \`${entry.name}\` is an alternate, but no entry lists it in \`alternates\`, so it is never used`,
        `list it in the \`alternates\` of the variable it can replace, or set its "requirement" to "required" or "optional"`,
      );
    }
  }

  if (findings.errors().length > 0 || settings === undefined || typeof settings.driver !== 'string') {
    throw new ValidationErrors(findings.errors());
  }
  const file = path.resolve(document.file);
  return {
    name: podName(file),
    file,
    podHome: path.dirname(file),
    settings: {
      ...settings,
      driver: settings.driver,
      convention: typeof settings.convention === 'string' ? settings.convention : 'cmip',
      pod_env_vars: (settings.pod_env_vars as Record<string, string> | undefined) ?? {},
      runtime_requirements: (settings.runtime_requirements as Record<string, string[]> | undefined) ?? {},
    },
    dimensions,
    varlist,
    warnings: findings.warnings(),
  };
}

/** Parses and validates POD settings held in `text`, as if read from `file` (whose extension picks JSONC or YAML). */
export function parsePodSettings(text: string, file: string): PodSettings {
  return podSettingsFromDocument(parseLocatedDocument(text, file));
}

/** Reads and validates a POD settings file (`settings.jsonc`, `.json`, `.yaml` or `.yml`). */
export async function loadPodSettings(file: string): Promise<PodSettings> {
  return podSettingsFromDocument(await loadLocatedDocument(file));
}

/** Does this parsed document look like POD settings (rather than, say, a run config)? */
export function looksLikePodSettings(value: unknown): boolean {
  return isPlainObject(value) && (Object.hasOwn(value, 'varlist') || Object.hasOwn(value, 'settings'));
}
