import path from 'node:path';
import { ValidationError, ValidationErrors } from '../core/errors.js';
import {
  loadLocatedDocument,
  parseLocatedDocument,
  type KeyPath,
  type LocatedDocument,
} from './locatedDocument.js';
import {
  describeValue,
  Findings,
  isPlainObject,
  isStringList,
  type Plain,
  type SectionSchema,
} from './schemaCheck.js';
import { didYouMean, suggest } from './suggest.js';
import { isFloatLiteral, pythonStr } from './pythonStr.js';
import type { DimensionSpec, PodSettings, Requirement, VarlistEntrySpec } from './types.js';

// ---- The schema, as data ----

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
  pod_env_vars: { kind: 'envMap' },
  runtime_requirements: { kind: 'stringListMap' },
  /** fairpod's addition: sbatch options (resources) for the POD's job under `--executor slurm`. */
  slurm: { kind: 'stringMap' },
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

// ---- Building PodSettings ----

/** POD name: the directory for `<pod>/settings.{jsonc,json,yaml,yml}`, else the file's base name. */
function podName(file: string): string {
  const ext = path.extname(file);
  const base = path.basename(file, ext);
  return base === 'settings' ? path.basename(path.dirname(path.resolve(file))) : base;
}

/** What every varlist entry is checked against. */
interface VarlistContext {
  findings: Findings;
  /** The `data` section as written (to tell inherited keys from missing ones). */
  rawData: Plain;
  /** `data` keys that apply to every entry. */
  defaults: Plain;
  /** Keys of `dimensions`; undefined when that section is unusable (its own error says enough). */
  dimensionNames: string[] | undefined;
  varNames: string[];
  /** Filled with every name some entry lists as an alternate. */
  referencedAsAlternate: Set<string>;
}

