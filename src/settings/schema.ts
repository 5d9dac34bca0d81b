/**
 * The one way fairpod checks a user's file: a zod schema, whose issues become located `ValidationError`s
 * (file:line:column found through the document's key paths, the key path, the message and a hint) and
 * warnings. Schemas say what to tell the user with `problem()`, from their `error` maps and refinements.
 *
 * zod reports paths but neither the user's line:column nor "did you mean" for unknown keys; this adapter adds
 * both (hand-written because no zod plugin maps issues onto a YAML/JSONC source).
 */
import { z } from 'zod';
import {
  FairpodError,
  formatLocation,
  ValidationError,
  ValidationErrors,
  type Location,
} from '../core/errors.js';
import { formatKeyPath, type KeyPath, type LocatedDocument } from './locatedDocument.js';
import { didYouMean, suggest } from './suggest.js';

/** What a schema tells the user about one problem. */
export interface Problem {
  message: string;
  /** What to do about it. */
  hint: string;
  /** Locate the key rather than the value (a missing key is always located at its key, or its nearest ancestor). */
  part?: 'key' | 'value';
  /** Report the problem this many levels above where zod found it (e.g. a missing key at the object lacking it). */
  up?: number;
  /** A finding the document still loads with. */
  warning?: boolean;
  /**
   * Report only the first problem inside the value this many levels up: one message per value, as for the
   * first bad item of a list.
   */
  firstWithin?: number;
}

const MARK = '\u0000fairpod-problem:';

// Set while a document is parsed a second time to get its data: its warnings were already collected.
let warningsMuted = false;

/** A `Problem` as the message of a zod issue (from an `error` map, or `ctx.addIssue`); `locateIssues` reads it back. */
export function problem(p: Problem): string {
  return MARK + JSON.stringify(p);
}

/** An `error` map that reports `message` and `hint` (and `more`) whatever zod found. */
export function say(message: string, hint: string, more: Partial<Problem> = {}): () => string {
  return () => problem({ message, hint, ...more });
}

/** Adds a problem at `path` (relative to the value being refined) from a `superRefine`. */
export function addProblem(ctx: z.RefinementCtx, path: KeyPath, p: Problem): void {
  if (p.warning && warningsMuted) return;
  ctx.addIssue({ code: 'custom', path: [...path], message: problem(p) });
}

/** `the string "x"`, `a list`, `the number 5` ...: what was found, for a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number' : 'the value'} ${String(value)}`;
}

/** A parsed object. */
export type Plain = Record<string, unknown>;

/** Is `value` an object (not a list, not null)? */
export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Is `value` a list of strings? */
export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * An object with the keys of `shape`; any other key is reported by `unknownKey` (a warning or an error, as the
 * problem says) and kept in the result. Its keys come in the order they were written, unless `shapeOrder`.
 */
export function section<Shape extends z.ZodRawShape>(
  shape: Shape,
  unknownKey: (key: string, allowed: readonly string[]) => Problem,
  error?: (issue: { input?: unknown }) => string,
  shapeOrder = false,
) {
  const allowed = Object.keys(shape);
  const object = z.looseObject(shape, error ? { error } : undefined).superRefine(
    (value, ctx) => {
      if (!isPlainObject(value)) return;
      for (const key of Object.keys(value)) {
        if (Object.hasOwn(shape, key)) continue;
        addProblem(ctx, [key], { part: 'key', ...unknownKey(key, allowed) });
      }
    },
    { when: () => true },
  );
  if (shapeOrder) return object;
  // zod gives the shape's keys first; keep them in the order the user wrote them.
  return z.unknown().transform((written, ctx) => {
    const parsed = parseWith(ctx, object, written);
    if (parsed === undefined) return z.NEVER;
    const inOrder: Plain = {};
    for (const k of Object.keys(written as Plain)) if (Object.hasOwn(parsed, k)) inOrder[k] = parsed[k];
    return Object.assign(inOrder, parsed) as typeof parsed;
  });
}

/** The warning for an unknown key, with the closest allowed key as a suggestion; `what` names the object. */
export function unknownKeyWarning(what: string): (key: string, allowed: readonly string[]) => Problem {
  return (key, allowed) => {
    const suggestion = suggest(key, allowed);
    return {
      message: `unknown key \`${key}\` in ${what}${didYouMean(suggestion)}`,
      hint: suggestion
        ? `rename it to \`${suggestion}\`, or remove it`
        : `remove it; ${what} may hold: ${allowed.join(', ')}`,
      warning: true,
    };
  };
}

/** A value built in code rather than read from a file: problems in it carry the file and key path, but no line. */
export function unlocatedDocument(value: unknown, file: string): LocatedDocument {
  return { file, format: 'yaml', value, locate: () => undefined, source: () => undefined };
}

