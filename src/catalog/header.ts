/**
 * The JSON header of an ESM collection: parsing with located errors, validation, a default header for a bare CSV,
 * and finding the table the header names when the catalog moved between machines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { ValidationError, ValidationErrors, type Location } from '../core/errors.js';
import type { EsmCatalogHeader } from './types.js';

/** The esmcat version fairpod writes. */
export const ESMCAT_VERSION = '0.1.0';

/** Line (1-based) and column (1-based) of a character offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Reads and validates the JSON header at `file`; every problem is reported with its line and key. */
export function parseHeader(file: string, text: string): EsmCatalogHeader {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || !tree) {
    const e = errors[0];
    throw new ValidationError(`not valid JSON (${e ? printParseErrorCode(e.error) : 'empty file'})`, {
      location: { file, ...(e ? lineColumn(text, e.offset) : {}) },
      hint: 'an ESM catalog header is a JSON object; fix the syntax at this position',
    });
  }
  const at = (keyPath: (string | number)[]): Location => {
    const node: Node | undefined =
      findNodeAtLocation(tree, keyPath) ??
      (keyPath.length ? findNodeAtLocation(tree, keyPath.slice(0, -1)) : tree);
    return { file, ...(node ? lineColumn(text, node.offset) : {}), key: keyPath.join('.') || undefined };
  };
  const header = JSON.parse(text) as unknown;
  const problems: ValidationError[] = [];
  const problem = (keyPath: (string | number)[], message: string, hint: string): void => {
    problems.push(new ValidationError(message, { location: at(keyPath), hint }));
  };
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new ValidationError('the header is not a JSON object', {
      location: { file, line: 1 },
      hint: 'write the header as {"esmcat_version": ..., ...}',
    });
  }
  const h = header as Record<string, unknown>;
  if (typeof h.esmcat_version !== 'string') {
    problem(
      ['esmcat_version'],
      'esmcat_version is missing or not a string',
      `add "esmcat_version": "${ESMCAT_VERSION}"`,
    );
  }
  if (!Array.isArray(h.attributes)) {
    problem(
      ['attributes'],
      'attributes is missing or not a list',
      'add "attributes": [{"column_name": "..."}, ...] naming the searchable columns',
    );
  } else {
    h.attributes.forEach((a: unknown, i) => {
      if (
        typeof a !== 'object' ||
        a === null ||
        typeof (a as Record<string, unknown>).column_name !== 'string'
      ) {
        problem(
          ['attributes', i],
          'an attribute has no column_name',
          'write each attribute as {"column_name": "...", "vocabulary": ""}',
        );
      }
    });
  }
  const assets = h.assets as Record<string, unknown> | undefined;
  if (typeof assets !== 'object' || assets === null || typeof assets.column_name !== 'string') {
    problem(
      ['assets'],
      'assets.column_name is missing',
      'add "assets": {"column_name": "path", "format": "netcdf"}',
    );
  } else if (typeof assets.format !== 'string' && typeof assets.format_column_name !== 'string') {
    problem(
      ['assets'],
      'assets has neither format nor format_column_name',
      'add "format": "netcdf" (or "format_column_name": a column holding each row\'s format)',
    );
  }
  const control = h.aggregation_control as Record<string, unknown> | undefined;
  if (control !== undefined) {
    if (
      typeof control !== 'object' ||
      control === null ||
      typeof control.variable_column_name !== 'string' ||
      !Array.isArray(control.groupby_attrs) ||
      !Array.isArray(control.aggregations)
    ) {
      problem(
        ['aggregation_control'],
        'aggregation_control needs variable_column_name, groupby_attrs and aggregations',
        'complete aggregation_control or remove it',
      );
    }
  }
  if (h.catalog_file === undefined && h.catalog_dict === undefined) {
    problem(
      [],
      'the header has neither catalog_file nor catalog_dict',
      'add "catalog_file": "<table>.csv" (relative to this file) or an inline "catalog_dict": [...]',
    );
  } else if (h.catalog_file !== undefined && typeof h.catalog_file !== 'string') {
    problem(
      ['catalog_file'],
      'catalog_file is not a string',
      'write catalog_file as a path or file: URL of the CSV table',
    );
  } else if (h.catalog_dict !== undefined && !Array.isArray(h.catalog_dict)) {
    problem(
      ['catalog_dict'],
      'catalog_dict is not a list of rows',
      'write catalog_dict as [{"column": "value", ...}, ...]',
    );
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ValidationErrors(problems);
  return header as EsmCatalogHeader;
}

/** The header fairpod assumes for a bare CSV table: every column is an attribute, assets in `path`. */
export function defaultHeader(file: string, columns: string[]): EsmCatalogHeader {
  if (!columns.includes('path')) {
    throw new ValidationError('a catalog table without a JSON header needs a "path" column', {
      location: { file, line: 1 },
      hint: 'name the column holding file paths "path", or load the table through an ESM catalog JSON header',
    });
  }
  return {
    esmcat_version: ESMCAT_VERSION,
    id: path.basename(file).replace(/\.csv(\.gz)?$/, ''),
    attributes: columns.filter((c) => c !== 'path').map((column_name) => ({ column_name, vocabulary: '' })),
    assets: { column_name: 'path', format: 'netcdf' },
    catalog_file: path.basename(file),
  };
}

/** Where a header's table was found, and a note when it was not where the header said. */
export interface ResolvedTable {
  file: string;
  note?: string;
}

/**
 * Finds the table a header's `catalog_file` names. The path is relative to the JSON (or absolute, or a `file:` URL).
 * A catalog moved from another machine names a path that does not exist here; then the table is looked for beside
 * the JSON: the same file name, the JSON's own name with `.csv`/`.csv.gz`, or the one file there ending with that name.
 */
export function resolveCatalogFile(jsonPath: string, catalogFile: string): ResolvedTable {
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(catalogFile) && !catalogFile.startsWith('file:')) {
    throw new ValidationError(`catalog_file is a remote URL (${catalogFile})`, {
      location: { file: jsonPath, key: 'catalog_file' },
      hint: 'download the table beside the JSON and pass it with --catalog-file',
    });
  }
  const dir = path.dirname(jsonPath);
  const written = catalogFile.startsWith('file:') ? filePathOfUrl(catalogFile) : catalogFile;
  const stated = path.resolve(dir, written);
  if (fs.existsSync(stated)) return { file: stated };
  const base = path.basename(written);
  const stem = path.basename(jsonPath).replace(/\.json$/i, '');
  const candidates = [path.join(dir, base), path.join(dir, `${stem}.csv`), path.join(dir, `${stem}.csv.gz`)];
  let found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    const endings = fs.readdirSync(dir).filter((name) => name.endsWith(base));
    if (endings.length === 1) found = path.join(dir, endings[0]);
  }
  if (!found) {
    throw new ValidationError(
      `the catalog table ${stated} does not exist, nor does ${base} beside the header`,
      {
        location: { file: jsonPath, key: 'catalog_file' },
        hint: 'put the CSV beside the JSON, fix catalog_file, or pass the table with --catalog-file',
      },
    );
  }
  return {
    file: found,
    note: `${jsonPath}: catalog_file ${catalogFile} does not exist here; using ${found}`,
  };
}

/** `file:/a/b`, `file:///a/b` or `file://host/a/b` → `/a/b`. */
function filePathOfUrl(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url.replace(/^file:(\/\/[^/]*)?/, '');
  }
}
