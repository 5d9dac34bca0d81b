import path from 'node:path';
import { ValidationError, ValidationErrors } from '../core/errors.js';
import {
  loadLocatedDocument,
  parseLocatedDocument,
  type KeyPath,
  type LocatedDocument,
} from './locatedDocument.js';
import { z } from 'zod';
import {
  addProblem,
  checkDocument,
  describeValue,
  isPlainObject,
  isStringList,
  parseWith,
  problem,
  type Plain,
} from './schema.js';
import { key, named, oneOf, sectionSchema, settingsSection, type KeyBuilder } from './schemaCheck.js';
import { didYouMean, suggest } from './suggest.js';
import { isFloatLiteral, pythonStr } from './pythonStr.js';
import type { PodSettings, VarlistEntrySpec } from './types.js';

// ---- The schema ----

const text = key('string');
const flag = key('boolean');

/** How much a POD needs a variable (MDTF's `requirement`). */
const REQUIREMENTS = ['required', 'optional', 'alternate'] as const;

/** MDTF's `settings` section. */
const SETTINGS = {
  driver: key('string', {
    required: true,
    example: '"driver": "my_pod.py" (the script that runs the POD)',
  }),
  long_name: text,
  description: text,
  /** `cmip` (default), `cesm` or `gfdl`. */
  convention: oneOf(['cmip', 'cesm', 'gfdl']),
  realm: key('stringOrStrings'),
  pod_env_vars: key('envMap'),
  runtime_requirements: key('stringListMap'),
  /** fairpod's addition: sbatch options (resources) for the POD's job under `--executor slurm`. */
  slurm: key('stringMap'),
};

/** Keys that `data` sets for every varlist entry and that an entry may override. */
const VARIABLE_DEFAULTS = {
  frequency: text,
  min_frequency: text,
  max_frequency: text,
  min_duration: text,
  max_duration: text,
  realm: text,
  units: text,
  dimensions: key('strings'),
  dimensions_ordered: flag,
  requirement: oneOf(REQUIREMENTS),
  modifier: text,
  multi_file_ok: flag,
};

/** MDTF's `data` section: the variable defaults plus format options that concern the whole POD. */
const DATA = {
  ...VARIABLE_DEFAULTS,
  format: text,
  rename_dimensions: flag,
  rename_variables: flag,
};

/** One entry of `dimensions`. */
const DIMENSION = {
  standard_name: key('string', {
    required: true,
    example: '"standard_name": "latitude" (its CF standard name)',
  }),
  units: text,
  axis: text,
  positive: oneOf(['up', 'down']),
  realm: text,
  calendar: text,
  need_bounds: flag,
  range: key('numberPair'),
  long_name: text,
  description: text,
};

/** One entry of `varlist`. `dimensions` is required after the `data` defaults are applied (see `crossCheck`). */
const VARLIST_ENTRY = {
  ...VARIABLE_DEFAULTS,
  standard_name: key('string', {
    required: true,
    example: '"standard_name": "air_temperature" (its CF standard name)',
  }),
  scalar_coordinates: key('numberMap'),
  alternates: key('alternates'),
  use_exact_name: flag,
  path_variable: text,
  long_name: text,
  description: text,
};

const dimensionSchema = (name: string) =>
  sectionSchema(`dimension \`${name}\``, DIMENSION, (issue) =>
    problem({
      message: `expected an object describing dimension \`${name}\`, found ${describeValue(issue.input)}`,
      hint: 'write e.g. {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}',
    }),
  );

const varlistEntrySchema = (name: string) =>
  sectionSchema(`varlist entry \`${name}\``, VARLIST_ENTRY, (issue) =>
    problem({
      message: `expected an object describing variable \`${name}\`, found ${describeValue(issue.input)}`,
      hint: 'write e.g. {"standard_name": "air_temperature", "units": "K", "dimensions": ["time", "lat", "lon"]}',
    }),
  );

/** The sections of a POD settings file, each checked on its own. */
const podSettingsSections = sectionSchema('the top level', {
  settings: settingsSection('`settings`', SETTINGS, {
    required: true,
    example: '"settings": {"driver": "my_pod.py", "long_name": "My diagnostic"}',
  }),
  data: settingsSection('`data`', DATA),
  dimensions: named(dimensionSchema, {
    required: true,
    example: '"dimensions": {"lat": {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}}',
  }),
  varlist: named(varlistEntrySchema, {
    required: true,
    example:
      '"varlist": {"tas": {"standard_name": "air_temperature", "units": "K", "dimensions": ["time", "lat", "lon"]}}',
  }),
});

/** A POD settings file: its sections, and what holds across them (`crossCheck`). */
const podSettingsSchema = z.unknown().transform((written, ctx) => {
  const parsed = parseWith(ctx, podSettingsSections, written);
  crossCheck(ctx, written as Plain);
  return parsed ?? z.NEVER;
});

