import { ValidationError } from '../core/errors.js';
import { TOKEN_TABLE, hashToken, migrateRest } from './rest/tokens.js';
import { isoNow, type Registry, type RowId } from './registry.js';

/** One API token as an administrator sees it: never the secret, which only its creator saw once. */
export interface TokenInfo {
  id: RowId;
  user: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Every token of the registry, oldest first. */
export async function listTokens(registry: Registry): Promise<TokenInfo[]> {
  await migrateRest(registry);
  const rows = (await registry
    .knex(`${TOKEN_TABLE} as t`)
    .join('users as u', 't.user_id', 'u.id')
    .orderBy('t.id')
    .select('t.id', 'u.username', 't.created_at', 't.revoked_at')) as Array<{
    id: RowId;
    username: string;
    created_at: string;
    revoked_at: string | null;
  }>;
  return rows.map((r) => ({ id: r.id, user: r.username, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

/** The id of the token with this secret (live or revoked), if the registry has it. */
export async function tokenId(registry: Registry, token: string): Promise<RowId | undefined> {
  await migrateRest(registry);
  const row = (await registry
    .knex(TOKEN_TABLE)
    .where({ token_sha256: hashToken(token) })
    .first('id')) as { id: RowId } | undefined;
  return row?.id;
}

/** Revokes the token with id `id` (as `listTokens` shows it); no secret is needed. */
export async function revokeTokenById(registry: Registry, id: number): Promise<void> {
  await migrateRest(registry);
  const n = await registry
    .knex(TOKEN_TABLE)
    .where({ id })
    .whereNull('revoked_at')
    .update({ revoked_at: isoNow() });
  if (!n) {
    throw new ValidationError(`no active token has id ${id}`, {
      location: { key: '--id' },
      hint: '`fairpod registry token list` shows the ids; the token may already be revoked',
    });
  }
}
