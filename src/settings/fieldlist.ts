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
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { SETTINGS_DIR } from '../paths.js';
import { didYouMean, suggest } from './suggest.js';
import { documentFormat, parseLocatedDocument, type LocatedDocument } from './locatedDocument.js';
import {
  addProblem,
  checkDocument,
  isPlainObject,
  parseWith,
  problem,
  say,
  section,
  throwIfErrors,
  type Problem,
} from './schema.js';

/** The folder of fieldlists shipped with fairpod. */
export const DEFAULT_FIELDLIST_DIR = path.join(SETTINGS_DIR, 'fieldlists');

/** The file in a fieldlist folder that defines modifiers rather than a convention (any of its extensions). */
export const MODIFIERS_FILE_BASENAME = 'modifiers';

/** A coordinate as a convention stores it. */
export type FieldlistCoordinate = z.output<typeof coordinateSchema> & { name: string };

/** A variable as a convention stores it. */
export type FieldlistVariable = z.output<ReturnType<typeof variableSchema>> & { name: string };

/** A qualifier telling apart variables with the same standard name (`atmos_height`). */
export type Modifier = z.output<typeof modifierSchema> & { name: string };

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

// ---- the schema ----

const NOT_TEXT: Problem = {
  message: 'must be a non-empty string',
  hint: 'write a text value, in quotes if it looks like a number',
};

/** A non-empty string. */
const text = z.string({ error: () => problem(NOT_TEXT) }).refine((v) => v.trim() !== '', {
  error: () => problem(NOT_TEXT),
});

/** A string that may be left out (null counts as left out). */
const optionalText = text.nullish().transform((v) => v ?? undefined);

/** A string that must be given; a missing one is reported at the object lacking it. */
function requiredText(key: string) {
  return z
    .string({
      error: (issue) =>
        problem(
          issue.input === undefined || issue.input === null
            ? { message: `\`${key}\` is missing`, hint: `add \`${key}: ...\``, up: 1, part: 'key' }
            : NOT_TEXT,
        ),
    })
    .refine((v) => v.trim() !== '', { error: () => problem(NOT_TEXT) });
}

/** `units: 1` (dimensionless) is the text "1". */
const numberAsText = (v: unknown): unknown => (typeof v === 'number' ? String(v) : v);

/** One of `allowed`, or left out. */
function optionalOneOf<const T extends readonly [string, ...string[]]>(allowed: T) {
  return optionalText.pipe(
    z
      .enum(allowed, {
        error: (issue) =>
          problem({
            message: `\`${String(issue.input)}\` is not one of ${allowed.join(', ')}`,
            hint: `use one of ${allowed.join(', ')}`,
          }),
      })
      .optional(),
  );
}

/** A list of strings (left out or null: empty; null items are dropped). */
const stringList = z
  .array(optionalText, { error: say('must be a list of strings', 'write a list: `[a, b]`') })
  .nullish()
  .transform((list) => (list ?? []).filter((v) => v !== undefined));

/** An object whose keys are all known; any other key is an error with the closest known key as a suggestion. */
function entries<Shape extends z.ZodRawShape>(what: string, shape: Shape) {
  return section(
    shape,
    (key, allowed) => ({
      message: `unknown key \`${key}\`${didYouMean(suggest(key, allowed))}`,
      hint: `known keys here: ${allowed.join(', ')}`,
      part: 'key',
    }),
    say(`${what} must be a map of \`key: value\` entries`, `write ${what} as nested \`key: value\` lines`),
    true,
  );
}

/** A map of name → value, whose values get their name; `missing` says what to do when it is left out. */
function named<T extends z.ZodType<object>>(what: string, value: T, missing?: Problem) {
  const notAMap: Problem = {
    message: `${what} must be a map of \`key: value\` entries`,
    hint: `write ${what} as nested \`key: value\` lines`,
  };
  return z
    .record(z.string(), value, {
      error: (issue) => problem(issue.input === undefined && missing ? missing : notAMap),
    })
    .transform(
      (map) =>
        Object.fromEntries(
          Object.entries(map).map(([name, v]) => [name, dropUndefined({ name, ...v })]),
        ) as Record<string, z.output<T> & { name: string }>,
    );
}

/** A map that may be left out (then empty); null is not a map. */
function optionalMap<T extends z.ZodType>(what: string, value: T) {
  return z
    .record(z.string(), value, {
      error: say(
        `${what} must be a map of \`key: value\` entries`,
        `write ${what} as nested \`key: value\` lines`,
      ),
    })
    .optional()
    .transform((map) => dropUndefined(map ?? {}) as Record<string, NonNullable<z.output<T>>>);
}

const AXES = ['X', 'Y', 'Z', 'T', 'N'] as const;
const POSITIVE = ['up', 'down'] as const;

const coordinateSchema = entries('a coordinate', {
  standard_name: optionalText,
  long_name: optionalText,
  units: z.preprocess(numberAsText, optionalText),
  axis: optionalOneOf(AXES),
  positive: optionalOneOf(POSITIVE),
  /** Units of level values written in variable names and `scalar_coordinates` (default: `units`). */
  level_units: optionalText,
});

const BAD_NDIM: Problem = {
  message: '`ndim` must be a whole number ≥ 0',
  hint: 'e.g. `ndim: 3` for (time, lat, lon)',
  firstWithin: 0,
};

