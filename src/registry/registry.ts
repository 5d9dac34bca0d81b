import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { FairpodError } from '../core/errors.js';
import { openKnex, parseRegistryTarget, type RegistryTarget } from './connection.js';
import { migrationSource } from './migrations.js';

/** A database row id. */
export type RowId = number;

/** The registry's clock format: ISO 8601 in UTC, which sorts as text on every backend. */
export function isoNow(date: Date = new Date()): string {
  return date.toISOString();
}

/**
 * The local (or a team's) FAIR-style registry: knex over SQLite or PostgreSQL, with the FAIR data
 * registry's tables. Holds the connection and the small get-or-create helpers every writer needs.
 */
export class Registry {
  readonly knex: Knex;
  readonly target: RegistryTarget;

  private constructor(target: RegistryTarget) {
    this.target = target;
    this.knex = openKnex(target);
  }

  /** Opens the registry at `location` (an SQLite path or a `postgres://` URL) and brings its schema up to date. */
  static async open(location: string, options: { migrate?: boolean } = {}): Promise<Registry> {
    const registry = new Registry(parseRegistryTarget(location));
    try {
      if (options.migrate !== false) await registry.migrate();
    } catch (err) {
      await registry.close();
      throw new FairpodError(
        `cannot open the registry at ${redactLocation(location)}: ${(err as Error).message}`,
        {
          cause: err,
          hint: 'check the path or URL (and that the database server is running); `fairpod init` creates a local registry',
        },
      );
    }
    return registry;
  }

  /** True on PostgreSQL. */
  get isPostgres(): boolean {
    return this.target.kind === 'postgres';
  }

  /**
   * Applies pending migrations (concurrent callers are serialised by knex's migration lock). A registry
   * whose applied migrations are exactly this code's is left alone after one read: knex's migrator loads
   * its code, takes its lock and lists its tables on every call, which costs a short command a third of its time.
   */
  async migrate(): Promise<void> {
    if (await this.upToDate()) return;
    if (this.target.kind === 'postgres' && this.target.schema) {
      await this.knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [this.target.schema]);
    }
    await this.knex.migrate.latest({ migrationSource });
  }

  /** True when the applied migrations are exactly this code's (none missing, none unknown). */
  private async upToDate(): Promise<boolean> {
    let applied: string[];
    try {
      applied = (await this.knex('knex_migrations').pluck('name')) as string[];
    } catch {
      return false; // no migrations table yet: a new registry
    }
    const known = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
    return applied.length === known.length && known.every((name) => applied.includes(name));
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.knex.destroy();
  }

  /**
   * Runs `fn` in a write transaction. On SQLite the transaction takes the write lock with its first
   * statement, so a concurrent writer makes it wait (busy timeout) rather than fail mid-way.
   */
  async write<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) => {
      if (!this.isPostgres) await trx('fairpod_write_lock').where({ id: 1 }).increment('n', 1);
      return fn(trx);
    });
  }

  /**
   * Makes concurrent transactions that lock the same `key` run one after another, until `trx` ends: on
   * PostgreSQL with a transaction-scoped advisory lock; on SQLite every write transaction already holds the
   * database's one write lock (see `write`).
   */
  async lockKey(trx: Knex.Transaction, key: string): Promise<void> {
    if (this.isPostgres) await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [key]);
  }

  /** Inserts one row and returns its id. */
  async insert(db: Knex | Knex.Transaction, table: string, row: Record<string, unknown>): Promise<RowId> {
    const [out] = (await db(table).insert(row).returning('id')) as Array<{ id: RowId } | RowId>;
    return typeof out === 'object' ? out!.id : out!;
  }

  /**
   * The id of the row of `table` matching `where`, inserting `where` + `extra` (+ FAIR base fields) if none.
   * When `where` is a unique key (`unique`), a concurrent insert of the same row is ignored, not an error.
   */
  async getOrCreate(
    db: Knex | Knex.Transaction,
    table: string,
    where: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    options: { unique?: boolean } = {},
  ): Promise<RowId> {
    const found = (await db(table).where(where).first('id')) as { id: RowId } | undefined;
    if (found) return found.id;
    const base = table === 'users' ? {} : { last_updated: isoNow() };
    if (!options.unique) return this.insert(db, table, { ...base, ...where, ...extra });
    await db(table)
      .insert({ ...base, ...where, ...extra })
      .onConflict(Object.keys(where))
      .ignore();
    const row = (await db(table).where(where).first('id')) as { id: RowId };
    return row.id;
  }

  /** The id of a storage root (`file:///...` for local directories, any URL for remote ones). */
  async storageRoot(db: Knex | Knex.Transaction, root: string, local: boolean): Promise<RowId> {
    return this.getOrCreate(db, 'storage_root', { root }, { local }, { unique: true });
  }

  /** The id of a namespace, created if new. */
  async namespace(
    db: Knex | Knex.Transaction,
    name: string,
    details: { full_name?: string; website?: string } = {},
  ): Promise<RowId> {
    return this.getOrCreate(db, 'namespace', { name }, details, { unique: true });
  }

  /** The id of a file type named by its extension (`nc`, `csv` ...). */
  async fileType(db: Knex | Knex.Transaction, extension: string): Promise<RowId> {
    return this.getOrCreate(db, 'file_type', { name: extension, extension }, {}, { unique: true });
  }

  /** Creates an object with a `whole_object` component (as FAIR does for every object); returns both ids. */
  async createObject(
    db: Knex | Knex.Transaction,
    fields: { storage_location_id?: RowId | null; file_type_id?: RowId | null; description?: string | null },
  ): Promise<{ objectId: RowId; componentId: RowId }> {
    const now = isoNow();
    const objectId = await this.insert(db, 'object', { ...fields, uuid: randomUUID(), last_updated: now });
    const componentId = await this.insert(db, 'object_component', {
      object_id: objectId,
      name: 'whole_object',
      whole_object: true,
      last_updated: now,
    });
    return { objectId, componentId };
  }
}

/** `location` without a password: for messages and for anything stored (working configs). */
export function redactLocation(location: string): string {
  return location.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
