/**
 * Fieldlists: one file per naming convention (CMIP, CESM, GFDL ...) mapping CF standard names to the
 * convention's native variable names, units and coordinates. fairpod ships its own in `settings/fieldlists/`
 * and a user adds a convention by dropping a file there. The format (YAML, or JSONC):
 *
 * ```yaml
 * convention: CESM                # the name; looked up case-insensitively, like the aliases
 * aliases: [cesm, cam, ncar]
 * description: ...
 * coordinates:                    # native coordinate name → facts
 *   plev: { standard_name: air_pressure, units: Pa, axis: Z, positive: down, level_units: hPa }
 * variables:                      # native variable name → facts
 *   Z3:
 *     standard_name: geopotential_height
 *     units: m
 *     realm: atmos
 *     ndim: 4                     # dimensions as stored, time included
 *     scalar_coord_templates: { plev: "Z{value}" }   # a level stored as its own variable: Z500
 *   Z500:
 *     standard_name: geopotential_height
 *     units: m
 *     ndim: 3
 *     scalar_coordinates: { plev: 500 }              # this variable is Z3 at one level
 *   TREFHT: { standard_name: air_temperature, units: K, ndim: 3, modifier: atmos_height }
 * ```
 *
 * Level values in templates and in `scalar_coordinates` are in the coordinate's `level_units` (default: its
 * `units`). `modifiers.yaml` in the same folder defines the modifiers variables and PODs may name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ValidationError, ValidationErrors, type FairpodError } from '../core/errors.js';
import { SETTINGS_DIR } from '../paths.js';
import { didYouMean, suggest } from './suggest.js';
import {
  documentFormat,
  formatKeyPath,
  parseLocatedDocument,
  type KeyPath,
  type LocatedDocument,
} from './locatedDocument.js';

/** The folder of fieldlists shipped with fairpod. */
export const DEFAULT_FIELDLIST_DIR = path.join(SETTINGS_DIR, 'fieldlists');

/** The file in a fieldlist folder that defines modifiers rather than a convention (any of its extensions). */
export const MODIFIERS_FILE_BASENAME = 'modifiers';

/** A coordinate as a convention stores it. */
export interface FieldlistCoordinate {
  name: string;
  standard_name?: string;
  long_name?: string;
  units?: string;
  axis?: 'X' | 'Y' | 'Z' | 'T' | 'N';
  positive?: 'up' | 'down';
  /** Units of level values written in variable names and `scalar_coordinates` (default: `units`). */
  level_units?: string;
}

/** A variable as a convention stores it. */
export interface FieldlistVariable {
  /** Native name. */
  name: string;
  /** CF standard name; absent for variables with none (then only found by exact name). */
  standard_name?: string;
  long_name?: string;
  units: string;
  realm?: string;
  /** Dimensions as stored, time included. */
  ndim: number;
  modifier?: string;
  positive?: 'up' | 'down';
  /** Coordinate name → native name of one level, with `{value}` for the level: `{ plev: 'ua{value}' }`. */
  scalar_coord_templates: Record<string, string>;
  /** For a variable that is another at fixed levels: coordinate name → level (in `level_units`). */
  scalar_coordinates: Record<string, number>;
  /** Other standard names this variable answers to. */
  alternate_standard_names: string[];
}

/** A qualifier telling apart variables with the same standard name (`atmos_height`). */
export interface Modifier {
  name: string;
  description: string;
  /** For a modifier that only names a realm: a request carrying it matches unmodified variables of that realm. */
  realm?: string;
}

/** One naming convention, loaded from one file. */
export interface Fieldlist {
  convention: string;
  aliases: string[];
  description?: string;
  /** The file it came from. */
  file: string;
  coordinates: Record<string, FieldlistCoordinate>;
  variables: FieldlistVariable[];
  /** The modifiers known when the file was loaded. */
  modifiers: Record<string, Modifier>;
}

/** Convention names and aliases compare case-insensitively and ignoring surrounding blanks. */
export function normalizeConventionName(name: string): string {
  return name.trim().toLowerCase();
}

/** Every fieldlist found in some folders, looked up by convention name or alias. */
export class FieldlistSet {
  private readonly byName = new Map<string, Fieldlist>();

  constructor(
    readonly fieldlists: readonly Fieldlist[],
    readonly modifiers: Readonly<Record<string, Modifier>>,
    /** The folders searched, for messages. */
    readonly directories: readonly string[] = [],
  ) {
    for (const f of fieldlists)
      for (const n of [f.convention, ...f.aliases]) this.byName.set(normalizeConventionName(n), f);
  }