function variableSchema(modifiers: Readonly<Record<string, Modifier>>) {
  return entries('a variable', {
    /** CF standard name; absent for variables with none (then only found by exact name). */
    standard_name: optionalText,
    long_name: optionalText,
    units: z.preprocess(numberAsText, requiredText('units')),
    realm: optionalText,
    /** Dimensions as stored, time included. */
    ndim: z
      .number({
        error: (issue) =>
          problem(
            issue.input === undefined
              ? {
                  message: '`ndim` is missing',
                  hint: 'add `ndim: N`, the number of dimensions as stored (time included)',
                  up: 1,
                  part: 'key',
                }
              : BAD_NDIM,
          ),
      })
      .refine(Number.isInteger, { error: () => problem(BAD_NDIM) })
      .min(0, { error: () => problem(BAD_NDIM) }),
    modifier: optionalText.refine((m) => m === undefined || Object.hasOwn(modifiers, m), {
      error: (issue) =>
        problem({
          message: `unknown modifier \`${String(issue.input)}\`${didYouMean(suggest(String(issue.input), Object.keys(modifiers)))}`,
          hint: `known modifiers: ${Object.keys(modifiers).join(', ') || 'none'}; define new ones in modifiers.yaml`,
        }),
    }),
    positive: optionalOneOf(POSITIVE),
    /** Coordinate name → native name of one level, with `{value}` for the level: `{ plev: 'ua{value}' }`. */
    scalar_coord_templates: optionalMap('`scalar_coord_templates`', optionalText),
    /** For a variable that is another at fixed levels: coordinate name → level (in `level_units`). */
    scalar_coordinates: optionalMap(
      '`scalar_coordinates`',
      z.number({
        error: say('a level must be a number', "e.g. `{ plev: 500 }`, in the coordinate's level_units"),
      }),
    ),
    /** Other standard names this variable answers to. */
    alternate_standard_names: stringList,
  });
}

/** The coordinates that variables name in templates and levels must be listed under `coordinates`. */
function checkCoordinateReferences(file: unknown, ctx: z.RefinementCtx): void {
  if (!isPlainObject(file)) return;
  const coordinates = isPlainObject(file.coordinates) ? Object.keys(file.coordinates) : [];
  if (!isPlainObject(file.variables)) return;
  for (const [name, variable] of Object.entries(file.variables)) {
    if (!isPlainObject(variable)) continue;
    for (const key of ['scalar_coord_templates', 'scalar_coordinates'] as const) {
      const map = variable[key];
      if (!isPlainObject(map)) continue;
      for (const [coord, value] of Object.entries(map)) {
        const at = ['variables', name, key, coord];
        if (!coordinates.includes(coord))
          addProblem(ctx, at, {
            message: `unknown coordinate \`${coord}\`${didYouMean(suggest(coord, coordinates))}`,
            hint: 'name a coordinate listed under `coordinates` in this file',
            part: 'key',
          });
        else if (
          key === 'scalar_coord_templates' &&
          typeof value === 'string' &&
          value.trim() !== '' &&
          !value.includes('{value}')
        )
          addProblem(ctx, at, {
            message: `template \`${value}\` has no \`{value}\``,
            hint: 'write where the level goes, e.g. `ua{value}` for ua500',
          });
      }
    }
  }
}

function fieldlistSchema(modifiers: Readonly<Record<string, Modifier>>) {
  const file = entries('a fieldlist file', {
    /** The name; looked up case-insensitively, like the aliases. */
    convention: requiredText('convention'),
    aliases: stringList,
    description: optionalText,
    coordinates: named('`coordinates`', coordinateSchema)
      .optional()
      .transform((map) => map ?? {}),
    variables: named('`variables`', variableSchema(modifiers), {
      message: '`variables` is missing',
      hint: 'add `variables:`, a map of native variable names to their facts',
      up: 1,
      part: 'key',
    }),
  });
  // The references across sections are checked on what was written, whatever else is wrong.
  return z.unknown().transform((written, ctx) => {
    const parsed = parseWith(ctx, file, written);
    checkCoordinateReferences(written, ctx);
    return parsed ?? z.NEVER;
  });
}

const modifierSchema = entries('a modifier', {
  description: requiredText('description'),
  /** For a modifier that only names a realm: a request carrying it matches unmodified variables of that realm. */
  realm: optionalText,
});

const modifiersFileSchema = entries('a modifiers file', {
  modifiers: named('`modifiers`', modifierSchema),
});

/** Validates a parsed fieldlist file; every problem found is reported at once, located. */
export function parseFieldlist(
  doc: LocatedDocument,
  modifiers: Readonly<Record<string, Modifier>>,
): Fieldlist {
  const { data, errors } = checkDocument(fieldlistSchema(modifiers), doc);
  throwIfErrors(errors);
  const { convention, aliases, description, coordinates, variables } = data!;
  return dropUndefined({
    convention,
    aliases,
    description,
    file: doc.file,
    coordinates,
    variables: Object.values(variables),
    modifiers: { ...modifiers },
  });
}

/** Validates a parsed modifiers file: `modifiers: { name: { description, realm? } }`. */
export function parseModifiers(doc: LocatedDocument): Record<string, Modifier> {
  const { data, errors } = checkDocument(modifiersFileSchema, doc);
  throwIfErrors(errors);
  return data!.modifiers;
}

/** Optional properties are left out rather than set to undefined, so results compare and print cleanly. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
