import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { chunks, rowsWhereIn } from '../batches.js';
import { derivedRunId } from '../codeRun.js';
import { isoNow, type Registry, type RowId } from '../registry.js';
import { HttpError, idFromUrl } from './httpError.js';
import { assertMayWriteNamespace } from './ownership.js';
import type { FieldSpec, TableSpec } from './tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A request body turned into column values and link-table rows. */
interface ParsedBody {
  columns: Record<string, unknown>;
  many: Map<FieldSpec, RowId[]>;
  /** Relations to check for existence: table → ids, with the field to blame. */
  references: Array<{ field: string; table: string; id: RowId }>;
}

function relationId(field: FieldSpec, value: unknown, errors: Record<string, string[]>): RowId | undefined {
  const id = typeof value === 'string' ? idFromUrl(value, field.target!) : undefined;
  if (id === undefined) {
    (errors[field.name] ??= []).push(
      `Invalid hyperlink - expected a URL of a ${field.target} like http://host/api/${field.target}/<id>/.`,
    );
  }
  return id;
}

/** Django REST framework's BooleanField spellings (compared lower-cased). */
const TRUE_VALUES = new Set(['t', 'y', 'yes', 'true', 'on', '1']);
const FALSE_VALUES = new Set(['f', 'n', 'no', 'false', 'off', '0']);

/** A boolean as the FAIR registry accepts it: JSON true/false, 1/0, or a string such as "true" or "False". */
export function parseBooleanValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  return TRUE_VALUES.has(v) ? true : FALSE_VALUES.has(v) ? false : undefined;
}

/** Checks one scalar value against its field kind; returns the value to store. */
function scalar(field: FieldSpec, value: unknown, errors: Record<string, string[]>): unknown {
  const fail = (msg: string): undefined => void (errors[field.name] ??= []).push(msg);
  switch (field.kind) {
    case 'int': {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      return Number.isInteger(n) ? n : fail('A valid integer is required.');
    }
    case 'bool': {
      const b = parseBooleanValue(value);
      return b ?? fail('Must be a valid boolean.');
    }
    case 'uuid':
      return typeof value === 'string' && UUID.test(value)
        ? value.toLowerCase()
        : fail('Must be a valid UUID.');
    case 'date': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
        return fail('Datetime has wrong format. Use ISO 8601, e.g. 2024-01-31T12:00:00Z.');
      }
      return new Date(value).toISOString();
    }
    default:
      if (typeof value !== 'string') return fail('Not a valid string.');
      return field.required && !value.trim() ? fail('This field may not be blank.') : value;
  }
}

/**
 * Validates a POST (`partial` false) or PATCH body against the table: missing required fields, wrong types
 * and malformed relation URLs are collected into one 400; unknown and read-only fields are ignored.
 */
function parseBody(spec: TableSpec, body: unknown, partial: boolean): ParsedBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, { non_field_errors: ['Invalid data. Expected a JSON object.'] });
  }
  const input = body as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const parsed: ParsedBody = { columns: {}, many: new Map(), references: [] };
  // Fields the table does not have, and read-only ones, are ignored, as the FAIR registry (Django REST
  // framework) ignores them: pyDataPipeline posts a code run with `input_urls` and `output_urls`.
  for (const field of spec.fields) {
    if (field.readOnly) continue;
    const value = input[field.name];
    if (value === undefined || value === null) {
      if (value === null && !field.required && field.kind !== 'many') parsed.columns[field.column!] = null;
      else if (!partial && field.required) errors[field.name] = ['This field is required.'];
      else if (value === null) errors[field.name] = ['This field may not be null.'];
      continue;
    }
    if (field.kind === 'many') {
      if (!Array.isArray(value)) {
        errors[field.name] = ['Expected a list of URLs.'];
        continue;
      }
      const ids = value
        .map((v) => relationId(field, v, errors))
        .filter((id): id is RowId => id !== undefined);
      parsed.many.set(field, ids);
      for (const id of ids) parsed.references.push({ field: field.name, table: field.target!, id });
    } else if (field.kind === 'relation') {
      const id = relationId(field, value, errors);
      if (id !== undefined) {
        parsed.columns[field.column!] = id;
        parsed.references.push({ field: field.name, table: field.target!, id });
      }
    } else {
      const v = scalar(field, value, errors);
      if (v !== undefined) parsed.columns[field.column!] = v;
    }
  }
  if (Object.keys(errors).length) throw HttpError.fields(errors);
  return parsed;
}

