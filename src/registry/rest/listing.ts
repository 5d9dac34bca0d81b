import type { Knex } from 'knex';
import type { Registry } from '../registry.js';
import { HttpError } from './httpError.js';
import { serializeRows, type Row } from './serialize.js';
import type { FieldSpec, TableSpec } from './tables.js';

/** Page size when the request gives no `limit`, as in the FAIR registry. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest `limit` accepted: bounds the memory one request takes. */
export const MAX_PAGE_SIZE = 1000;

/** Query parameters that are not filters. */
const CONTROL_PARAMS = new Set(['limit', 'cursor', 'format']);

/** One page of a listing, as the FAIR registry's cursor pagination answers it. */
export interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Record<string, unknown>[];
}

/**
 * A cursor: the id to continue after (forward) or before (backward). Ids are the order of every listing,
 * so a cursor stays valid while rows are added, and each page is one index range scan.
 */
interface Cursor {
  direction: 'after' | 'before';
  id: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.direction === 'after' ? 'a' : 'b'}${c.id}`).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  const m = /^([ab])(\d+)$/.exec(Buffer.from(value, 'base64url').toString('latin1'));
  if (!m) throw HttpError.fields({ cursor: ['Invalid cursor.'] });
  return { direction: m[1] === 'a' ? 'after' : 'before', id: Number(m[2]) };
}

/** A SQL LIKE pattern matching `glob` where only `*` is special (LIKE's own `%`, `_` and `\` are escaped). */
function likePattern(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

/** An SQLite GLOB pattern where only `*` is special (GLOB's `?` and `[` are bracketed). */
function sqliteGlobPattern(glob: string): string {
  return glob.replace(/[?[]/g, (c) => `[${c}]`);
}

function parseInteger(field: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw HttpError.fields({ [field]: [`Enter a whole number (got "${value}").`] });
  return Number(value);
}

function parseBoolean(field: string, value: string): boolean {
  const v = value.toLowerCase();
  if (['true', '1'].includes(v)) return true;
  if (['false', '0'].includes(v)) return false;
  throw HttpError.fields({ [field]: [`Enter true or false (got "${value}").`] });
}

/** Adds the `WHERE` for one filter. Globs are case-sensitive on both backends (LIKE on PostgreSQL, GLOB on SQLite). */
function applyFilter(
  query: Knex.QueryBuilder,
  registry: Registry,
  field: FieldSpec,
  value: string,
  table: string,
): void {
  switch (field.kind) {
    case 'int':
    case 'relation':
      query.where(`${table}.${field.column!}`, parseInteger(field.name, value));
      return;
    case 'bool':
      query.where(`${table}.${field.column!}`, parseBoolean(field.name, value));
      return;
    case 'many': {
      const link = field.link!;
      const other = parseInteger(field.name, value);
      query.whereIn(`${table}.id`, registry.knex(link.table).select(link.self).where(link.other, other));
      return;
    }
    case 'date': {
      // Dates are stored normalised (ISO 8601, UTC, milliseconds); a filter in any ISO form matches.
      const time = Date.parse(value);
      if (Number.isNaN(time))
        throw HttpError.fields({ [field.name]: [`Enter a valid date-time (got "${value}").`] });
      query.where(`${table}.${field.column!}`, new Date(time).toISOString());
      return;
    }
    case 'uuid':
      query.where(`${table}.${field.column!}`, value.toLowerCase());
      return;
    default:
      if (field.glob && value.includes('*')) {
        const column = `${table}.${field.column!}`;
        if (registry.isPostgres) query.whereRaw(`?? LIKE ?`, [column, likePattern(value)]);
        else query.whereRaw(`?? GLOB ?`, [column, sqliteGlobPattern(value)]);
      } else {
        query.where(`${table}.${field.column!}`, value);
      }
  }
}

/**
 * One page of `spec`'s rows matching the query's filters. Every field is a filter; an unknown parameter is a
 * 400 naming it (FAIR silently ignores them, which turns a typo into "everything").
 */
export async function listPage(
  registry: Registry,
  spec: TableSpec,
  query: Record<string, string | string[] | undefined>,
  base: string,
  selfUrl: string,
): Promise<Page> {
  const byName = new Map(spec.fields.map((f) => [f.name, f]));
  const unknown = Object.keys(query).filter((k) => !byName.has(k) && !CONTROL_PARAMS.has(k));
  if (unknown.length) {
    throw new HttpError(400, {
      detail: `Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`,
      unknown_parameters: unknown,
      allowed: [...byName.keys()],
    });
  }
  const single = (k: string): string | undefined => {
    const v = query[k];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const limitText = single('limit');
  const limit = limitText === undefined ? DEFAULT_PAGE_SIZE : parseInteger('limit', limitText);
  if (limit < 1 || limit > MAX_PAGE_SIZE)
    throw HttpError.fields({ limit: [`Between 1 and ${MAX_PAGE_SIZE}.`] });
  const cursorText = single('cursor');
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;

  const filtered = registry.knex(spec.name);
  for (const [key, raw] of Object.entries(query)) {
    const field = byName.get(key);
    if (!field || raw === undefined) continue;
    for (const value of Array.isArray(raw) ? raw : [raw])
      applyFilter(filtered, registry, field, value, spec.name);
  }

  const countRow = (await filtered.clone().count({ n: '*' }).first()) as { n: number | string };
  const page = filtered
    .clone()
    .select(`${spec.name}.*`)
    .limit(limit + 1);
  if (cursor?.direction === 'before')
    page.where(`${spec.name}.id`, '<', cursor.id).orderBy(`${spec.name}.id`, 'desc');
  else {
    if (cursor) page.where(`${spec.name}.id`, '>', cursor.id);
    page.orderBy(`${spec.name}.id`, 'asc');
  }
  let rows = (await page) as Row[];
  const more = rows.length > limit;
  if (more) rows = rows.slice(0, limit);
  if (cursor?.direction === 'before') rows.reverse();

  const link = (c: Cursor): string => {
    const url = new URL(selfUrl);
    url.searchParams.set('cursor', encodeCursor(c));
    return url.toString();
  };
  const first = rows[0]?.id as number | undefined;
  const last = rows[rows.length - 1]?.id as number | undefined;
  const backward = cursor?.direction === 'before';
  const hasNext = backward ? last !== undefined : more;
  const hasPrevious = backward ? more : cursor !== undefined && first !== undefined;
  return {
    count: Number(countRow.n),
    next: hasNext && last !== undefined ? link({ direction: 'after', id: last }) : null,
    previous: hasPrevious && first !== undefined ? link({ direction: 'before', id: first }) : null,
    results: await serializeRows(registry, spec, rows, base),
  };
}
