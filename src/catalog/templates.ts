/**
 * DRS templates: how a directory tree names its files, written as data (`catalogs/templates/*.yaml`).
 *
 * A template's `pattern` is a path relative to the crawled directory with `<field>` placeholders and `[...]`
 * optional parts. A field named twice must hold the same text both times. The fields `start` and `end` are the
 * file's period (yyyy, yyyymm, yyyymmdd, yyyymmddhh[mm]); they become the `start_time`, `end_time` and
 * `time_range` columns. A user adds a layout by writing one more file, or passes a template file by path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../core/errors.js';
import { CATALOGS_DIR } from '../paths.js';
import { formatCatalogDate, tryParseCatalogDate } from './dates.js';
import { ESMCAT_VERSION } from './header.js';
import type { CatalogRow, EsmCatalogHeader } from './types.js';

/** The directory of the templates shipped with fairpod. */
export const TEMPLATES_DIR = path.join(CATALOGS_DIR, 'templates');

/** A DRS template as written in its YAML file. */
export interface DrsTemplateSpec {
  name: string;
  description?: string;
  pattern: string;
  /** Regular expressions of fields; default: any text without `/` (dates: 4 to 14 digits). */
  fields?: Record<string, string>;
  format?: string;
  aggregation_control?: EsmCatalogHeader['aggregation_control'];
}

/** A compiled template. */
export interface DrsTemplate {
  spec: DrsTemplateSpec;
  /** Where it was read from. */
  file?: string;
  /** Output columns in order: the fields, then the period columns (when the pattern has them), then `path`. */
  columns: string[];
  /** Matches a path relative to the crawled directory (with `/` separators). */
  regex: RegExp;
}

const TIME_COLUMNS = ['start_time', 'end_time', 'time_range'];
const PLACEHOLDER = /<([A-Za-z_][A-Za-z0-9_]*)>/g;

/** Compiles a template; a bad pattern is a ValidationError located at `file` and the key. */
export function compileTemplate(spec: DrsTemplateSpec, file?: string): DrsTemplate {
  const fail = (key: string, message: string, hint: string): never => {
    throw new ValidationError(message, { location: { file, key }, hint });
  };
  if (typeof spec?.name !== 'string' || spec.name === '')
    fail('name', 'the template has no name', 'add "name: <short-name>"');
  if (typeof spec.pattern !== 'string' || spec.pattern === '')
    fail('pattern', 'the template has no pattern', 'add "pattern: <field>/<field>/<field>.nc"');
  const fields = spec.fields ?? {};
  const seen: string[] = [];
  let source = '';
  let depth = 0;
  const text = spec.pattern;
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (ch === '[') {
      source += '(?:';
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
      if (seen.includes(name)) {
        source += `\\k<${name}>`;
      } else {
        seen.push(name);
        const fieldRe = fields[name] ?? (name === 'start' || name === 'end' ? '\\d{4,14}' : '[^/]+?');
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
      }
      i += m![0].length;
    } else {
      source += ch.replace(/[.*+?^${}()|\\]/g, '\\$&');
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
    ...seen.filter((n) => n !== 'start' && n !== 'end'),
    ...(timed ? TIME_COLUMNS : []),
    'path',
  ];
  return { spec, file, columns, regex: new RegExp(`^${source}$`) };
}

/** The names of the templates shipped with fairpod. */
export function listTemplates(): string[] {
  return fs.existsSync(TEMPLATES_DIR)
    ? fs
        .readdirSync(TEMPLATES_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
        .sort()
    : [];
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
  let spec: DrsTemplateSpec;
  try {
    spec = parseYaml(fs.readFileSync(file, 'utf8')) as DrsTemplateSpec;
  } catch (err) {
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ValidationError(`not valid YAML: ${(err as Error).message.split('\n')[0]}`, {
      location: { file, line: pos?.line, column: pos?.col },
      hint: 'fix the YAML syntax of the template',
    });
  }
  return compileTemplate(spec, file);
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