type Parsed = z.output<typeof podSettingsSections>;

/** How much a POD needs a variable (MDTF's `requirement`). */
export type Requirement = (typeof REQUIREMENTS)[number];
/** One entry of a POD's `dimensions` section (as the translator takes it: any of its keys may be left out). */
export type DimensionSpec = Partial<Parsed['dimensions'][string]>;
/** A POD's `settings` section, with `convention`, `pod_env_vars` and `runtime_requirements` filled in. */
export type PodSettingsSection = Parsed['settings'] & {
  convention: string;
  pod_env_vars: Record<string, string>;
  runtime_requirements: Record<string, string[]>;
};

// ---- What holds across sections ----

/** The values of `keys` in `written` that their schemas accept, as they parse (failed keys left out). */
function validKeys(written: Plain, keys: Record<string, KeyBuilder>): Plain {
  const out: Plain = {};
  for (const [k, build] of Object.entries(keys)) {
    if (!Object.hasOwn(written, k)) continue;
    const result = build(k, '').safeParse(written[k]);
    if (result.success) out[k] = result.data;
  }
  return out;
}

/** What every varlist entry is checked against. */
interface VarlistContext {
  ctx: z.RefinementCtx;
  /** Keys of `dimensions`; undefined when that section is unusable (its own error says enough). */
  dimensionNames: string[] | undefined;
  varNames: string[];
  /** Filled with every name some entry lists as an alternate. */
  referencedAsAlternate: Set<string>;
}

/**
 * The checks across sections: dimensions and scalar coordinates declared in `dimensions`, alternates naming
 * other entries, `dimensions` given by each entry or by `data`, and alternates that something uses. They run
 * on what was written, whatever else is wrong, so that one pass reports every problem.
 */
function crossCheck(ctx: z.RefinementCtx, root: Plain): void {
  if (!isPlainObject(root)) return;
  const rawData = isPlainObject(root.data) ? root.data : {};
  const defaults = validKeys(rawData, VARIABLE_DEFAULTS);
  const rawVarlist = isPlainObject(root.varlist) ? root.varlist : {};
  const vc: VarlistContext = {
    ctx,
    dimensionNames: isPlainObject(root.dimensions) ? Object.keys(root.dimensions) : undefined,
    varNames: Object.keys(rawVarlist),
    referencedAsAlternate: new Set(),
  };
  const alternatesToUse: string[] = [];
  for (const [name, raw] of Object.entries(rawVarlist)) {
    if (!isPlainObject(raw)) continue;
    const entry: Plain = { ...defaults, ...validKeys(raw, VARLIST_ENTRY) };
    // `dimensions` may come from `data`, so it is required here rather than in the entry's schema.
    if (!Object.hasOwn(raw, 'dimensions') && !Object.hasOwn(rawData, 'dimensions')) {
      addProblem(ctx, ['varlist', name, 'dimensions'], {
        message: `missing required key \`dimensions\` in varlist entry \`${name}\``,
        hint: `add "dimensions": ["time", "lat", "lon"] (keys of the \`dimensions\` section)`,
        part: 'key',
      });
    }
    checkDimensionReferences(vc, name, raw, entry);
    checkAlternates(vc, name, entry.alternates);
    if (
      typeof entry.standard_name === 'string' &&
      isStringList(entry.dimensions) &&
      entry.requirement === 'alternate'
    )
      alternatesToUse.push(name);
  }
  for (const name of alternatesToUse) {
    if (vc.referencedAsAlternate.has(name)) continue;
    addProblem(ctx, ['varlist', name], {
      message: `variable \`${name}\` is an alternate, but no entry lists it in \`alternates\`, so it is never used`,
      hint: 'list it in the `alternates` of the variable it can replace, or set its "requirement" to "required" or "optional"',
      part: 'key',
      warning: true,
    });
  }
}

/** Checks that every dimension and scalar coordinate of an entry is declared in `dimensions`. */
function checkDimensionReferences(vc: VarlistContext, name: string, raw: Plain, entry: Plain): void {
  const { ctx, dimensionNames } = vc;
  if (dimensionNames === undefined) return;
  // Inherited dimensions are reported where they were written: in `data`.
  const dimensionsAt: KeyPath = Object.hasOwn(raw, 'dimensions')
    ? ['varlist', name, 'dimensions']
    : ['data', 'dimensions'];
  if (isStringList(entry.dimensions)) {
    entry.dimensions.forEach((dim, i) => {
      if (dimensionNames.includes(dim)) return;
      addProblem(ctx, [...dimensionsAt, i], {
        message: `dimension \`${dim}\` is not declared in \`dimensions\`${didYouMean(suggest(dim, dimensionNames))}`,
        hint: `add \`${dim}\` to the \`dimensions\` section, or use one of: ${dimensionNames.join(', ')}`,
      });
    });
  }
  if (isPlainObject(entry.scalar_coordinates)) {
    for (const dim of Object.keys(entry.scalar_coordinates)) {
      if (dimensionNames.includes(dim)) continue;
      addProblem(ctx, ['varlist', name, 'scalar_coordinates', dim], {
        message: `scalar coordinate \`${dim}\` is not declared in \`dimensions\`${didYouMean(suggest(dim, dimensionNames))}`,
        hint: `add \`${dim}\` (with its units) to the \`dimensions\` section`,
        part: 'key',
      });
    }
  }
}

