/** Loading an ESM catalog (JSON header + CSV table, inline rows, or a bare CSV) into a searchable EsmCatalog. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../core/errors.js';
import { buildIndex, IndexedCatalog, openIndex, statTable } from './catalogIndex.js';
import { columnTableOfRows, type ColumnTable } from './columnTable.js';
import { defaultHeader, parseHeader, resolveCatalogFile } from './header.js';
import { MemoryCatalog } from './memoryCatalog.js';
import { readAndParseTable } from './tableReader.js';
import type { EsmCatalog, EsmCatalogHeader } from './types.js';

/** Options of `loadEsmCatalog`. */
export interface LoadOptions {
  /** A CSV (or .csv.gz) table to use instead of the one the header names (`--catalog-file`). */
  catalogFile?: string;
  /** Use (and build when missing or stale) the index of the table (see catalogIndex.ts); default true. */
  index?: boolean;
}

/** A loaded catalog, with the notes its loading produced (e.g. a table found beside the JSON instead of where the header said). */
export interface LoadedEsmCatalog extends EsmCatalog {
  /** Things the user may want to know that are not errors; the CLI prints them on stderr. */
  readonly notes: string[];
}

const TABLE_SUFFIX = /\.csv(\.gz)?$/i;

/**
 * Loads an ESM catalog. `file` is a JSON header (its table named by `catalog_file`, relative to the JSON, or given
 * inline as `catalog_dict`) or a bare CSV/.csv.gz table (then every column is an attribute and assets are in `path`).
 * A malformed header or row is a ValidationError located at its file, line and key.
 */
export async function loadEsmCatalog(file: string, options: LoadOptions = {}): Promise<LoadedEsmCatalog> {
  const source = path.resolve(file);
  const notes: string[] = [];
  const bare = TABLE_SUFFIX.test(source);
  let header: EsmCatalogHeader | undefined;
  const headerPath = source;
  if (!bare) header = parseHeader(source, await readText(source));

  let tableFile: string | undefined;
  if (options.catalogFile !== undefined) {
    tableFile = path.resolve(options.catalogFile);
    await readable(tableFile, '--catalog-file');
  } else if (bare) {
    tableFile = source;
    await readable(tableFile);
  } else if (header?.catalog_file !== undefined) {
    const resolved = resolveCatalogFile(source, header.catalog_file);
    tableFile = resolved.file;
    if (resolved.note) notes.push(resolved.note);
  }

  const useIndex = options.index !== false && tableFile !== undefined;
  if (useIndex) {
    const found = await openIndex(tableFile!);
    if (found) {
      header ??= defaultHeader(source, found.columns);
      checkHeaderAgainstTable(header, headerPath, found.columns, tableFile, notes);
      return new IndexedCatalog(source, header, found, notes);
    }
  }

  let table: ColumnTable;
  let read: { stat: ReturnType<typeof statTable>; sha1: string | undefined } | undefined;
  if (tableFile !== undefined) {
    // The stat is taken before the read, so that the index never records a newer mtime than the bytes it holds.
    const stat = statTable(tableFile);
    const parsed = await readAndParseTable(tableFile, { hash: useIndex });
    table = parsed.table;
    read = { stat, sha1: parsed.sha1 };
  } else {
    table = columnTableOfRows((header?.catalog_dict ?? []) as Record<string, unknown>[]);
  }
  header ??= defaultHeader(source, table.columns);
  checkHeaderAgainstTable(header, headerPath, table.columns, tableFile, notes);
  if (useIndex && read && read.sha1 === undefined)
    notes.push(`${tableFile}: changed while it was read; no index written, the next load reads it again`);
  else if (useIndex && read) {
    // The table is already in memory, so this load answers from memory; the index serves the next loads.
    try {
      buildIndex(tableFile!, read.stat, read.sha1!, table);
    } catch (err) {
      notes.push(
        `${tableFile}: no index written, searches read the table each time (${(err as Error).message})`,
      );
    }
  }
  return new MemoryCatalog(source, header, table, notes);
}

/** The asset column must exist in the table; attributes the table lacks are noted, as intake-esm tolerates them. */
export function checkHeaderAgainstTable(
  header: EsmCatalogHeader,
  headerPath: string,
  columns: string[],
  tableFile: string | undefined,
  notes: string[],
): void {
  const asset = header.assets.column_name;
  if (!columns.includes(asset)) {
    throw new ValidationError(`the table has no column '${asset}' (assets.column_name)`, {
      location: {
        file: tableFile ?? headerPath,
        line: tableFile ? 1 : undefined,
        key: tableFile ? undefined : 'assets.column_name',
      },
      hint: `set assets.column_name to the column holding file paths; the table has: ${columns.join(', ')}`,
    });
  }
  const format = header.assets.format_column_name;
  if (format && !columns.includes(format)) {
    throw new ValidationError(`the table has no column '${format}' (assets.format_column_name)`, {
      location: { file: headerPath, key: 'assets.format_column_name' },
      hint: 'name an existing column, or use "format" for one format for every row',
    });
  }
  const missing = header.attributes.map((a) => a.column_name).filter((c) => !columns.includes(c));
  if (missing.length > 0)
    notes.push(`${headerPath}: attributes not in the table are ignored: ${missing.join(', ')}`);
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError(
      `cannot read the catalog: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        location: { file },
        hint: 'pass the path of an ESM catalog JSON header or of a CSV table',
        cause: err,
      },
    );
  }
}

async function readable(file: string, key?: string): Promise<void> {
  try {
    await fs.access(file);
  } catch (err) {
    throw new ValidationError(`the catalog table ${file} does not exist or cannot be read`, {
      location: { file, key },
      hint: 'check the path',
      cause: err,
    });
  }
}
