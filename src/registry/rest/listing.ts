import type { Knex } from 'knex';
import type { Registry } from '../registry.js';
import { HttpError } from './httpError.js';
import { parseBooleanValue } from './writes.js';
import { serializeRows, type Row } from './serialize.js';
import type { FieldSpec, TableSpec } from './tables.js';

/** Page size when the request gives no `page_size`, as in the FAIR registry. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest `page_size` served (a larger one is cut to it): bounds the memory one request takes. */
export const MAX_PAGE_SIZE = 1000;

/** Query parameters that are not filters (the FAIR registry's BaseViewSet.list allows exactly these). */
const CONTROL_PARAMS = new Set(['page_size', 'cursor', 'format', 'ordering']);

/** One page of a listing, as the FAIR registry's cursor pagination answers it. */
export interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Record<string, unknown>[];
}

/**
 * A cursor. Ordered by id (the default, newest first, or `?ordering=id`): the id to continue after
 * (forward) or before (backward), so a cursor stays valid while rows are added and each page is one index
 * range scan. Ordered by another field: the offset of the page.
 */
type Cursor = { direction: 'after' | 'before'; id: number } | { offset: number };

function encodeCursor(c: Cursor): string {
  const text = 'offset' in c ? `o${c.offset}` : `${c.direction === 'after' ? 'a' : 'b'}${c.id}`;
  return Buffer.from(text).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  const m = /^([abo])(\d+)$/.exec(Buffer.from(value, 'base64url').toString('latin1'));
  if (!m) throw HttpError.fields({ cursor: ['Invalid cursor.'] });
  if (m[1] === 'o') return { offset: Number(m[2]) };
  return { direction: m[1] === 'a' ? 'after' : 'before', id: Number(m[2]) };
}

/**
 * `?ordering=a,-b` as column/direction pairs, as Django REST framework's OrderingFilter reads it: terms
 * naming no sortable field are dropped; without any, newest first (`-id`, the FAIR registry's default).
 */
function parseOrdering(spec: TableSpec, value: string | undefined): Array<{ column: string; desc: boolean }> {
  const sortable = new Map(
    spec.fields
      .filter((f) => f.column && f.kind !== 'many' && f.kind !== 'reverse' && !f.lookup)
      .map((f) => [f.name, f.column!]),
  );
  const terms: Array<{ column: string; desc: boolean }> = [];
  for (const raw of (value ?? '').split(',')) {
    const term = raw.trim();
    const column = sortable.get(term.replace(/^-/, ''));
    if (column) terms.push({ column, desc: term.startsWith('-') });
  }
  return terms.length ? terms : [{ column: 'id', desc: true }];
}

/** A SQL LIKE pattern matching `glob` where `*` and `?` are special (LIKE's own `%`, `_` and `\\` are escaped). */
function likePattern(glob: string): string {
  return glob
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
}

/** An SQLite GLOB pattern where `*` and `?` are special (GLOB's `[` is bracketed). */
function sqliteGlobPattern(glob: string): string {
  return glob.replace(/\[/g, '[[]');
}

function parseInteger(field: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw HttpError.fields({ [field]: [`Enter a whole number (got "${value}").`] });
  return Number(value);
}

function parseBoolean(field: string, value: string): boolean {
  const b = parseBooleanValue(value);
  if (b === undefined) throw HttpError.fields({ [field]: [`Enter true or false (got "${value}").`] });
  return b;
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
    case 'reverse': {
      // `object?data_products=<id>`: the rows the given row of the target points at.
      const other = parseInteger(field.name, value);
      query.whereIn(
        `${table}.id`,
        registry.knex(field.target!).select(field.reverse!.column).where('id', other),
      );
      return;
    }
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
      if (field.lookup) {
        const { via, table: other, column } = field.lookup;
        query.whereIn(`${table}.${via}`, registry.knex(other).select('id').where(column, value));
      } else if (field.glob && /[*?]/.test(value)) {
        const column = `${table}.${field.column!}`;
        if (registry.isPostgres) query.whereRaw(`?? LIKE ?`, [column, likePattern(value)]);
        else query.whereRaw(`?? GLOB ?`, [column, sqliteGlobPattern(value)]);
      } else {
        query.where(`${table}.${field.column!}`, value);
      }
  }
}

/** `page_size` as Django REST framework reads it: a missing or unusable value gives the default; a larger one the maximum. */
function pageSize(value: string | undefined): number {
  const n = value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
  return n < 1 ? DEFAULT_PAGE_SIZE : Math.min(n, MAX_PAGE_SIZE);
}

/**
 * One page of `spec`'s rows matching the query's filters, newest first unless `?ordering=` says otherwise.
 * Every field is a filter (reverse relations too: `object?data_products=<id>`); an unknown parameter is a
 * 400 naming it, as in the FAIR registry.
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
    const allowed = [...byName.keys(), ...CONTROL_PARAMS];
    throw new HttpError(400, {
      detail: `Invalid query arguments, only query arguments [${allowed.join(', ')}] are allowed (unknown: ${unknown.join(', ')}).`,
      unknown_parameters: unknown,
      allowed,
    });
  }
  const single = (k: string): string | undefined => {
    const v = query[k];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const limit = pageSize(single('page_size'));
  const cursorText = single('cursor');
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  const ordering = parseOrdering(spec, single('ordering'));
  const byId = ordering[0]!.column === 'id';
  if (cursor && 'offset' in cursor === byId) throw HttpError.fields({ cursor: ['Invalid cursor.'] });

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
  const idColumn = `${spec.name}.id`;
  let rows: Row[];
  let more: boolean;
  let previousCursor: Cursor | undefined;
  let nextCursor: Cursor | undefined;
  if (byId) {
    const desc = ordering[0]!.desc;
    const keyset = cursor && !('offset' in cursor) ? cursor : undefined;
    const backward = keyset?.direction === 'before';
    // Walking backward is walking the other way and turning the page round.
    const walkDesc = backward ? !desc : desc;
    if (keyset) page.where(idColumn, walkDesc ? '<' : '>', keyset.id);
    page.orderBy(idColumn, walkDesc ? 'desc' : 'asc');
    rows = (await page) as Row[];
    more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    if (backward) rows.reverse();
    const first = rows[0]?.id as number | undefined;
    const last = rows[rows.length - 1]?.id as number | undefined;
    const hasNext = backward ? last !== undefined : more;
    const hasPrevious = backward ? more : keyset !== undefined && first !== undefined;
    if (hasNext && last !== undefined) nextCursor = { direction: 'after', id: last };
    if (hasPrevious && first !== undefined) previousCursor = { direction: 'before', id: first };
  } else {
    const offset = cursor && 'offset' in cursor ? cursor.offset : 0;
    for (const o of ordering) page.orderBy(`${spec.name}.${o.column}`, o.desc ? 'desc' : 'asc');
    page.orderBy(idColumn, ordering[0]!.desc ? 'desc' : 'asc').offset(offset);
    rows = (await page) as Row[];
    more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    if (more) nextCursor = { offset: offset + limit };
    if (offset > 0) previousCursor = { offset: Math.max(0, offset - limit) };
  }

  const link = (c: Cursor): string => {
    const url = new URL(selfUrl);
    url.searchParams.set('cursor', encodeCursor(c));
    return url.toString();
  };
  return {
    count: Number(countRow.n),
    next: nextCursor ? link(nextCursor) : null,
    previous: previousCursor ? link(previousCursor) : null,
    results: await serializeRows(registry, spec, rows, base),
  };
}