/**
 * Parses `value` with `schema` inside another schema's refinement or transform, passing its issues on (at their
 * paths below the value being refined); undefined when it fails.
 */
export function parseWith<S extends z.ZodType>(
  ctx: z.RefinementCtx,
  schema: S,
  value: unknown,
  at: KeyPath = [],
): z.output<S> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    ctx.addIssue({ ...issue, path: [...at, ...issue.path] } as Parameters<typeof ctx.addIssue>[0]);
  return undefined;
}

/** Where `keyPath` is in `document`, falling back to its nearest existing ancestor's key (for missing keys). */
export function locate(
  document: LocatedDocument,
  keyPath: KeyPath,
  part: 'key' | 'value',
  formatKey: (keyPath: KeyPath) => string = formatKeyPath,
): Location {
  const key = formatKey(keyPath) || undefined;
  for (let n = keyPath.length; n >= 0; n--) {
    const position = document.locate(keyPath.slice(0, n), n === keyPath.length ? part : 'key');
    if (position) return { file: document.file, ...position, key };
  }
  return { file: document.file, key };
}

/** What checking a document found: its data when it has no errors, the errors, and the formatted warnings. */
export interface Checked<T> {
  data: T | undefined;
  errors: FairpodError[];
  warnings: string[];
}

/** A problem zod found where no schema said what to tell the user: the type expected and found, or zod's own words. */
function fallback(issue: z.core.$ZodIssue): Problem {
  if (issue.code === 'invalid_type') {
    const expected = /^[aeiou]/.test(issue.expected) ? `an ${issue.expected}` : `a ${issue.expected}`;
    return {
      message: `expected ${expected}, found ${issue.input === undefined ? 'nothing' : describeValue(issue.input)}`,
      hint: `write ${expected} here`,
    };
  }
  return { message: issue.message, hint: 'check this value against the file format' };
}

function byPosition(a: Location, b: Location): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** zod's issues as located errors and warnings, each in the order they appear in the file. */
export function locateIssues(
  document: LocatedDocument,
  issues: readonly z.core.$ZodIssue[],
  formatKey?: (keyPath: KeyPath) => string,
): { errors: FairpodError[]; warnings: string[] } {
  const errors: FairpodError[] = [];
  const warnings: { location: Location; text: string }[] = [];
  const reported = new Set<string>();
  for (const issue of issues) {
    const p: Problem = issue.message.startsWith(MARK)
      ? (JSON.parse(issue.message.slice(MARK.length)) as Problem)
      : fallback(issue);
    const path = issue.path.filter((s) => typeof s !== 'symbol');
    if (p.firstWithin !== undefined) {
      const within = JSON.stringify(path.slice(0, path.length - p.firstWithin));
      if (reported.has(within)) continue;
      reported.add(within);
    }
    const at = p.up ? path.slice(0, path.length - p.up) : path;
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    const location = locate(document, at, missing ? 'key' : (p.part ?? 'value'), formatKey);
    if (p.warning)
      warnings.push({ location, text: `${formatLocation(location)}: ${p.message}\n  hint: ${p.hint}` });
    else errors.push(new ValidationError(p.message, { location, hint: p.hint }));
  }
  return {
    errors: errors.sort((a, b) => byPosition(a.location, b.location)),
    warnings: warnings.sort((a, b) => byPosition(a.location, b.location)).map((w) => w.text),
  };
}

/** How `checkDocument` reads a document. */
export interface CheckOptions {
  /** The part of the document to check (default: all of it). */
  value?: unknown;
  /** How key paths are written in messages (default: `varlist.tas.dimensions[0]`). */
  formatKey?: (keyPath: KeyPath) => string;
}

/**
 * Checks a document against `schema`. When the only findings are warnings, the data is parsed once more with
 * them muted, so a document with unknown keys still loads.
 */
export function checkDocument<S extends z.ZodType>(
  schema: S,
  document: LocatedDocument,
  options: CheckOptions = {},
): Checked<z.output<S>> {
  const { value = document.value, formatKey } = options;
  const first = schema.safeParse(value, { reportInput: true });
  if (first.success) return { data: first.data, errors: [], warnings: [] };
  const { errors, warnings } = locateIssues(document, first.error.issues, formatKey);
  if (errors.length > 0) return { data: undefined, errors, warnings };
  warningsMuted = true;
  try {
    const second = schema.safeParse(value, { reportInput: true });
    if (second.success) return { data: second.data, errors, warnings };
    return { data: undefined, ...locateIssues(document, second.error.issues, formatKey), warnings };
  } finally {
    warningsMuted = false;
  }
}

/** Throws the errors: one as itself, several together as `ValidationErrors`; nothing when there are none. */
export function throwIfErrors(errors: readonly FairpodError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ValidationErrors([...errors]);
}
