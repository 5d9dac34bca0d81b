/**
 * Variable translation: a POD's request (CF standard name, modifier, dimensions, scalar coordinates) →
 * the native variable of a model's naming convention, as MDTF-diagnostics does it. Candidates are the
 * fieldlist variables with the standard name (then those listing it among `alternate_standard_names`),
 * narrowed by modifier, then realm, then number of dimensions: `dimensions` plus scalar coordinates, so that
 * `zg` at `{plev: 500}` on (time, lat, lon) is 4-D; a 4-D variable with a `scalar_coord_templates` entry
 * then gives the level's own name (`zg500`), and the scalar coordinate is consumed.
 */
// tsyringe needs the Reflect metadata polyfill loaded before it: every module importing it loads it first.
import 'reflect-metadata';
import { container, inject, registry, singleton } from 'tsyringe';
import { FairpodError } from '../core/errors.js';
import { linearConversion } from '../preprocess/units.js';
import {
  DEFAULT_FIELDLIST_DIR,
  loadFieldlists,
  type Fieldlist,
  type FieldlistCoordinate,
  type FieldlistSet,
  type FieldlistVariable,
} from './fieldlist.js';
import { didYouMean, suggest } from './suggest.js';
import type { DimensionSpec, Translation, TranslationRequest } from './types.js';

/** Injection token for the folders the `Translator` loads fieldlists from (default: fairpod's own). */
export const FIELDLIST_DIRECTORIES = Symbol.for('fairpod.FieldlistDirectories');

/** A POD's dimensions section (`PodSettings.dimensions`): lets scalar coordinates and dimensions match by standard name. */
export type PodDimensions = Readonly<Record<string, DimensionSpec>>;

/**
 * Translates requests with the fieldlists of some folders, loaded once on first use.
 * A singleton in the tsyringe container (`container.resolve(Translator)`); `new Translator()` for fairpod's
 * own fieldlists, `new Translator([dir, ...])` for others.
 */
@singleton()
@registry([{ token: FIELDLIST_DIRECTORIES, useValue: [DEFAULT_FIELDLIST_DIR] }])
export class Translator {
  private loaded?: FieldlistSet;

  constructor(
    @inject(FIELDLIST_DIRECTORIES) readonly directories: readonly string[] = [DEFAULT_FIELDLIST_DIR],
  ) {}

  /** Every loaded fieldlist and the modifiers (loads them on first call). */
  fieldlists(): FieldlistSet {
    this.loaded ??= loadFieldlists(this.directories);
    return this.loaded;
  }

  /** The fieldlist of a convention name or alias, any case; an unknown one throws, listing the known ones. */
  fieldlist(convention: string): Fieldlist {
    return this.fieldlists().get(convention);
  }

  /**
   * The native variable for `request` in `convention`. `dimensions` (the POD's dimensions section) is
   * optional: with it, a scalar coordinate or dimension named differently from the convention's (`lev`
   * for air pressure) is matched by standard name, and level values are converted to the convention's units.
   */
  translate(request: TranslationRequest, convention: string, dimensions?: PodDimensions): Translation {
    return translateWith(this.fieldlist(convention), request, dimensions);
  }
}

/** Translates with the container's `Translator` (fairpod's own fieldlists unless the container says otherwise). */
export function translate(
  request: TranslationRequest,
  convention: string,
  dimensions?: PodDimensions,
): Translation {
  return container.resolve(Translator).translate(request, convention, dimensions);
}

/** One way a fieldlist variable can answer a request, best first. */
type MatchKind = 'slice' | 'template' | 'whole';

interface Match {
  variable: FieldlistVariable;
  kind: MatchKind;
  name: string;
  /** Scalar coordinates still to extract (POD's names and values). */
  remaining: Record<string, number>;
}

/** Translates `request` with one fieldlist. Exported for callers holding their own `Fieldlist`. */
export function translateWith(
  fieldlist: Fieldlist,
  request: TranslationRequest,
  dimensions?: PodDimensions,
): Translation {
  const coordinates = nativeCoordinates(fieldlist, request, dimensions);
  if (request.use_exact_name) {
    return dropUndefined({
      convention: fieldlist.convention,
      name: request.name,
      units: request.units,
      standard_name: request.standard_name,
      scalar_coordinates: { ...request.scalar_coordinates },
      coordinates,
    });
  }
  const match = findMatch(fieldlist, request, dimensions);
  return dropUndefined({
    convention: fieldlist.convention,
    name: match.name,
    units: match.variable.units,
    standard_name: request.standard_name,
    scalar_coordinates: match.remaining,
    coordinates,
  });
}