/** Rows per INSERT of a many-to-many field (a code run's inputs or outputs can number thousands). */
const LINK_ROWS_PER_INSERT = 400;

/** 400 for relations that name rows which do not exist (instead of a foreign-key failure deep in the database). */
async function checkReferences(trx: Knex.Transaction, parsed: ParsedBody): Promise<void> {
  const byTable = new Map<string, Set<RowId>>();
  for (const ref of parsed.references) {
    let ids = byTable.get(ref.table);
    if (!ids) byTable.set(ref.table, (ids = new Set()));
    ids.add(ref.id);
  }
  const missing = new Set<string>();
  // One query per table named, not per relation: a code run refers to thousands of components.
  for (const [table, ids] of byTable) {
    const found = new Set((await rowsWhereIn(trx, table, 'id', [...ids], ['id'])).map((r) => Number(r.id)));
    for (const id of ids) if (!found.has(id)) missing.add(`${table}:${id}`);
  }
  if (!missing.size) return;
  const errors: Record<string, string[]> = {};
  for (const ref of parsed.references) {
    if (missing.has(`${ref.table}:${ref.id}`)) {
      (errors[ref.field] ??= []).push(`Invalid hyperlink - Object does not exist (${ref.table} ${ref.id}).`);
    }
  }
  throw HttpError.fields(errors);
}

/** True for a unique-constraint violation on either backend. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23505' || (e.code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test(e.message ?? ''));
}

/** Sets the many-to-many fields given; `created`: the row is new, so it has no links to replace yet. */
async function writeLinks(
  trx: Knex.Transaction,
  id: RowId,
  many: Map<FieldSpec, RowId[]>,
  created: boolean,
): Promise<void> {
  for (const [field, ids] of many) {
    const { table, self, other } = field.link!;
    if (!created) await trx(table).where(self, id).delete();
    // In chunks: SQLite refuses one INSERT of more than 500 rows ("too many terms in compound SELECT").
    for (const part of chunks([...new Set(ids)], LINK_ROWS_PER_INSERT)) {
      await trx(table).insert(part.map((o) => ({ [self]: id, [other]: o })));
    }
  }
}

/** Runs a write, turning a unique-constraint violation into a 409. */
async function guarded<T>(registry: Registry, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  try {
    return await registry.write(fn);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new HttpError(409, { detail: 'A resource with these unique fields already exists.' });
    }
    throw err;
  }
}

/** True for a foreign-key violation on either backend. */
function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23503' || (e.code === 'SQLITE_CONSTRAINT' && /FOREIGN KEY/.test(e.message ?? ''));
}

/**
 * Inserts one resource from a POST body and returns the stored row. Server-side fields (uuid, run id,
 * last_updated, updated_by) are filled. A row without many-to-many values is one INSERT ... RETURNING (atomic
 * on its own; its relations are checked by the database, and only a violation is looked into for the
 * per-field 400); rows with links are written in a transaction with the relations checked first.
 */
