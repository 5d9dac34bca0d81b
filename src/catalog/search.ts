/**
 * intake-esm's search semantics as pure functions, used by the in-memory engine (a parsed table or its index snapshot) and by plugins.
 *
 * - values within a column are ORed, columns are ANDed;
 * - a value holding `* ? ^ $` is a regular expression searched anywhere in the cell (Python's `re.search`, as
 *   intake-esm does), and so is a value written `/.../`; any other value must equal the cell;
 * - a list-valued cell matches when one of its items matches;
 * - `require_all_on` keeps only the groups (rows sharing those columns) that hold every combination of the
 *   other query values;
 * - a time range keeps rows whose period overlaps it; rows without a period (fixed fields) are kept.
 */
import { ValidationError } from '../core/errors.js';
import { parseCatalogDate, parseTimeRange, tryParseCatalogDate, periodsOverlap } from './dates.js';
import type { CatalogQuery, CatalogRow, SearchOptions } from './types.js';

/** Tests one query value against one cell value (a string, or an item of a list-valued cell). */
export type ValueTest = (cell: string) => boolean;

const PATTERN_CHARS = /[*?^$]/;

/** True when intake-esm would treat `value` as a pattern rather than a literal. */
export function isPattern(value: string): boolean {
  return isSlashRegex(value) || PATTERN_CHARS.test(value);
}

function isSlashRegex(value: string): boolean {
  return value.length >= 2 && value.startsWith('/') && value.endsWith('/');
}

/** Compiles one query value of `column` into a test; an invalid pattern is a ValidationError naming the column. */
export function compileValue(column: string, value: string): ValueTest {
  if (!isPattern(value)) return (cell) => cell === value;
  const source = isSlashRegex(value) ? value.slice(1, -1) : value;
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    throw new ValidationError(`'${value}' is not a valid pattern: ${(err as Error).message}`, {
      location: { key: column },
      hint: 'patterns are regular expressions searched in the value (as in intake-esm): use ".*" for "anything", "^tas$" for exactly tas',
    });
  }
  return (cell) => re.test(cell);
}

/** A query with every column's values as a list, empty lists and `undefined` dropped. */
export function normalizeQuery(query: CatalogQuery): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [column, v] of Object.entries(query)) {
    const values = Array.isArray(v) ? v : v === undefined ? [] : [v];
    if (values.length > 0) out[column] = values.map(String);
  }
  return out;
}

/** Throws a located error naming the unknown columns of a query, with the known ones as a hint. */
export function checkColumns(
  columns: string[],
  query: Record<string, unknown>,
  requireAllOn: string[] = [],
): void {
  const unknown = [...Object.keys(query), ...requireAllOn].filter((c) => !columns.includes(c));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown catalog column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      {
        location: { key: unknown[0] },
        hint: `search one of: ${columns.join(', ')}`,
      },
    );
  }
}

/** A test of a whole cell (ORed values; any item of a list cell). */
export function compileColumn(column: string, values: string[]): (cell: string | string[]) => boolean {
  const tests = values.map((v) => compileValue(column, v));
  const one = (s: string): boolean => tests.some((t) => t(s));
  return (cell) => (Array.isArray(cell) ? cell.some(one) : one(cell));
}

/** The columns a catalog's rows carry their period in: start/end columns, or one `time_range` column. */
export interface TimeColumns {
  start?: string;
  end?: string;
  range?: string;
}

/** Finds the period columns among `columns`, or undefined when the catalog has none. */
export function timeColumns(columns: string[]): TimeColumns | undefined {
  const t: TimeColumns = {};
  if (columns.includes('start_time') && columns.includes('end_time'))
    Object.assign(t, { start: 'start_time', end: 'end_time' });
  if (columns.includes('time_range')) t.range = 'time_range';
  return t.start || t.range ? t : undefined;
}

/** A period as sortable keys [first, last] (see dates.ts). */
export type PeriodKeys = [number, number];

/** The period of a row from its start/end cells or, failing those, its time_range cell; undefined when it has none. */
export function periodOf(
  start: string | undefined,
  end: string | undefined,
  range: string | undefined,
): PeriodKeys | undefined {
  if (start && end) {
    const s = tryParseCatalogDate(start);
    const e = tryParseCatalogDate(end);
    if (s && e) return [s.first, e.last];
  }
  if (range) {
    const p = parseTimeRange(range);
    if (p) return [p.start.first, p.end.last];
  }
  return undefined;
}

/** The period a search asks for, as sortable keys; a bad date is a ValidationError. */
export function queryPeriod(range: NonNullable<SearchOptions['timeRange']>): PeriodKeys {
  try {
    const first = parseCatalogDate(range.start).first;
    const last = parseCatalogDate(range.end).last;
    if (first > last)
      throw new ValidationError(`time range ${range.start}..${range.end} ends before it starts`, {
        hint: 'swap start and end',
      });
    return [first, last];
  } catch (err) {
    if (err instanceof ValidationError)
      throw new ValidationError(err.message, { location: { key: 'timeRange' }, hint: err.hint });
    throw err;
  }
}

/** Stable key of a cell for grouping. */
function cellKey(cell: string | string[] | undefined): string {
  return Array.isArray(cell) ? JSON.stringify(cell) : (cell ?? '');
}

/**
 * intake-esm's `require_all_on`: groups `rows` by `requireAllOn` and keeps a group only when, for every
 * combination of the query's values in the other columns, some row of the group matches that combination.
 */
export function applyRequireAllOn(
  rows: CatalogRow[],
  query: Record<string, string[]>,
  requireAllOn: string[],
): CatalogRow[] {
  if (requireAllOn.length === 0) return rows;
  const axes = Object.entries(query)
    .filter(([column]) => !requireAllOn.includes(column))
    .map(([column, values]) => values.map((v) => ({ column, test: compileColumn(column, [v]) })));
  const combinations = axes.reduce<{ column: string; test: (c: string | string[]) => boolean }[][]>(
    (acc, axis) => acc.flatMap((combo) => axis.map((v) => [...combo, v])),
    [[]],
  );
  const groups = new Map<string, CatalogRow[]>();
  for (const row of rows) {
    const key = requireAllOn.map((c) => cellKey(row[c])).join('\u0000');
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const kept: CatalogRow[] = [];
  for (const group of groups.values()) {
    const complete = combinations.every((combo) =>
      group.some((row) => combo.every(({ column, test }) => test(row[column] ?? ''))),
    );
    if (complete) kept.push(...group);
  }
  return kept;
}

/**
 * Searches rows held as objects: the reference implementation of the semantics above (intake-esm's `_search`).
 * Unknown columns are a ValidationError.
 */
export function searchRows(
  rows: CatalogRow[],
  columns: string[],
  query: CatalogQuery,
  options: SearchOptions = {},
): CatalogRow[] {
  const q = normalizeQuery(query);
  checkColumns(columns, q, options.requireAllOn);
  const tests = Object.entries(q).map(([column, values]) => [column, compileColumn(column, values)] as const);
  const period = options.timeRange ? queryPeriod(options.timeRange) : undefined;
  const tc = period ? timeColumns(columns) : undefined;
  const str = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? undefined : v);
  const matched = rows.filter((row) => {
    if (!tests.every(([column, test]) => test(row[column] ?? ''))) return false;
    if (!period || !tc) return true;
    const p = periodOf(str(row[tc.start ?? '']), str(row[tc.end ?? '']), str(row[tc.range ?? '']));
    return !p || periodsOverlap(p[0], p[1], period[0], period[1]);
  });
  return applyRequireAllOn(matched, q, options.requireAllOn ?? []);
}
