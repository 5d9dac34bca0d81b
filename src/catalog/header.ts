/**
 * The JSON header of an ESM collection: parsing with located errors, validation, a default header for a bare CSV,
 * and finding the table the header names when the catalog moved between machines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parseLocatedDocument } from '../settings/locatedDocument.js';
import { addProblem, checkDocument, isPlainObject, say, throwIfErrors } from '../settings/schema.js';

/** The esmcat version fairpod writes. */
export const ESMCAT_VERSION = '0.1.0';

const NO_COLUMN_NAME = [
  'an attribute has no column_name',
  'write each attribute as {"column_name": "...", "vocabulary": ""}',
] as const;
const NO_ASSETS = [
  'assets.column_name is missing',
  'add "assets": {"column_name": "path", "format": "netcdf"}',
] as const;
const INCOMPLETE_CONTROL = [
  'aggregation_control needs variable_column_name, groupby_attrs and aggregations',
  'complete aggregation_control or remove it',
] as const;

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

/** An ESM catalog's `aggregation_control`: how intake-esm combines the files of one dataset. */
export const aggregationControlSchema = z.looseObject(
  {
    variable_column_name: z.string({ error: say(...INCOMPLETE_CONTROL, { up: 1, firstWithin: 1 }) }),
    groupby_attrs: z.array(z.string(), {
      error: say(...INCOMPLETE_CONTROL, { up: 1, firstWithin: 1 }),
    }),
    aggregations: z.array(
      z.looseObject({
        type: z.string(),
        attribute_name: z.string(),
        options: z.record(z.string(), z.unknown()).optional(),
      }),
      { error: say(...INCOMPLETE_CONTROL, { up: 1, firstWithin: 1 }) },
    ),
  },
  { error: say(...INCOMPLETE_CONTROL) },
);

/** An ESM collection spec header (esmcat 0.1.0); other keys are kept as written. */
const esmCatalogHeaderSchema = z
  .looseObject({
    esmcat_version: z.string({
      error: say('esmcat_version is missing or not a string', `add "esmcat_version": "${ESMCAT_VERSION}"`),
    }),
    id: z.string().optional(),
    description: z.string().nullable().optional(),
    title: z.string().nullable().optional(),
    last_updated: z.string().optional(),
    attributes: z.array(
      z.looseObject(
        {
          column_name: z.string({ error: say(...NO_COLUMN_NAME, { up: 1 }) }),
          vocabulary: z.string().optional(),
        },
        { error: say(...NO_COLUMN_NAME) },
      ),
      {
        error: say(
          'attributes is missing or not a list',
          'add "attributes": [{"column_name": "..."}, ...] naming the searchable columns',
        ),
      },
    ),
    assets: z
      .looseObject(
        {
          column_name: z.string({ error: say(...NO_ASSETS, { up: 1 }) }),
          format: z.string().nullable().optional(),
          format_column_name: z.string().nullable().optional(),
        },
        { error: say(...NO_ASSETS) },
      )
      .superRefine((assets, ctx) => {
        if (typeof assets.format !== 'string' && typeof assets.format_column_name !== 'string')
          addProblem(ctx, [], {
            message: 'assets has neither format nor format_column_name',
            hint: 'add "format": "netcdf" (or "format_column_name": a column holding each row\'s format)',
          });
      }),
    aggregation_control: aggregationControlSchema.optional(),
    catalog_file: z
      .string({
        error: say(
          'catalog_file is not a string',
          'write catalog_file as a path or file: URL of the CSV table',
        ),
      })
      .optional(),
    catalog_dict: z
      .array(z.record(z.string(), z.unknown()), {
        error: say(
          'catalog_dict is not a list of rows',
          'write catalog_dict as [{"column": "value", ...}, ...]',
        ),
      })
      .optional(),
  })
  .superRefine(
    (header, ctx) => {
      if (isPlainObject(header) && header.catalog_file === undefined && header.catalog_dict === undefined)
        addProblem(ctx, [], {
          message: 'the header has neither catalog_file nor catalog_dict',
          hint: 'add "catalog_file": "<table>.csv" (relative to this file) or an inline "catalog_dict": [...]',
        });
    },
    { when: () => true },
  );

/** An ESM catalog's JSON header, as `parseHeader` checks it. */
export type EsmCatalogHeader = z.infer<typeof esmCatalogHeaderSchema>;

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
  const document = parseLocatedDocument(text, file, 'jsonc');
  if (!isPlainObject(document.value)) {
    throw new ValidationError('the header is not a JSON object', {
      location: { file, line: 1 },
      hint: 'write the header as {"esmcat_version": ..., ...}',
    });
  }
  const { data, errors: problems } = checkDocument(esmCatalogHeaderSchema, document, {
    formatKey: (keyPath) => keyPath.join('.'),
  });
  throwIfErrors(problems);
  return data!;
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