export async function createRow(
  registry: Registry,
  spec: TableSpec,
  body: unknown,
  userId: RowId,
): Promise<Record<string, unknown>> {
  const parsed = parseBody(spec, body, false);
  if (spec.name === 'data_product' && parsed.columns.namespace_id !== undefined) {
    await assertMayWriteNamespace(registry.knex, { id: parsed.columns.namespace_id as RowId }, userId);
  }
  for (const field of spec.fields) {
    if (!field.generated || parsed.columns[field.column!] !== undefined) continue;
    if (field.kind === 'uuid') parsed.columns[field.column!] = randomUUID();
  }
  if (spec.name === 'code_run' && parsed.columns.run_id === undefined) {
    parsed.columns.run_id = derivedRunId(String(parsed.columns.uuid));
  }
  if (spec.tracked) Object.assign(parsed.columns, { last_updated: isoNow(), updated_by: userId });
  const hasLinks = [...parsed.many.values()].some((ids) => ids.length > 0);
  // Every object gets its `whole_object` component, as the FAIR registry's Object.save creates it.
  const isObject = spec.name === 'object';
  if (!hasLinks && !isObject) {
    try {
      const [row] = (await registry.knex(spec.name).insert(parsed.columns).returning('*')) as Array<
        Record<string, unknown>
      >;
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new HttpError(409, { detail: 'A resource with these unique fields already exists.' });
      }
      if (isForeignKeyViolation(err)) await registry.knex.transaction((trx) => checkReferences(trx, parsed));
      throw err;
    }
  }
  const id = await guarded(registry, async (trx) => {
    await checkReferences(trx, parsed);
    const id = await registry.insert(trx, spec.name, parsed.columns);
    await writeLinks(trx, id, parsed.many, true);
    if (isObject) {
      await trx('object_component').insert({
        object_id: id,
        name: 'whole_object',
        whole_object: true,
        last_updated: parsed.columns.last_updated,
        updated_by: userId,
      });
    }
    return id;
  });
  return (await registry.knex(spec.name).where({ id }).first()) as Record<string, unknown>;
}

/**
 * Updates the fields a PATCH body gives (`partial`), or a PUT body, which must give every required field
 * as Django REST framework's full update asks; 404 when the row does not exist.
 */
export async function patchRow(
  registry: Registry,
  spec: TableSpec,
  id: RowId,
  body: unknown,
  userId: RowId,
  partial = true,
): Promise<void> {
  const parsed = parseBody(spec, body, partial);
  if (spec.tracked) Object.assign(parsed.columns, { last_updated: isoNow(), updated_by: userId });
  await guarded(registry, async (trx) => {
    if (!(await trx(spec.name).where({ id }).first('id'))) throw new HttpError(404, { detail: 'Not found.' });
    await checkReferences(trx, parsed);
    if (Object.keys(parsed.columns).length) await trx(spec.name).where({ id }).update(parsed.columns);
    await writeLinks(trx, id, parsed.many, false);
  });
}

/**
 * Ends a code run its client recorded and finalised: the FAIR registry has no run status, so a run a
 * language API opened outside a fairpod session is NOT FINISHED until its `finalise`, then succeeded.
 * A run already ended (by fairpod, or an earlier finalise) keeps its status and time.
 */
export async function finishClientRun(registry: Registry, id: RowId): Promise<void> {
  const now = isoNow();
  await registry.write((trx) =>
    trx('code_run').where({ id, status: 'running' }).update({ status: 'succeeded', finished_at: now }),
  );
}

/**
 * Deletes a code run and its input and output links, as the FAIR registry's CodeRunViewSet destroys one
 * (the many-to-many rows go with it); 404 when it does not exist. What it read and wrote stays: another
 * client may be about to link it, so nothing is pruned here (`fairpod gc` does that on the owner's side).
 */
export async function deleteCodeRunRow(registry: Registry, id: RowId): Promise<void> {
  await registry.write(async (trx) => {
    if (!(await trx('code_run').where({ id }).first('id')))
      throw new HttpError(404, { detail: 'Not found.' });
    await trx('code_run_inputs').where({ code_run_id: id }).delete();
    await trx('code_run_outputs').where({ code_run_id: id }).delete();
    await trx('fairpod_staging').where({ entity: 'code_run', entity_id: id }).delete();
    await trx('code_run').where({ id }).delete();
  });
}
