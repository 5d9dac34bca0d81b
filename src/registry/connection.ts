import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';

/** How long a registry operation waits for another process's write to finish before failing (ms). */
export const BUSY_TIMEOUT_MS = 60_000;

/** A parsed registry location: an SQLite file or a PostgreSQL URL (with an optional `?schema=`). */
export type RegistryTarget =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };

/** `postgres://` / `postgresql://` URLs are PostgreSQL; anything else (a path or `sqlite:` URL) is an SQLite file. */
export function parseRegistryTarget(location: string): RegistryTarget {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const url = new URL(location);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return { kind: 'postgres', url: url.toString(), schema };
  }
  const file = location.startsWith('sqlite:') ? location.replace(/^sqlite:(\/\/)?/, '') : location;
  return { kind: 'sqlite', file: path.resolve(file) };
}

/**
 * Opens a knex connection. SQLite gets WAL (readers never block the writer), a busy timeout (parallel
 * runs wait for each other instead of failing) and enforced foreign keys; PostgreSQL gets its own schema
 * when the URL names one, so several registries (or test suites) can share a database.
 */
export function openKnex(target: RegistryTarget): Knex {
  if (target.kind === 'sqlite') {
    fs.mkdirSync(path.dirname(target.file), { recursive: true });
    return knexFactory({
      client: 'sqlite3',
      connection: { filename: target.file },
      useNullAsDefault: true,
      pool: {
        afterCreate(
          conn: { exec(sql: string, cb: (err: Error | null) => void): void },
          done: (err: Error | null, conn: unknown) => void,
        ) {
          conn.exec(
            `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768;`,
            (err) => done(err, conn),
          );
        },
      },
    });
  }
  return knexFactory({
    client: 'pg',
    connection: target.url,
    searchPath: target.schema ? [target.schema] : undefined,
    pool: { min: 0, max: 4 },
  });
}