function findMatch(
  fieldlist: Fieldlist,
  request: TranslationRequest,
  dimensions: PodDimensions | undefined,
): Match {
  const scalarNames = Object.keys(request.scalar_coordinates);
  const ndim = request.dimensions.length + scalarNames.length;
  const { modifier, realm } = effectiveQualifiers(fieldlist, request);
  const tried: string[] = [];
  const steps: [string, FieldlistVariable[]][] = [
    ['standard name', fieldlist.variables.filter((v) => v.standard_name === request.standard_name)],
    [
      'alternate standard name',
      fieldlist.variables.filter((v) => v.alternate_standard_names.includes(request.standard_name)),
    ],
  ];
  for (const [step, candidates] of steps) {
    const matches: Match[] = [];
    for (const variable of candidates) {
      const why = rejection(variable, modifier, realm);
      if (why) {
        tried.push(`${variable.name} (by ${step}): ${why}`);
        continue;
      }
      const match = matchShape(fieldlist, variable, request, ndim, dimensions);
      if (typeof match === 'string') tried.push(`${variable.name} (by ${step}): ${match}`);
      else matches.push(match);
    }
    const best = bestMatches(matches);
    if (best.length === 1) return best[0];
    if (best.length > 1) throw ambiguity(fieldlist, request, best);
  }
  throw noMatch(fieldlist, request, { modifier, realm, ndim }, tried);
}

/** A realm-only modifier (`atmos_realm`) is a realm constraint, not a distinct field. */
function effectiveQualifiers(
  fieldlist: Fieldlist,
  request: TranslationRequest,
): { modifier?: string; realm?: string } {
  const modifier = request.modifier?.trim() || undefined;
  if (modifier === undefined) return { realm: request.realm };
  const known = fieldlist.modifiers[modifier];
  if (known === undefined) {
    throw new FairpodError(
      `unknown modifier \`${modifier}\` for \`${request.standard_name}\` (${request.name})${didYouMean(suggest(modifier, Object.keys(fieldlist.modifiers)))}`,
      {
        location: { key: `varlist.${request.name}.modifier` },
        hint: `known modifiers: ${Object.keys(fieldlist.modifiers).join(', ') || 'none'}; define new ones in modifiers.yaml next to the fieldlists`,
      },
    );
  }
  return known.realm === undefined ? { modifier, realm: request.realm } : { realm: known.realm };
}

function rejection(
  variable: FieldlistVariable,
  modifier: string | undefined,
  realm: string | undefined,
): string | undefined {
  if ((variable.modifier ?? undefined) !== modifier) {
    return variable.modifier
      ? `has modifier ${variable.modifier}, request has ${modifier ?? 'none'}`
      : `has no modifier, request has ${modifier}`;
  }
  if (
    realm !== undefined &&
    variable.realm !== undefined &&
    variable.realm.toLowerCase() !== realm.toLowerCase()
  ) {
    return `realm ${variable.realm}, request realm ${realm}`;
  }
  return undefined;
}

/** Whether `variable`'s dimensions and levels fit the request, and how; otherwise why not. */
function matchShape(
  fieldlist: Fieldlist,
  variable: FieldlistVariable,
  request: TranslationRequest,
  ndim: number,
  dimensions: PodDimensions | undefined,
): Match | string {
  const requested = Object.entries(request.scalar_coordinates);
  const fixed = Object.entries(variable.scalar_coordinates);
  if (fixed.length > 0) {
    // A variable stored at fixed levels answers only a request for exactly those levels.
    const levelsText = fixed.map(([c, v]) => `${c}=${v}`).join(', ');
    if (variable.ndim + fixed.length !== ndim || requested.length !== fixed.length)
      return `is ${variable.ndim}-D at ${levelsText}; request is ${describeShape(request)}`;
    for (const [coord, level] of fixed) {
      const asked = requested.find(([name]) => resolveCoordinate(fieldlist, name, dimensions) === coord);
      if (asked === undefined) return `is at ${levelsText}; request has no ${coord} level`;
      const value = levelInCoordinateUnits(fieldlist.coordinates[coord], asked[0], asked[1], dimensions);
      if (value === undefined || Math.abs(value - level) > 1e-9 * Math.max(1, Math.abs(level)))
        return `is at ${levelsText}; request is at ${asked[0]}=${asked[1]}`;
    }
    return { variable, kind: 'slice', name: variable.name, remaining: {} };
  }
  if (variable.ndim !== ndim) return `is ${variable.ndim}-D; request is ${describeShape(request)}`;
  if (requested.length === 1) {
    const [podName, value] = requested[0];
    const coord = resolveCoordinate(fieldlist, podName, dimensions);
    const template = coord === undefined ? undefined : variable.scalar_coord_templates[coord];
    const level =
      coord === undefined
        ? undefined
        : levelInCoordinateUnits(fieldlist.coordinates[coord], podName, value, dimensions);
    // A level that is not a whole number in the naming units has no name of its own (MDTF truncates; we extract).
    if (template !== undefined && level !== undefined && Number.isInteger(Math.round(level * 1e9) / 1e9)) {
      return {
        variable,
        kind: 'template',
        name: template.replace('{value}', String(Math.round(level))),
        remaining: {},
      };
    }
  }
  return { variable, kind: 'whole', name: variable.name, remaining: { ...request.scalar_coordinates } };
}