  /** The fieldlist of `convention` (a name or alias, any case); an unknown one throws, listing the known ones. */
  get(convention: string): Fieldlist {
    const found = this.byName.get(normalizeConventionName(convention));
    if (found) return found;
    const names = this.fieldlists.flatMap((f) => [f.convention, ...f.aliases]);
    const known = this.fieldlists
      .map((f) => `${f.convention} (${f.aliases.join(', ') || 'no aliases'})`)
      .join('; ');
    throw new ValidationError(
      `unknown convention \`${convention}\`${didYouMean(suggest(convention, names))}`,
      {
        location: { key: 'convention' },
        hint: `known conventions: ${known || 'none'}. To add one, put a fieldlist file in ${this.directories.join(' or ') || DEFAULT_FIELDLIST_DIR}`,
      },
    );
  }
}

/**
 * Loads every fieldlist (`*.yaml`, `*.yml`, `*.jsonc`, `*.json`) in `directories`, in order, with the
 * modifiers of each folder's `modifiers.*` file. Synchronous, so that translation needs no `await`; the
 * files are small. A convention or alias defined twice, or any invalid file, throws a located error.
 */
export function loadFieldlists(directories: readonly string[] = [DEFAULT_FIELDLIST_DIR]): FieldlistSet {
  const modifiers: Record<string, Modifier> = {};
  const conventionFiles: string[] = [];
  for (const dir of directories) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw new ValidationError('cannot read the fieldlist folder', {
        location: { file: dir },
        hint: 'check the path; it must be a folder of fieldlist files',
        cause: err,
      });
    }
    for (const name of names) {
      if (!/\.(ya?ml|jsonc?)$/i.test(name)) continue;
      const file = path.join(dir, name);
      if (path.parse(name).name === MODIFIERS_FILE_BASENAME)
        Object.assign(modifiers, parseModifiers(readDocument(file)));
      else conventionFiles.push(file);
    }
  }
  const fieldlists: Fieldlist[] = [];
  const owners = new Map<string, Fieldlist>();
  for (const file of conventionFiles) {
    const doc = readDocument(file);
    const fieldlist = parseFieldlist(doc, modifiers);
    [fieldlist.convention, ...fieldlist.aliases].forEach((n, i) => {
      const owner = owners.get(normalizeConventionName(n));
      if (owner && owner !== fieldlist) {
        const at = doc.locate(i === 0 ? ['convention'] : ['aliases', i - 1], 'value');
        throw new ValidationError(`\`${n}\` already names convention ${owner.convention} (${owner.file})`, {
          location: {
            file,
            line: at?.line,
            column: at?.column,
            key: i === 0 ? 'convention' : `aliases[${i - 1}]`,
          },
          hint: 'give each convention a name and aliases no other fieldlist uses, or remove one of the two files',
        });
      }
      owners.set(normalizeConventionName(n), fieldlist);
    });
    fieldlists.push(fieldlist);
  }
  return new FieldlistSet(fieldlists, modifiers, directories);
}

function readDocument(file: string): LocatedDocument {
  documentFormat(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError('cannot read the fieldlist file', {
      location: { file },
      hint: 'make the file readable',
      cause: err,
    });
  }
  return parseLocatedDocument(text, file);
}

// ---- validation ----

/** Collects located problems in one file so that they are reported together. */
class Checker {
  readonly errors: FairpodError[] = [];
  constructor(readonly doc: LocatedDocument) {}

  fail(keyPath: KeyPath, message: string, hint: string, part: 'key' | 'value' = 'value'): void {
    const at = this.doc.locate(keyPath, part) ?? this.doc.locate(keyPath.slice(0, -1), 'key');
    this.errors.push(
      new ValidationError(message, {
        location: {
          file: this.doc.file,
          line: at?.line,
          column: at?.column,
          key: formatKeyPath(keyPath) || undefined,
        },
        hint,
      }),
    );
  }

