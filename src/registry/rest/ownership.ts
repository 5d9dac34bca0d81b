import type { Knex } from 'knex';
import type { RowId } from '../registry.js';
import { HttpError, idFromUrl } from './httpError.js';

/**
 * Who may change what, on top of the token check: a token holder changes only rows its user wrote (the
 * FAIR registry's per-user objects), writes data products and data files only into namespaces its user owns
 * (or new ones), and a published data product keeps its identity (name, version, namespace, object).
 */

/** A data product's fields that make it the version it is; a new version is a new POST. */
const IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
  data_product: ['name', 'version', 'namespace', 'object'],
};

/** 403 unless the row was written by `userId` (its `updated_by`); 404 when there is no such row. */
export async function assertOwnsRow(trx: Knex, table: string, id: RowId, userId: RowId): Promise<void> {
  const row = (await trx(table).where({ id }).first('updated_by')) as
    { updated_by: RowId | null } | undefined;
  if (!row) throw new HttpError(404, { detail: 'Not found.' });
  if (row.updated_by === null || Number(row.updated_by) !== Number(userId)) {
    throw new HttpError(403, {
      detail: `This ${table} belongs to another user; only its owner may change it.`,
    });
  }
}

/**
 * 400 naming each identity field of a published data product a PATCH or PUT body tries to change. With the
 * row as it is (`current`), a field given with its present value is no change: a PUT, a full update, has to
 * repeat the identity it keeps.
 */
export function assertKeepsIdentity(table: string, body: unknown, current?: Record<string, unknown>): void {
  const fields = IMMUTABLE[table];
  if (!fields || typeof body !== 'object' || body === null) return;
  const given = body as Record<string, unknown>;
  const same = (f: string): boolean => {
    if (!current) return false;
    if (`${f}_id` in current) return idFromUrl(String(given[f]), f) === Number(current[`${f}_id`]);
    return String(given[f]) === String(current[f]);
  };
  const changed = fields.filter((f) => f in given && !same(f));
  if (changed.length) {
    throw new HttpError(
      400,
      Object.fromEntries(
        changed.map((f) => [f, [`A published ${table} keeps its ${f}; post a new version instead.`]]),
      ),
    );
  }
}

/** 403 when the namespace named `name` exists and another user created it. */
export async function assertMayWriteNamespace(
  knex: Knex,
  namespace: { id?: RowId; name?: string },
  userId: RowId,
): Promise<void> {
  const row = (await knex('namespace')
    .where(namespace.id !== undefined ? { id: namespace.id } : { name: namespace.name })
    .first('name', 'updated_by')) as { name: string; updated_by: RowId | null } | undefined;
  if (!row || row.updated_by === null || Number(row.updated_by) === Number(userId)) return;
  throw new HttpError(403, {
    detail: `Namespace ${row.name} belongs to another user; write into a namespace of your own.`,
  });
}