/** A flat list of names is one alternate set; a list of lists is several. */
function alternateSets(written: unknown): { sets: string[][]; flat: boolean } {
  if (!Array.isArray(written) || written.length === 0) return { sets: [], flat: true };
  const flat = isStringList(written);
  return { sets: flat ? [written] : (written as string[][]), flat };
}

/** Checks that each alternate names another varlist entry. */
function checkAlternates(vc: VarlistContext, name: string, written: unknown): void {
  const { sets, flat } = alternateSets(written);
  sets.forEach((set, i) => {
    if (set.length === 0) {
      addProblem(vc.ctx, ['varlist', name, 'alternates', i], {
        message: 'empty alternate set',
        hint: 'list the varlist entries that together replace this one, or remove the empty list',
      });
    }
    set.forEach((alternate, j) => {
      const at: KeyPath = flat ? ['varlist', name, 'alternates', j] : ['varlist', name, 'alternates', i, j];
      if (alternate === name) {
        addProblem(vc.ctx, at, {
          message: `variable \`${name}\` lists itself as an alternate`,
          hint: 'name other varlist entries that can replace it',
        });
      } else if (!vc.varNames.includes(alternate)) {
        addProblem(vc.ctx, at, {
          message: `alternate \`${alternate}\` names no varlist entry${didYouMean(suggest(alternate, vc.varNames))}`,
          hint: `add a varlist entry \`${alternate}\` (usually with "requirement": "alternate"), or name one of: ${vc.varNames.join(', ')}`,
        });
      } else {
        vc.referencedAsAlternate.add(alternate);
      }
    });
  });
}

// ---- Building PodSettings ----

/** POD name: the directory for `<pod>/settings.{jsonc,json,yaml,yml}`, else the file's base name. */
function podName(file: string): string {
  const ext = path.extname(file);
  const base = path.basename(file, ext);
  return base === 'settings' ? path.basename(path.dirname(path.resolve(file))) : base;
}

/** One varlist entry with the `data` defaults applied. */
function varlistEntry(
  name: string,
  entry: Parsed['varlist'][string],
  data: Parsed['data'],
): VarlistEntrySpec {
  const defaults = Object.fromEntries(
    Object.entries(data ?? {}).filter(([k]) => Object.hasOwn(VARIABLE_DEFAULTS, k)),
  ) as Partial<Parsed['varlist'][string]>;
  const merged = { ...defaults, ...entry };
  const spec: VarlistEntrySpec = {
    name,
    standard_name: merged.standard_name,
    dimensions: merged.dimensions ?? [],
    scalar_coordinates: merged.scalar_coordinates ?? {},
    requirement: merged.requirement ?? 'required',
    alternates: alternateSets(merged.alternates).sets,
    use_exact_name: merged.use_exact_name === true,
  };
  for (const k of ['units', 'frequency', 'realm', 'modifier', 'path_variable'] as const) {
    if (typeof merged[k] === 'string') spec[k] = merged[k];
  }
  return spec;
}

/**
 * Validates a parsed POD settings document and builds its `PodSettings`, with `data` defaults applied to
 * every varlist entry. Every error of the document is collected into one `ValidationErrors`.
 */
export function podSettingsFromDocument(document: LocatedDocument): PodSettings {
  const root = document.value;
  if (!isPlainObject(root)) {
    throw new ValidationErrors([
      new ValidationError(`a POD settings file must hold an object, found ${describeValue(root)}`, {
        location: { file: document.file, line: 1, column: 1 },
        hint: 'write the settings as an object with `settings`, `dimensions` and `varlist` sections',
      }),
    ]);
  }
  const { data, errors, warnings } = checkDocument(podSettingsSchema, document);
  if (errors.length > 0 || data === undefined) throw new ValidationErrors(errors);
  const file = path.resolve(document.file);
  const { settings } = data;
  return {
    name: podName(file),
    file,
    podHome: path.dirname(file),
    settings: {
      ...settings,
      convention: settings.convention ?? 'cmip',
      pod_env_vars: podEnvVars(document, settings.pod_env_vars),
      runtime_requirements: settings.runtime_requirements ?? {},
    },
    dimensions: data.dimensions,
    varlist: Object.entries(data.varlist).map(([name, entry]) => varlistEntry(name, entry, data.data)),
    warnings,
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