  map(keyPath: KeyPath, value: unknown, what: string): Record<string, unknown> | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
    this.fail(
      keyPath,
      `${what} must be a map of \`key: value\` entries`,
      `write ${what} as nested \`key: value\` lines`,
    );
    return undefined;
  }

  string(keyPath: KeyPath, value: unknown, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required)
        this.fail(
          keyPath.slice(0, -1),
          `\`${String(keyPath[keyPath.length - 1])}\` is missing`,
          `add \`${String(keyPath[keyPath.length - 1])}: ...\``,
          'key',
        );
      return undefined;
    }
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (typeof value === 'number' && keyPath[keyPath.length - 1] === 'units') return String(value); // `units: 1`
    this.fail(
      keyPath,
      'must be a non-empty string',
      'write a text value, in quotes if it looks like a number',
    );
    return undefined;
  }

  oneOf<T extends string>(keyPath: KeyPath, value: unknown, allowed: readonly T[]): T | undefined {
    const s = this.string(keyPath, value);
    if (s === undefined) return undefined;
    if ((allowed as readonly string[]).includes(s)) return s as T;
    this.fail(keyPath, `\`${s}\` is not one of ${allowed.join(', ')}`, `use one of ${allowed.join(', ')}`);
    return undefined;
  }

  stringList(keyPath: KeyPath, value: unknown): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(keyPath, 'must be a list of strings', 'write a list: `[a, b]`');
      return [];
    }
    return value.flatMap((v, i) => this.string([...keyPath, i], v) ?? []);
  }

  knownKeys(keyPath: KeyPath, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      this.fail(
        [...keyPath, key],
        `unknown key \`${key}\`${didYouMean(suggest(key, known))}`,
        `known keys here: ${known.join(', ')}`,
        'key',
      );
    }
  }

  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new ValidationErrors(this.errors);
  }
}

const TOP_KEYS = ['convention', 'aliases', 'description', 'coordinates', 'variables'] as const;
const COORDINATE_KEYS = ['standard_name', 'long_name', 'units', 'axis', 'positive', 'level_units'] as const;
const VARIABLE_KEYS = [
  'standard_name',
  'long_name',
  'units',
  'realm',
  'ndim',
  'modifier',
  'positive',
  'scalar_coord_templates',
  'scalar_coordinates',
  'alternate_standard_names',
] as const;
const AXES = ['X', 'Y', 'Z', 'T', 'N'] as const;
const POSITIVE = ['up', 'down'] as const;

/** Validates a parsed fieldlist file; every problem found is reported at once, located. */
export function parseFieldlist(
  doc: LocatedDocument,
  modifiers: Readonly<Record<string, Modifier>>,
): Fieldlist {
  const c = new Checker(doc);
  const root = c.map([], doc.value, 'a fieldlist file');
  if (root === undefined) c.throwIfAny();
  const top = root!;
  c.knownKeys([], top, TOP_KEYS);
  const convention = c.string(['convention'], top.convention, true) ?? '';
  const aliases = c.stringList(['aliases'], top.aliases);
  const description = c.string(['description'], top.description);

  const coordinates: Record<string, FieldlistCoordinate> = {};
  const coordSection =
    top.coordinates === undefined ? {} : c.map(['coordinates'], top.coordinates, '`coordinates`');
  for (const [name, raw] of Object.entries(coordSection ?? {})) {
    const at = ['coordinates', name];
    const entry = c.map(at, raw, `coordinate \`${name}\``);
    if (!entry) continue;
    c.knownKeys(at, entry, COORDINATE_KEYS);
    coordinates[name] = dropUndefined({
      name,
      standard_name: c.string([...at, 'standard_name'], entry.standard_name),
      long_name: c.string([...at, 'long_name'], entry.long_name),
      units: c.string([...at, 'units'], entry.units),
      axis: c.oneOf([...at, 'axis'], entry.axis, AXES),
      positive: c.oneOf([...at, 'positive'], entry.positive, POSITIVE),
      level_units: c.string([...at, 'level_units'], entry.level_units),
    });
  }

  const variables: FieldlistVariable[] = [];
  if (top.variables === undefined)
    c.fail([], '`variables` is missing', 'add `variables:`, a map of native variable names to their facts');
  const varSection = top.variables === undefined ? {} : c.map(['variables'], top.variables, '`variables`');
  for (const [name, raw] of Object.entries(varSection ?? {})) {
    const at = ['variables', name];
    const entry = c.map(at, raw, `variable \`${name}\``);
    if (!entry) continue;
    c.knownKeys(at, entry, VARIABLE_KEYS);
    const ndim = entry.ndim;
    if (ndim === undefined)
      c.fail(
        at,
        '`ndim` is missing',
        'add `ndim: N`, the number of dimensions as stored (time included)',
        'key',
      );
    else if (typeof ndim !== 'number' || !Number.isInteger(ndim) || ndim < 0)
      c.fail([...at, 'ndim'], '`ndim` must be a whole number ≥ 0', 'e.g. `ndim: 3` for (time, lat, lon)');
    const modifier = c.string([...at, 'modifier'], entry.modifier);
    if (modifier !== undefined && !(modifier in modifiers)) {
      c.fail(
        [...at, 'modifier'],
        `unknown modifier \`${modifier}\`${didYouMean(suggest(modifier, Object.keys(modifiers)))}`,
        `known modifiers: ${Object.keys(modifiers).join(', ') || 'none'}; define new ones in modifiers.yaml`,
      );
    }
    variables.push(
      dropUndefined({
        name,
        standard_name: c.string([...at, 'standard_name'], entry.standard_name),
        long_name: c.string([...at, 'long_name'], entry.long_name),
        units: c.string([...at, 'units'], entry.units, true) ?? '',
        realm: c.string([...at, 'realm'], entry.realm),
        ndim: typeof ndim === 'number' ? ndim : 0,
        modifier,
        positive: c.oneOf([...at, 'positive'], entry.positive, POSITIVE),
        scalar_coord_templates: templates(
          c,
          [...at, 'scalar_coord_templates'],
          entry.scalar_coord_templates,
          coordinates,
        ),
        scalar_coordinates: levels(c, [...at, 'scalar_coordinates'], entry.scalar_coordinates, coordinates),
        alternate_standard_names: c.stringList(
          [...at, 'alternate_standard_names'],
          entry.alternate_standard_names,
        ),
      }),
    );
  }
  c.throwIfAny();
  return dropUndefined({
    convention,
    aliases,
    description,
    file: doc.file,
    coordinates,
    variables,
    modifiers: { ...modifiers },
  });
}

