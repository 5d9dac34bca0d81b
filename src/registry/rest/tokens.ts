import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { ValidationError } from '../../core/errors.js';
import { isoNow, type Registry, type RowId } from '../registry.js';

/** The table of API tokens: only SHA-256 digests are stored, so a copy of the database reveals no token. */
export const TOKEN_TABLE = 'fairpod_api_token';

/** A token as users type it: 40 lowercase hex characters (FAIR registry / Django REST framework style). */
export const TOKEN_PATTERN = /^[0-9a-f]{40}$/;

interface RestMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const tokenTable: RestMigration = {
  name: 'rest_001_api_token',
  async up(knex) {
    await knex.schema.createTable(TOKEN_TABLE, (t) => {
      t.increments('id').primary();
      t.string('token_sha256', 64).notNullable().unique();
      t.integer('user_id').notNullable().references('id').inTable('users');
      t.string('created_at', 32).notNullable();
      t.string('revoked_at', 32);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(TOKEN_TABLE);
  },
};

const REST_MIGRATIONS: readonly RestMigration[] = [tokenTable];

/**
 * Creates the REST server's own tables. They are tracked in a separate knex migrations table, so the
 * registry's migration list stays exactly its own (knex refuses a list missing an applied migration).
 */
export async function migrateRest(registry: Registry): Promise<void> {
  await registry.knex.migrate.latest({
    tableName: 'fairpod_rest_migrations',
    migrationSource: {
      getMigrations: async () => [...REST_MIGRATIONS],
      getMigrationName: (m: RestMigration) => m.name,
      getMigration: async (m: RestMigration) => m,
    },
  });
}

/** SHA-256 hex digest of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token for `username` (the user is created if new) and returns it: the only time it is seen. */
export async function createToken(registry: Registry, username: string): Promise<string> {
  await migrateRest(registry);
  const token = randomBytes(20).toString('hex');
  await registry.write(async (trx) => {
    const userId = await registry.getOrCreate(trx, 'users', { username });
    await trx(TOKEN_TABLE).insert({ token_sha256: hashToken(token), user_id: userId, created_at: isoNow() });
  });
  return token;
}

/** Revokes a token; fails with a hint when it is malformed or unknown (or already revoked). */
export async function revokeToken(registry: Registry, token: string): Promise<void> {
  if (!TOKEN_PATTERN.test(token)) {
    throw new ValidationError('a token is 40 lowercase hexadecimal characters', {
      hint: 'pass the token exactly as `fairpod registry token create` printed it',
    });
  }
  await migrateRest(registry);
  const n = await registry
    .knex(TOKEN_TABLE)
    .where({ token_sha256: hashToken(token) })
    .whereNull('revoked_at')
    .update({ revoked_at: isoNow() });
  if (!n) {
    throw new ValidationError('no active token matches', {
      hint: 'check the registry (--db) the token was created in; it may already be revoked',
    });
  }
}

/** The user id a live token belongs to, or undefined. */
export async function tokenUser(registry: Registry, token: string): Promise<RowId | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const row = (await registry
    .knex(TOKEN_TABLE)
    .where({ token_sha256: hashToken(token) })
    .whereNull('revoked_at')
    .first('user_id')) as { user_id: RowId } | undefined;
  return row?.user_id;
}

/** Deletes a token (a session's, when the session ends): it no longer authenticates and leaves no row. */
export async function removeToken(registry: Registry, token: string): Promise<void> {
  await registry
    .knex(TOKEN_TABLE)
    .where({ token_sha256: hashToken(token) })
    .delete();
}
