import path from 'node:path';
import type { Command } from 'commander';
import { wantsPluginOptions } from './pluginOptions.js';
import type { CaseSpec } from '../core/dataSource.js';
import { FairpodError, formatLocation, ValidationError } from '../core/errors.js';

/** Options shared by `fairpod run` and `fairpod plan`, as commander parses them. */
export interface CaseCommandOptions {
  dataManager: string;
  /** `NAME` or `NAME:FIRSTYR-LASTYR`, once per case. */
  case: string[];
  caseList?: string;
  convention: string[];
  firstyr?: string;
  lastyr?: string;
  strict?: boolean;
  workDir: string;
  facet: string[];
  json?: boolean;
  [pluginOption: string]: unknown;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const EXAMPLE =
  'e.g. fairpod run POD -m filesystem --catalog cat.json --case NAME --firstyr 1980 --lastyr 1989';

/** Fails with the flag's name when an option every POD run needs is missing. */
export function requireCaseOptions(options: Partial<CaseCommandOptions>): void {
  const missing = (flag: string, hint = EXAMPLE): ValidationError =>
    new ValidationError(`${flag} is required to run PODs`, { location: { key: flag }, hint });
  if (options.dataManager === undefined) throw missing('--data-manager');
  if ((options.case ?? []).length === 0 && options.caseList === undefined)
    throw missing('--case', `${EXAMPLE}; or --case-list FILE (an MDTF runtime config with case_list)`);
}

/**
 * Adds the case options to a command; the plugins' own options are added when it is about to parse
 * (`wantsPluginOptions`). With `required: false` the data manager is checked by `requireCaseOptions`
 * instead of by commander.
 */
export function addCaseOptions(command: Command, required = true): Command {
  const manager = '-m, --data-manager <name>';
  const managerText = 'data source plugin (see `fairpod plugins`)';
  if (required) command.requiredOption(manager, managerText);
  else command.option(manager, managerText);
  command
    .option(
      '--case <name[:firstyr-lastyr]>',
      "a case (model run) to analyse; becomes CASENAME and is matched against the data's paths; repeat for several cases, each with its own period if given",
      collect,
      [],
    )
    .option(
      '--case-list <file>',
      'cases from an MDTF runtime config (JSONC/YAML): case_list: {NAME: {model, convention, startdate, enddate, ...facets}}',
    )
    .option(
      '--convention <name>',
      "naming convention of the model data (cmip, cesm, gfdl); default: each POD's own. Once for all --case, or once per --case in order",
      collect,
      [],
    )
    .option('--firstyr <year>', 'first year of the analysis period (of every --case without its own)')
    .option('--lastyr <year>', 'last year of the analysis period (of every --case without its own)')
    .option(
      '--facet <column=value>',
      'catalog facet every query must match (repeatable), e.g. source_id=CESM2',
      collect,
      [],
    )
    .option('--strict', 'no tie-breakers: any ambiguous experiment choice is an error')
    .option(
      '--work-dir <dir>',
      'where each POD gets its data (of every case) and runs, in <dir>/<POD>',
      'fairpod-work',
    )
    .option('--json', 'print the report as JSON on stdout');
  return wantsPluginOptions(command);
}

function year(flag: string, v: string): number {
  if (!/^-?\d{1,4}$/.test(v))
    throw new ValidationError(`${flag} "${v}" is not a year`, {
      location: { key: flag },
      hint: `e.g. ${flag} 1985`,
    });
  return Number(v);
}

/** `--facet` values as column → value; each must be `column=value`. */
function facetsFrom(options: CaseCommandOptions): Record<string, string> {
  const facets: Record<string, string> = {};
  for (const f of options.facet) {
    const eq = f.indexOf('=');
    if (eq <= 0)
      throw new ValidationError(`--facet "${f}" is not column=value`, {
        location: { key: '--facet' },
        hint: 'e.g. --facet source_id=CESM2',
      });
    facets[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return facets;
}

/** One `--case NAME[:FIRSTYR-LASTYR]`; without a period, `--firstyr`/`--lastyr` give it. */
function commandLineCase(value: string, options: CaseCommandOptions): Omit<CaseSpec, 'facets'> {
  const m = /^([^:]*)(?::(-?\d{1,4})-(-?\d{1,4}))?$/.exec(value);
  if (!m || m[1] === '')
    throw new ValidationError(`--case "${value}" is not NAME or NAME:FIRSTYR-LASTYR`, {
      location: { key: '--case' },
      hint: 'e.g. --case CESM2_hist or --case CESM2_hist:1980-1989',
    });
  if (!/^[\w.-]+$/.test(m[1]!))
    throw new ValidationError(`case name "${m[1]}" must be letters, digits, '.', '_' or '-'`, {
      location: { key: '--case' },
      hint: 'it becomes part of file and directory names; a period follows ":" (NAME:1980-1989)',
    });
  if (m[2] !== undefined) {
    if (Number(m[2]) > Number(m[3]))
      throw new ValidationError(`--case ${value}: ${m[2]} is after ${m[3]}`, {
        location: { key: '--case' },
        hint: `swap them: --case ${m[1]}:${m[3]}-${m[2]}`,
      });
    return { name: m[1]!, firstYear: Number(m[2]), lastYear: Number(m[3]) };
  }
  for (const flag of ['--firstyr', '--lastyr'] as const) {
    if (options[flag === '--firstyr' ? 'firstyr' : 'lastyr'] === undefined)
      throw new ValidationError(`${flag} is required to run PODs: --case ${value} has no period of its own`, {
        location: { key: flag },
        hint: `give --firstyr and --lastyr, or the case's own period: --case ${value}:1980-1989`,
      });
  }
  return {
    name: m[1]!,
    firstYear: year('--firstyr', options.firstyr!),
    lastYear: year('--lastyr', options.lastyr!),
  };
}

/** The convention of each command-line case: none, one for all, or one per `--case` in order. */
function conventionsFor(count: number, conventions: string[]): (string | undefined)[] {
  if (conventions.length === 0) return Array<undefined>(count).fill(undefined);
  if (conventions.length === 1) return Array<string>(count).fill(conventions[0]!);
  if (conventions.length === count) return conventions;
  throw new ValidationError(`${conventions.length} --convention for ${count} --case`, {
    location: { key: '--convention' },
    hint: 'give --convention once (for every --case) or once per --case, in the same order',
  });
}

/**
 * The cases from parsed options: each `--case` (with its period and convention, and the `--facet`s), then
 * those of `--case-list` (whose entries add their own facets to the `--facet`s). Names must be unique; each
 * data convention must be known to the translator's fieldlists.
 */
export async function caseSpecsFrom(
  options: CaseCommandOptions,
  knowsConvention: (name: string) => void,
): Promise<CaseSpec[]> {
  const facets = facetsFrom(options);
  const conventions = conventionsFor(options.case.length, options.convention);
  const cases: CaseSpec[] = options.case.map((value, i) => ({
    ...commandLineCase(value, options),
    facets: { ...facets },
    ...(conventions[i] ? { convention: conventions[i] } : {}),
  }));
  if (options.caseList !== undefined) {
    if (options.case.length === 0 && options.convention.length > 0)
      throw new ValidationError('--convention applies to --case; cases of --case-list name their own', {
        location: { key: '--convention' },
        hint: `set "convention" in each entry of ${options.caseList}`,
      });
    const { loadCaseList } = await import('../settings/caseList.js');
    for (const c of await loadCaseList(path.resolve(options.caseList)))
      cases.push({ ...c, facets: { ...facets, ...c.facets } });
  }
  const seen = new Map<string, CaseSpec>();
  for (const c of cases) {
    const first = seen.get(c.name);
    if (first)
      throw new ValidationError(`case ${c.name} is given twice`, {
        location: c.source ?? { key: '--case' },
        hint: `each case needs its own name (it names the case's files and directory)${first.source ? `; first at ${formatLocation(first.source)}` : ''}`,
      });
    seen.set(c.name, c);
    if (c.convention === undefined) continue;
    try {
      knowsConvention(c.convention);
    } catch (err) {
      if (!(err instanceof FairpodError)) throw err;
      throw new ValidationError(err.message, {
        location: c.source ? { ...c.source, key: `${c.source.key}.convention` } : { key: '--convention' },
        hint: err.hint,
      });
    }
  }
  return cases;
}

/** The plugins' options given on the command line: every value that is not a case option. */
export function pluginOptionsFrom(options: CaseCommandOptions): Record<string, unknown> {
  const {
    dataManager: _d,
    case: _c,
    caseList: _cl,
    convention: _cv,
    firstyr: _f,
    lastyr: _l,
    strict: _s,
    workDir: _w,
    facet: _x,
    json: _j,
    ...rest
  } = options;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** The work directory as an absolute path. */
export function workDirFrom(options: CaseCommandOptions): string {
  return path.resolve(options.workDir);
}