function describeShape(request: TranslationRequest): string {
  const scalars = Object.entries(request.scalar_coordinates).map(([c, v]) => `${c}=${v}`);
  const dims = request.dimensions.length;
  return scalars.length === 0
    ? `${dims}-D`
    : `${dims}-D at ${scalars.join(', ')} (${dims + scalars.length}-D before the level is taken)`;
}

/** The best kind present (a stored slice beats a templated name beats extracting from the whole), de-duplicated by name. */
function bestMatches(matches: Match[]): Match[] {
  for (const kind of ['slice', 'template', 'whole'] as const) {
    const ofKind = matches.filter((m) => m.kind === kind);
    if (ofKind.length > 0) return ofKind.filter((m, i) => ofKind.findIndex((o) => o.name === m.name) === i);
  }
  return [];
}

/**
 * The convention's coordinate a POD dimension stands for: by standard name when the POD's dimension spec
 * gives one (preferring the same name), else by name.
 */
function resolveCoordinate(
  fieldlist: Fieldlist,
  podName: string,
  dimensions: PodDimensions | undefined,
): string | undefined {
  const standardName = dimensions?.[podName]?.standard_name;
  if (standardName !== undefined) {
    const same = Object.values(fieldlist.coordinates).filter((c) => c.standard_name === standardName);
    if (same.length > 0) return (same.find((c) => c.name === podName) ?? same[0]).name;
  }
  return podName in fieldlist.coordinates ? podName : undefined;
}

/** A POD's level value in the units the convention writes levels in; undefined when the units cannot convert. */
function levelInCoordinateUnits(
  coordinate: FieldlistCoordinate,
  podName: string,
  value: number,
  dimensions: PodDimensions | undefined,
): number | undefined {
  const from = dimensions?.[podName]?.units;
  const to = coordinate.level_units ?? coordinate.units;
  if (from === undefined || to === undefined || from === to) return value;
  try {
    const { scale, offset } = linearConversion(from, to);
    return value * scale + offset;
  } catch {
    return undefined;
  }
}

/** POD dimension (and scalar coordinate) name → native coordinate name, where the fieldlist knows one. */
function nativeCoordinates(
  fieldlist: Fieldlist,
  request: TranslationRequest,
  dimensions: PodDimensions | undefined,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of [...request.dimensions, ...Object.keys(request.scalar_coordinates)]) {
    const native = resolveCoordinate(fieldlist, name, dimensions);
    if (native !== undefined) out[name] = native;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function requestSummary(
  request: TranslationRequest,
  q: { modifier?: string; realm?: string; ndim?: number },
): string {
  const parts = [`modifier ${q.modifier ?? 'none'}`];
  if (q.realm) parts.push(`realm ${q.realm}`);
  parts.push(describeShape(request));
  return parts.join(', ');
}

function noMatch(
  fieldlist: Fieldlist,
  request: TranslationRequest,
  q: { modifier?: string; realm?: string; ndim: number },
  tried: string[],
): FairpodError {
  const where = { key: `varlist.${request.name}` };
  const subject = `no ${fieldlist.convention} variable for standard name \`${request.standard_name}\` (${request.name}; ${requestSummary(request, q)})`;
  if (tried.length === 0) {
    const known = [
      ...new Set(
        fieldlist.variables.flatMap((v) => [v.standard_name ?? [], ...v.alternate_standard_names].flat()),
      ),
    ];
    return new FairpodError(
      `${subject}: the ${fieldlist.convention} fieldlist does not know this standard name${didYouMean(suggest(request.standard_name, known))}`,
      {
        location: where,
        hint: `check the standard name; or add the variable to ${fieldlist.file}; or set \`use_exact_name: true\` in the POD's varlist entry to use \`${request.name}\` as the native name`,
      },
    );
  }
  return new FairpodError(`${subject}; tried: ${tried.join('; ')}`, {
    location: where,
    hint: `check the entry's modifier, realm, dimensions and scalar_coordinates against ${fieldlist.file}, or set \`use_exact_name: true\` to use \`${request.name}\` as the native name`,
  });
}

function ambiguity(fieldlist: Fieldlist, request: TranslationRequest, matches: Match[]): FairpodError {
  const names = matches.map((m) => `${m.name}${m.variable.realm ? ` (${m.variable.realm})` : ''}`).join(', ');
  return new FairpodError(
    `standard name \`${request.standard_name}\` (${request.name}) is ambiguous in ${fieldlist.convention}: ${names} all match`,
    {
      location: { key: `varlist.${request.name}` },
      hint: `give the varlist entry a \`realm\` or \`modifier\` that tells them apart (see ${fieldlist.file}), or \`use_exact_name: true\` with the native name as its key`,
    },
  );
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