function templates(
  c: Checker,
  at: KeyPath,
  value: unknown,
  coordinates: Record<string, FieldlistCoordinate>,
): Record<string, string> {
  if (value === undefined) return {};
  const section = c.map(at, value, '`scalar_coord_templates`');
  const out: Record<string, string> = {};
  for (const [coord, raw] of Object.entries(section ?? {})) {
    const template = c.string([...at, coord], raw);
    if (template === undefined) continue;
    if (!(coord in coordinates)) knownCoordinate(c, [...at, coord], coord, coordinates);
    else if (!template.includes('{value}'))
      c.fail(
        [...at, coord],
        `template \`${template}\` has no \`{value}\``,
        'write where the level goes, e.g. `ua{value}` for ua500',
      );
    else out[coord] = template;
  }
  return out;
}

function levels(
  c: Checker,
  at: KeyPath,
  value: unknown,
  coordinates: Record<string, FieldlistCoordinate>,
): Record<string, number> {
  if (value === undefined) return {};
  const section = c.map(at, value, '`scalar_coordinates`');
  const out: Record<string, number> = {};
  for (const [coord, raw] of Object.entries(section ?? {})) {
    if (!(coord in coordinates)) knownCoordinate(c, [...at, coord], coord, coordinates);
    else if (typeof raw !== 'number' || !Number.isFinite(raw))
      c.fail(
        [...at, coord],
        'a level must be a number',
        "e.g. `{ plev: 500 }`, in the coordinate's level_units",
      );
    else out[coord] = raw;
  }
  return out;
}

function knownCoordinate(
  c: Checker,
  at: KeyPath,
  coord: string,
  coordinates: Record<string, FieldlistCoordinate>,
): void {
  c.fail(
    at,
    `unknown coordinate \`${coord}\`${didYouMean(suggest(coord, Object.keys(coordinates)))}`,
    'name a coordinate listed under `coordinates` in this file',
    'key',
  );
}

/** Validates a parsed modifiers file: `modifiers: { name: { description, realm? } }`. */
export function parseModifiers(doc: LocatedDocument): Record<string, Modifier> {
  const c = new Checker(doc);
  const root = c.map([], doc.value, 'a modifiers file');
  const out: Record<string, Modifier> = {};
  if (root) {
    c.knownKeys([], root, ['modifiers']);
    const section = c.map(['modifiers'], root.modifiers ?? null, '`modifiers`');
    for (const [name, raw] of Object.entries(section ?? {})) {
      const at = ['modifiers', name];
      const entry = c.map(at, raw, `modifier \`${name}\``);
      if (!entry) continue;
      c.knownKeys(at, entry, ['description', 'realm']);
      out[name] = dropUndefined({
        name,
        description: c.string([...at, 'description'], entry.description, true) ?? '',
        realm: c.string([...at, 'realm'], entry.realm),
      });
    }
  }
  c.throwIfAny();
  return out;
}

/** Optional properties are left out rather than set to undefined, so results compare and print cleanly. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