/** Checks the `dimensions` section and returns it. */
function readDimensions(findings: Findings, section: Plain): Record<string, DimensionSpec> {
  const dimensions: Record<string, DimensionSpec> = {};
  for (const [name, spec] of Object.entries(section)) {
    if (!isPlainObject(spec)) {
      findings.error(
        ['dimensions', name],
        `expected an object describing dimension \`${name}\`, found ${describeValue(spec)}`,
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
  return dimensions;
}

/** Checks that every dimension and scalar coordinate of an entry is declared in `dimensions`. */
function checkDimensionReferences(ctx: VarlistContext, name: string, raw: Plain, entry: Plain): void {
  const { findings, dimensionNames } = ctx;
  if (dimensionNames === undefined) return;
  // Inherited dimensions are reported where they were written: in `data`.
  const dimensionsAt: KeyPath = Object.hasOwn(raw, 'dimensions')
    ? ['varlist', name, 'dimensions']
    : ['data', 'dimensions'];
  if (isStringList(entry.dimensions)) {
    entry.dimensions.forEach((dim, i) => {
      if (dimensionNames.includes(dim)) return;
      findings.error(
        [...dimensionsAt, i],
        `dimension \`${dim}\` is not declared in \`dimensions\`${didYouMean(suggest(dim, dimensionNames))}`,
        `add \`${dim}\` to the \`dimensions\` section, or use one of: ${dimensionNames.join(', ')}`,
      );
    });
  }
  if (isPlainObject(entry.scalar_coordinates)) {
    for (const dim of Object.keys(entry.scalar_coordinates)) {
      if (dimensionNames.includes(dim)) continue;
      findings.error(
        ['varlist', name, 'scalar_coordinates', dim],
        `scalar coordinate \`${dim}\` is not declared in \`dimensions\`${didYouMean(suggest(dim, dimensionNames))}`,
        `add \`${dim}\` (with its units) to the \`dimensions\` section`,
        'key',
      );
    }
  }
}

/** Normalises an entry's alternates to sets and checks that each names another varlist entry. */
function readAlternates(ctx: VarlistContext, name: string, written: unknown): string[][] {
  if (!Array.isArray(written) || written.length === 0) return [];
  // A flat list of names is one alternate set; a list of lists is several.
  const flat = isStringList(written);
  const sets = flat ? [written] : (written as string[][]);
  sets.forEach((set, i) => {
    if (set.length === 0) {
      ctx.findings.error(
        ['varlist', name, 'alternates', i],
        'empty alternate set',
        'list the varlist entries that together replace this one, or remove the empty list',
      );
    }
    set.forEach((alternate, j) => {
      const at: KeyPath = flat ? ['varlist', name, 'alternates', j] : ['varlist', name, 'alternates', i, j];
      if (alternate === name) {
        ctx.findings.error(
          at,
          `variable \`${name}\` lists itself as an alternate`,
          'name other varlist entries that can replace it',
        );
      } else if (!ctx.varNames.includes(alternate)) {
        ctx.findings.error(
          at,
          `alternate \`${alternate}\` names no varlist entry${didYouMean(suggest(alternate, ctx.varNames))}`,
          `add a varlist entry \`${alternate}\` (usually with "requirement": "alternate"), or name one of: ${ctx.varNames.join(', ')}`,
        );
      } else {
        ctx.referencedAsAlternate.add(alternate);
      }
    });
  });
  return sets;
}

/** Checks one varlist entry and builds it with the `data` defaults applied; undefined when it is unusable. */
function readVarlistEntry(ctx: VarlistContext, name: string, raw: unknown): VarlistEntrySpec | undefined {
  const { findings } = ctx;
  const at = ['varlist', name];
  if (!isPlainObject(raw)) {
    findings.error(
      at,
      `expected an object describing variable \`${name}\`, found ${describeValue(raw)}`,
      'write e.g. {"standard_name": "air_temperature", "units": "K", "dimensions": ["time", "lat", "lon"]}',
    );
    return undefined;
  }
  const entry: Plain = {
    ...ctx.defaults,
    ...findings.section(raw, at, VARLIST_ENTRY, `varlist entry \`${name}\``),
  };
  // `dimensions` may come from `data`, so it is required here rather than in the entry's schema.
  if (!Object.hasOwn(raw, 'dimensions') && !Object.hasOwn(ctx.rawData, 'dimensions')) {
    findings.error(
      [...at, 'dimensions'],
      `missing required key \`dimensions\` in varlist entry \`${name}\``,
      `add "dimensions": ["time", "lat", "lon"] (keys of the \`dimensions\` section)`,
      'key',
    );
  }
  checkDimensionReferences(ctx, name, raw, entry);
  const alternates = readAlternates(ctx, name, entry.alternates);
  if (typeof entry.standard_name !== 'string' || !isStringList(entry.dimensions)) return undefined;
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
  return spec;
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
      new ValidationError(`a POD settings file must hold an object, found ${describeValue(root)}`, {
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
  const dimensions = isPlainObject(top.dimensions) ? readDimensions(findings, top.dimensions) : {};
  const rawVarlist = isPlainObject(top.varlist) ? top.varlist : {};
  const ctx: VarlistContext = {
    findings,
    rawData,
    defaults: Object.fromEntries(
      Object.entries(data).filter(([key]) => Object.hasOwn(VARIABLE_DEFAULTS, key)),
    ),
    dimensionNames: isPlainObject(top.dimensions) ? Object.keys(top.dimensions) : undefined,
    varNames: Object.keys(rawVarlist),
    referencedAsAlternate: new Set(),
  };
  const varlist = Object.entries(rawVarlist)
    .map(([name, raw]) => readVarlistEntry(ctx, name, raw))
    .filter((entry) => entry !== undefined);
  for (const entry of varlist) {
    if (entry.requirement === 'alternate' && !ctx.referencedAsAlternate.has(entry.name)) {
      findings.warn(
        ['varlist', entry.name],
        `variable \`${entry.name}\` is an alternate, but no entry lists it in \`alternates\`, so it is never used`,
        'list it in the `alternates` of the variable it can replace, or set its "requirement" to "required" or "optional"',
      );
    }
  }

  const errors = findings.errors();
  // The `settings` check narrows its type: a missing or malformed section has already been recorded as an error.
  if (errors.length > 0 || settings === undefined || typeof settings.driver !== 'string') {
    throw new ValidationErrors(errors);
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
      pod_env_vars: podEnvVars(document, settings.pod_env_vars),
      runtime_requirements: (settings.runtime_requirements as Record<string, string[]> | undefined) ?? {},
    },
    dimensions,
    varlist,
    warnings: findings.warnings(),
  };
}

/**
 * `pod_env_vars` as MDTF 4.2 sets them: strings as they are, anything else through Python's `str()` (`1979`,
 * `1.24`, `False`, `[12, 1, 2]`), numbers written as floats kept as floats (`1.0` stays `1.0`).
 */
function podEnvVars(document: LocatedDocument, written: unknown): Record<string, string> {
  if (!isPlainObject(written)) return {};
  return Object.fromEntries(
    Object.entries(written).map(([key, value]) => [
      key,
      pythonStr(value, (at) => isFloatLiteral(document.source(['settings', 'pod_env_vars', key, ...at]))),
    ]),
  );
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
