/**
 * The cases of an MDTF 4.2 runtime config (JSONC or YAML): its `case_list` maps each case name to
 * `{model, convention, startdate, enddate}`; any other key of an entry is a catalog facet the case's files
 * must match (e.g. `source_id`, `member_id`, `realm`). Other top-level keys of the file (paths, `pod_list`,
 * flags) belong to MDTF and are ignored here.
 */
import { ValidationError, ValidationErrors, type Location } from '../core/errors.js';
import type { CaseSpec } from '../core/dataSource.js';
import { formatKeyPath, loadLocatedDocument, type KeyPath, type LocatedDocument } from './locatedDocument.js';

/** Keys of a case entry with a meaning of their own; every other key is a facet. */
const CASE_KEYS = new Set(['model', 'convention', 'startdate', 'enddate']);

/** What a date of a case entry says: its year and whether it is the first (or last) day of that year. */
interface CaseDate {
  year: number;
  month?: number;
  day?: number;
}

/**
 * A case date as MDTF 4.2 writes them: `YYYY`, `YYYYMMDD`, `YYYY-MM-DD`, optionally followed by `:HHMMSS`
 * or `:HH:MM:SS` (the time of day is ignored); numbers like `19800101` too. Undefined when not one of these.
 */
export function parseCaseDate(value: unknown): CaseDate | undefined {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{4})(?:-?(\d{2})-?(\d{2}))?(?:[:T ][\d:]+)?$/.exec(text.trim());
  if (!m) return undefined;
  const out: CaseDate = { year: Number(m[1]) };
  if (m[2] !== undefined) {
    out.month = Number(m[2]);
    out.day = Number(m[3]);
  }
  return out;
}

/** The location of a key path of a document, for messages. */
function at(doc: LocatedDocument, keyPath: KeyPath, part: 'key' | 'value' = 'value'): Location {
  const pos = doc.locate(keyPath, part);
  return { file: doc.file, line: pos?.line, column: pos?.column, key: formatKeyPath(keyPath) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The cases of one entry of `case_list`, or the problems found in it. */
function caseFrom(
  doc: LocatedDocument,
  name: string,
  entry: unknown,
  problems: ValidationError[],
): CaseSpec | undefined {
  const where = ['case_list', name];
  if (!isObject(entry)) {
    problems.push(
      new ValidationError(`case ${name} must be an object`, {
        location: at(doc, where),
        hint: '"CASE": {"model": "CESM2", "convention": "CMIP", "startdate": "19800101", "enddate": "19891231"}',
      }),
    );
    return undefined;
  }
  const before = problems.length;
  if (!/^[\w.-]+$/.test(name))
    problems.push(
      new ValidationError(`case name "${name}" must be letters, digits, '.', '_' or '-'`, {
        location: at(doc, where, 'key'),
        hint: 'it becomes part of file and directory names',
      }),
    );
  const years: number[] = [];
  for (const [key, edge] of [
    ['startdate', 'first'],
    ['enddate', 'last'],
  ] as const) {
    const date = parseCaseDate(entry[key]);
    if (entry[key] === undefined) {
      problems.push(
        new ValidationError(`case ${name} has no ${key}`, {
          location: at(doc, where, 'key'),
          hint: `add "${key}": "${edge === 'first' ? '19800101' : '19891231'}" (fairpod analyses whole years)`,
        }),
      );
    } else if (!date) {
      problems.push(
        new ValidationError(`${key} ${JSON.stringify(entry[key])} is not a date`, {
          location: at(doc, [...where, key]),
          hint: 'write YYYYMMDD, YYYY-MM-DD or YYYY (a time of day after ":" is allowed)',
        }),
      );
    } else {
      const whole = edge === 'first' ? [1, 1] : [12, 31];
      if (date.month !== undefined && (date.month !== whole[0] || date.day !== whole[1]))
        problems.push(
          new ValidationError(
            `${key} ${JSON.stringify(entry[key])} is not the ${edge} day of a year: fairpod analyses whole years`,
            {
              location: at(doc, [...where, key]),
              hint: `use ${date.year}${edge === 'first' ? '0101' : '1231'}`,
            },
          ),
        );
      years.push(date.year);
    }
  }
  if (years.length === 2 && years[0]! > years[1]!)
    problems.push(
      new ValidationError(`case ${name}: startdate is after enddate`, {
        location: at(doc, [...where, 'startdate']),
        hint: 'swap them',
      }),
    );
  const facets: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (CASE_KEYS.has(key)) {
      if ((key === 'model' || key === 'convention') && typeof value !== 'string')
        problems.push(
          new ValidationError(`${key} must be a string`, {
            location: at(doc, [...where, key]),
            hint: key === 'convention' ? 'e.g. "convention": "CMIP"' : 'e.g. "model": "CESM2"',
          }),
        );
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number') facets[key] = String(value);
    else
      problems.push(
        new ValidationError(`facet ${key} of case ${name} must be a string or number`, {
          location: at(doc, [...where, key]),
          hint: 'keys other than model, convention, startdate and enddate are catalog columns the case must match',
        }),
      );
  }
  if (problems.length > before) return undefined;
  return {
    name,
    firstYear: years[0]!,
    lastYear: years[1]!,
    facets,
    ...(typeof entry.convention === 'string' ? { convention: entry.convention } : {}),
    ...(typeof entry.model === 'string' ? { model: entry.model } : {}),
    source: at(doc, where, 'key'),
  };
}

/** The cases of an MDTF runtime config's `case_list`, in file order; every problem is reported with its location. */
export async function loadCaseList(file: string): Promise<CaseSpec[]> {
  const doc = await loadLocatedDocument(file);
  const root = doc.value;
  const list = isObject(root) ? root.case_list : undefined;
  if (!isObject(list) || Object.keys(list).length === 0) {
    throw new ValidationError(
      isObject(list) ? 'case_list has no cases' : 'no case_list object in this file',
      {
        location: isObject(list) ? at(doc, ['case_list'], 'key') : { file },
        hint: 'an MDTF runtime config: {"case_list": {"CASE": {"model": "CESM2", "convention": "CMIP", "startdate": "19800101", "enddate": "19891231"}}}',
      },
    );
  }
  const problems: ValidationError[] = [];
  const cases = Object.entries(list)
    .map(([name, entry]) => caseFrom(doc, name, entry, problems))
    .filter((c): c is CaseSpec => c !== undefined);
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new ValidationErrors(problems);
  return cases;
}
