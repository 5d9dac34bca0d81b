import type { Knex } from 'knex';

/** Ids per `IN (...)` list: below the bound-parameter limit of every SQLite build and of PostgreSQL. */
export const IDS_PER_STATEMENT = 500;

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The rows of `table` whose `column` is one of `values` (duplicates read once), `IDS_PER_STATEMENT` at a time. */
export async function rowsWhereIn(
  db: Knex | Knex.Transaction,
  table: string,
  column: string,
  values: readonly unknown[],
  columns: string[] = ['*'],
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const part of chunks([...new Set(values)], IDS_PER_STATEMENT)) {
    out.push(
      ...((await db(table)
        .whereIn(column, part as Knex.Value[])
        .select(columns)) as Record<string, unknown>[]),
    );
  }
  return out;
}
