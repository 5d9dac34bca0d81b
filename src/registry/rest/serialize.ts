import type { Registry } from '../registry.js';
import { rowUrl } from './httpError.js';
import type { TableSpec } from './tables.js';

/** A database row as knex returns it. */
export type Row = Record<string, unknown>;

/**
 * Rows as FAIR registry resources: each with its own `url`, relations as URLs, many-to-many fields as
 * lists of URLs (one query per such field for the whole page), booleans as booleans on both backends.
 */
export async function serializeRows(
  registry: Registry,
  spec: TableSpec,
  rows: Row[],
  base: string,
): Promise<Record<string, unknown>[]> {
  const ids = rows.map((r) => r.id as number);
  const links = new Map<string, Map<number, string[]>>();
  for (const field of spec.fields) {
    if (field.kind !== 'many' || !ids.length) continue;
    const { table, self, other } = field.link!;
    const byRow = new Map<number, string[]>();
    const pairs = (await registry.knex(table).select(self, other).whereIn(self, ids).orderBy(other)) as Row[];
    for (const p of pairs) {
      const list = byRow.get(p[self] as number) ?? [];
      list.push(rowUrl(base, field.target!, p[other] as number));
      byRow.set(p[self] as number, list);
    }
    links.set(field.name, byRow);
  }
  // Reverse relations (Django's related names) and values read from a related row: one query per field.
  const values = new Map<string, Map<number, unknown>>();
  for (const field of spec.fields) {
    if (!ids.length) continue;
    if (field.reverse) {
      const column = field.reverse.column;
      const byRow = new Map<number, string[]>();
      const rows2 = (await registry
        .knex(field.target!)
        .select('id', column)
        .whereIn(column, ids)
        .orderBy('id')) as Row[];
      for (const r of rows2) {
        const list = byRow.get(Number(r[column])) ?? [];
        list.push(rowUrl(base, field.target!, Number(r.id)));
        byRow.set(Number(r[column]), list);
      }
      values.set(
        field.name,
        new Map(
          ids.map((id) => [id, field.reverse!.single ? (byRow.get(id)?.[0] ?? null) : (byRow.get(id) ?? [])]),
        ),
      );
    } else if (field.lookup) {
      const { via, table, column } = field.lookup;
      const pairs = (await registry
        .knex(`${spec.name} as s`)
        .join(`${table} as t`, `s.${via}`, 't.id')
        .whereIn('s.id', ids)
        .select('s.id as id', `t.${column} as value`)) as Row[];
      values.set(field.name, new Map(pairs.map((p) => [Number(p.id), p.value])));
    }
  }
  return rows.map((row) => {
    const out: Record<string, unknown> = { url: rowUrl(base, spec.name, row.id as number) };
    for (const field of spec.fields) {
      if (field.kind === 'many') {
        out[field.name] = links.get(field.name)?.get(row.id as number) ?? [];
        continue;
      }
      if (field.reverse || field.lookup) {
        out[field.name] =
          values.get(field.name)?.get(row.id as number) ?? (field.reverse?.single === false ? [] : null);
        continue;
      }
      const value = row[field.column!];
      if (value === null || value === undefined) out[field.name] = null;
      else if (field.kind === 'relation') out[field.name] = rowUrl(base, field.target!, Number(value));
      else if (field.kind === 'bool') out[field.name] = Boolean(value);
      else out[field.name] = value;
    }
    return out;
  });
}
