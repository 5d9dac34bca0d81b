/** Writing an ESM catalog: a JSON header plus a CSV (or .csv.gz) table, each through a temporary file and a rename. */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Writable } from 'node:stream';
import zlib from 'node:zlib';
import { formatCsvField, formatListValue } from './csvTable.js';
import { ValidationError } from '../core/errors.js';
import { ESMCAT_VERSION } from './header.js';
import type { CatalogRow, EsmCatalogHeader } from './types.js';

/** Options of `writeEsmCatalog`. */
export interface WriteOptions {
  /** File name of the table, beside the JSON; default: the JSON's name with `.csv` (or `.csv.gz`). */
  csvName?: string;
  /** Gzip the table. */
  gzip?: boolean;
  /** Column order of the table; default: the header's attributes, then the asset column, then other columns of the first row. */
  columns?: string[];
}

/** What was written. */
export interface WrittenCatalog {
  jsonPath: string;
  csvPath: string;
  rows: number;
}

/**
 * Writes `header` to `jsonPath` and `rows` (any iterable, e.g. a crawl's stream) to a CSV beside it.
 * `catalog_file` is set to the table's name (relative, so the pair can move together); `catalog_dict` is dropped.
 * Lists are written as intake-esm writes them (`['a', 'b']`). Nothing is left half-written on failure.
 */
export async function writeEsmCatalog(
  jsonPath: string,
  header: EsmCatalogHeader,
  rows: Iterable<CatalogRow> | AsyncIterable<CatalogRow>,
  options: WriteOptions = {},
): Promise<WrittenCatalog> {
  const json = path.resolve(jsonPath);
  const dir = path.dirname(json);
  const csvName =
    options.csvName ?? `${path.basename(json).replace(/\.json$/i, '')}.csv${options.gzip ? '.gz' : ''}`;
  const csvPath = path.join(dir, csvName);
  const tmpCsv = temporaryName(csvPath);
  const tmpJson = temporaryName(json);
  const gzip = options.gzip ?? csvName.endsWith('.gz');
  let count = 0;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ValidationError(`the directory ${dir} does not exist`, {
      location: { file: json },
      hint: 'create the directory first, or write the catalog elsewhere',
    });
  }
  try {
    const file = fs.createWriteStream(tmpCsv);
    const out: Writable = gzip ? new PassThrough() : file;
    const done = gzip ? pipeline(out as PassThrough, zlib.createGzip(), file) : once(file, 'finish');
    // Awaited after the rows; a write error meanwhile also rejects the pending drain below.
    done.catch(() => undefined);
    const write = async (text: string): Promise<void> => {
      if (!out.write(text)) await Promise.race([once(out, 'drain'), done]);
    };
    let columns = options.columns;
    if (columns) await write(`${columns.map(formatCsvField).join(',')}\n`);
    for await (const row of rows) {
      if (!columns) {
        columns = defaultColumns(header, row);
        await write(`${columns.map(formatCsvField).join(',')}\n`);
      }
      const cells = columns.map((c) => {
        const v = row[c];
        return formatCsvField(Array.isArray(v) ? formatListValue(v) : (v ?? ''));
      });
      await write(`${cells.join(',')}\n`);
      count++;
    }
    if (!columns) {
      columns = defaultColumns(header, {});
      await write(`${columns.map(formatCsvField).join(',')}\n`);
    }
    out.end();
    await done;
    const { catalog_dict: _inline, ...rest } = header;
    void _inline;
    const written: EsmCatalogHeader = {
      ...rest,
      esmcat_version: header.esmcat_version || ESMCAT_VERSION,
      last_updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      catalog_file: csvName,
    };
    fs.writeFileSync(tmpJson, `${JSON.stringify(written, null, 2)}\n`);
    fs.renameSync(tmpCsv, csvPath);
    fs.renameSync(tmpJson, json);
  } catch (err) {
    fs.rmSync(tmpCsv, { force: true });
    fs.rmSync(tmpJson, { force: true });
    throw err;
  }
  return { jsonPath: json, csvPath, rows: count };
}

function defaultColumns(header: EsmCatalogHeader, firstRow: CatalogRow): string[] {
  const columns = header.attributes.map((a) => a.column_name);
  for (const c of [header.assets.column_name, header.assets.format_column_name, ...Object.keys(firstRow)]) {
    if (c && !columns.includes(c)) columns.push(c);
  }
  return columns;
}

/** A name beside `file` that no other writer uses. */
export function temporaryName(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`,
  );
}
