/**
 * DRS templates: how a directory tree names its files, written as data (`catalogs/templates/*.yaml`).
 *
 * A template's `pattern` is a path relative to the crawled directory with `<field>` placeholders and `[...]`
 * optional parts. A field named twice must hold the same text both times. A field whose name starts with `_`
 * must match but is no column (for parts of names data centres do not write alike). The fields `start` and
 * `end` are the file's period (yyyy, yyyymm, yyyymmdd, yyyymmddhh[mm]); they become the `start_time`, `end_time`
 * and `time_range` columns. A user adds a layout by writing one more file, or passes a template file by path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parseLocatedDocument, type LocatedDocument } from '../settings/locatedDocument.js';
import { checkDocument, locate, say, throwIfErrors, unlocatedDocument } from '../settings/schema.js';
import { formatCatalogDate, tryParseCatalogDate } from './dates.js';
import { aggregationControlSchema, ESMCAT_VERSION } from './header.js';
import { listTemplates, TEMPLATES_DIR } from './templateNames.js';
import type { CatalogRow, EsmCatalogHeader } from './types.js';

export { listTemplates, TEMPLATES_DIR };

const NO_PATTERN = ['the template has no pattern', 'add "pattern: <field>/<field>/<field>.nc"'] as const;

/** The schema of a DRS template file. */
const drsTemplateSpecSchema = z.looseObject({
  name: z
    .string({ error: say('the template has no name', 'add "name: <short-name>"') })
    .min(1, { error: say('the template has no name', 'add "name: <short-name>"') }),
  description: z.string().optional(),
  pattern: z.string({ error: say(...NO_PATTERN) }).min(1, { error: say(...NO_PATTERN) }),
  /** Regular expressions of fields; default: any text without `/` (dates: 4 to 14 digits). */
  fields: z.record(z.string(), z.string()).optional(),
  format: z.string().optional(),
  aggregation_control: aggregationControlSchema.optional(),
});

/** A DRS template as written in its YAML file. */
export type DrsTemplateSpec = z.infer<typeof drsTemplateSpecSchema>;

/** A compiled template. */
export interface DrsTemplate {
  spec: DrsTemplateSpec;
  /** Where it was read from. */
  file?: string;
  /** Output columns in order: the fields, then the period columns (when the pattern has them), then `path`. */
  columns: string[];
  /** Matches a path relative to the crawled directory (with `/` separators). */
  regex: RegExp;
  /** The same with every repeated field free (groups `<name>__<n>`), to tell why a file did not match. */
  loose: RegExp;
  /** Fewest and most directory levels a matching path has. */
  depth: [number, number];
}

const TIME_COLUMNS = ['start_time', 'end_time', 'time_range'];
const PLACEHOLDER = /<([A-Za-z_][A-Za-z0-9_]*)>/g;

/**
 * Checks and compiles a template as written (`document`, when it was read from a file, locates problems by line);
 * a bad template is a ValidationError located at `file` and the key.
 */
export function compileTemplate(
  written: unknown,
  file?: string,
  document: LocatedDocument = unlocatedDocument(written, file ?? ''),
): DrsTemplate {
  const { data, errors } = checkDocument(drsTemplateSpecSchema, document, { value: written });
  throwIfErrors(errors);
  const spec = data!;
  const fail = (key: string, message: string, hint: string): never => {
    throw new ValidationError(message, {
      location: { ...locate(document, key.split('.'), 'value'), key },
      hint,
    });
  };
  const fields = spec.fields ?? {};
  const seen: string[] = [];
  let source = '';
  let loose = '';
  let depth = 0;
  // Slashes outside and inside optional parts: the directory levels a match can have.
  let slashes = 0;
  let optionalSlashes = 0;
  const text = spec.pattern;
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (ch === '[') {
      source += '(?:';
      loose += '(?:';
      depth++;
      i++;
    } else if (ch === ']') {
      if (depth === 0)
        fail(
          'pattern',
          `unmatched ']' at character ${i + 1} of the pattern`,
          'optional parts are written [like_this]',
        );
      source += ')?';
      loose += ')?';
      depth--;
      i++;
    } else if (ch === '<') {
      PLACEHOLDER.lastIndex = i;
      const m = PLACEHOLDER.exec(text);
      if (!m || m.index !== i)
        fail(
          'pattern',
          `bad placeholder at character ${i + 1} of the pattern`,
          'placeholders are <name> with letters, digits and _',
        );
      const name = m![1];
      const fieldRe = fields[name] ?? (name === 'start' || name === 'end' ? '\\d{4,14}' : '[^/]+?');
      if (seen.includes(name)) {
        source += `\\k<${name}>`;
        loose += `(?<${name}__${seen.filter((n) => n === name).length + 1}>${fieldRe})`;
        seen.push(name);
      } else {
        seen.push(name);
        try {
          new RegExp(fieldRe);
        } catch (err) {
          fail(
            `fields.${name}`,
            `not a valid regular expression: ${(err as Error).message}`,
            'write the field as a JavaScript regular expression',
          );
        }
        source += `(?<${name}>${fieldRe})`;
        loose += `(?<${name}>${fieldRe})`;
      }
      i += m![0].length;
    } else {
      const literal = ch.replace(/[.*+?^${}()|\\]/g, '\\$&');
      source += literal;
      loose += literal;
      if (ch === '/') {
        if (depth > 0) optionalSlashes++;
        else slashes++;
      }
      i++;
    }
  }
  if (depth !== 0) fail('pattern', "unmatched '[' in the pattern", 'close every optional part with ]');
  if (seen.includes('start') !== seen.includes('end'))
    fail(
      'pattern',
      'the pattern has <start> without <end> (or the reverse)',
      'write the period as <start>-<end>',
    );
  if (seen.includes('path'))
    fail('pattern', '<path> is reserved for the file path column', 'rename the placeholder');
  const timed = seen.includes('start');
  const columns = [
    ...new Set(seen.filter((n) => n !== 'start' && n !== 'end' && !n.startsWith('_'))),
    ...(timed ? TIME_COLUMNS : []),
    'path',
  ];
  return {
    spec,
    file,
    columns,
    regex: new RegExp(`^${source}$`),
    loose: new RegExp(`^${loose}$`),
    depth: [slashes, slashes + optionalSlashes],
  };
}

/** Loads a template by name (from `catalogs/templates/`) or by the path of a YAML file. */
export function loadTemplate(nameOrFile: string): DrsTemplate {
  const isFile = /\.ya?ml$/.test(nameOrFile) || nameOrFile.includes('/');
  const file = isFile
    ? path.resolve(nameOrFile)
    : [`${nameOrFile}.yaml`, `${nameOrFile}.yml`]
        .map((f) => path.join(TEMPLATES_DIR, f))
        .find((f) => fs.existsSync(f));
  if (!file || !fs.existsSync(file)) {
    throw new ValidationError(`no DRS template '${nameOrFile}'`, {
      location: { key: '--template' },
      hint: `use one of: ${listTemplates().join(', ')}, or the path of a template YAML file`,
    });
  }
  const document = parseLocatedDocument(fs.readFileSync(file, 'utf8'), file, 'yaml');
  return compileTemplate(document.value, file, document);
}

/**
 * Matches one file against a template. `relPath` is relative to the crawled root with `/` separators; `absPath`
 * goes to the `path` column. Returns undefined when the file does not match (or its period is not a date).
 */
export function matchTemplate(
  template: DrsTemplate,
  relPath: string,
  absPath: string,
): CatalogRow | undefined {
  const m = template.regex.exec(relPath);
  if (!m) return undefined;
  const groups = m.groups ?? {};
  const row: CatalogRow = {};
  for (const column of template.columns) row[column] = groups[column] ?? '';
  if (groups.start !== undefined && groups.end !== undefined) {
    const range = `${groups.start}-${groups.end}`;
    const period = filePeriod(range, groups.start, groups.end);
    if (!period) return undefined;
    row.start_time = period[0];
    row.end_time = period[1];
    row.time_range = range;
  }
  row.path = absPath;
  return row;
}

/**
 * Why a file does not match a template, in words: the wrong number of directory levels, the wrong extension,
 * a field that differs where the template names it twice (the directory says `tas`, the file name `pr`), a
 * period that is no date, or else the pattern it does not follow.
 */
export function explainMismatch(template: DrsTemplate, relPath: string): string {
  const levels = relPath.split('/').length - 1;
  const [min, max] = template.depth;
  const name = `template '${template.spec.name}'`;
  if (levels < min || levels > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    return `${levels} directory level(s) below the root; ${name} has ${expected}`;
  }
  const wantedExt = /(\.[A-Za-z0-9]+)$/.exec(template.spec.pattern)?.[1];
  if (wantedExt && !relPath.endsWith(wantedExt)) return `not a ${wantedExt} file (${name})`;
  const m = template.loose.exec(relPath);
  if (m) {
    const groups = m.groups ?? {};
    for (const [key, value] of Object.entries(groups)) {
      const repeat = /^(.+)__\d+$/.exec(key);
      if (!repeat || value === undefined) continue;
      const first = groups[repeat[1]!];
      if (first !== undefined && first !== value)
        return `${repeat[1]} is "${first}" in one part of the path and "${value}" in another (${name})`;
    }
    if (groups.start !== undefined && groups.end !== undefined)
      return `period ${groups.start}-${groups.end} is not a date range (${name})`;
  }
  return `does not follow ${name}: ${template.spec.pattern}`;
}

// Formatted periods of file names by `start-end`: a tree repeats the same few periods over every variable and
// member, and parsing two dates per file was a tenth of a crawl's time. Bounded: cleared when full.
const periodCache = new Map<string, [string, string] | null>();
const PERIOD_CACHE_SIZE = 10_000;

/** The formatted [start_time, end_time] of a file name's period, or undefined when it is not one. */
function filePeriod(range: string, startText: string, endText: string): [string, string] | undefined {
  let period = periodCache.get(range);
  if (period === undefined) {
    const start = tryParseCatalogDate(startText);
    const end = tryParseCatalogDate(endText);
    period =
      start && end && start.first <= end.last ? [formatCatalogDate(start), formatCatalogDate(end)] : null;
    if (periodCache.size >= PERIOD_CACHE_SIZE) periodCache.clear();
    periodCache.set(range, period);
  }
  return period ?? undefined;
}

/** The ESM catalog header of a catalog crawled with `template`. */
export function templateHeader(template: DrsTemplate, id: string): EsmCatalogHeader {
  return {
    esmcat_version: ESMCAT_VERSION,
    id,
    description: template.spec.description ?? `crawled with the ${template.spec.name} DRS template`,
    attributes: template.columns
      .filter((c) => c !== 'path')
      .map((column_name) => ({ column_name, vocabulary: '' })),
    assets: { column_name: 'path', format: template.spec.format ?? 'netcdf' },
    ...(template.spec.aggregation_control ? { aggregation_control: template.spec.aggregation_control } : {}),
  };
}
