import path from 'node:path';
import { Option, type Command } from 'commander';
import '../../plugins/index.js';
import { listPlugins } from '../container.js';
import type { CaseSpec } from '../core/dataSource.js';
import { ValidationError } from '../core/errors.js';

/** Options shared by `fairpod run` and `fairpod plan`, as commander parses them. */
export interface CaseCommandOptions {
  dataManager: string;
  case: string;
  firstyr: string;
  lastyr: string;
  strict?: boolean;
  workDir: string;
  facet: string[];
  json?: boolean;
  [pluginOption: string]: unknown;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The case options every POD run needs; `fairpod run CONFIG` needs none of them. */
const CASE_REQUIRED = [
  ['dataManager', '-m, --data-manager <name>', 'data source plugin (see `fairpod plugins`)'],
  ['case', '--case <name>', 'name of the case (model run) being analysed; becomes CASENAME'],
  ['firstyr', '--firstyr <year>', 'first year of the analysis period'],
  ['lastyr', '--lastyr <year>', 'last year of the analysis period'],
] as const;

/** Fails with the flag's name when one of the case options is missing. */
export function requireCaseOptions(options: Partial<CaseCommandOptions>): void {
  for (const [key, flags] of CASE_REQUIRED) {
    if (options[key] === undefined) {
      const flag = flags.replace(/^-\w, /, '').replace(/ <.*/, '');
      throw new ValidationError(`${flag} is required to run PODs`, {
        location: { key: flag },
        hint: 'e.g. fairpod run POD -m filesystem --catalog cat.json --case NAME --firstyr 1980 --lastyr 1989',
      });
    }
  }
}

/**
 * Adds the case options and every registered plugin's own options (each flag once) to a command. With
 * `required: false` the case options are checked by `requireCaseOptions` instead of by commander.
 */
export function addCaseOptions(command: Command, required = true): Command {
  for (const [, flags, description] of CASE_REQUIRED) {
    if (required) command.requiredOption(flags, description);
    else command.option(flags, description);
  }
  command
    .option(
      '--facet <column=value>',
      'catalog facet every query must match (repeatable), e.g. source_id=CESM2',
      collect,
      [],
    )
    .option('--strict', 'no tie-breakers: any ambiguous experiment choice is an error')
    .option('--work-dir <dir>', 'where each POD gets its data and runs', 'fairpod-work')
    .option('--json', 'print the report as JSON on stdout');
  const seen = new Set<string>();
  for (const plugin of listPlugins()) {
    for (const o of plugin.options) {
      if (seen.has(o.flags)) continue;
      seen.add(o.flags);
      const users = listPlugins()
        .filter((p) => p.options.some((x) => x.flags === o.flags))
        .map((p) => p.name);
      const option = new Option(o.flags, `${o.description} [${users.join(', ')}]`);
      if (o.defaultValue !== undefined) option.default(o.defaultValue);
      command.addOption(option);
    }
  }
  return command;
}

/** The case from parsed options; `--facet` values must be `column=value`. */
export function caseSpecFrom(options: CaseCommandOptions): CaseSpec {
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
  const year = (flag: string, v: string): number => {
    if (!/^-?\d{1,4}$/.test(v))
      throw new ValidationError(`${flag} "${v}" is not a year`, {
        location: { key: flag },
        hint: `e.g. ${flag} 1985`,
      });
    return Number(v);
  };
  return {
    name: options.case,
    firstYear: year('--firstyr', options.firstyr),
    lastYear: year('--lastyr', options.lastyr),
    facets,
  };
}

/** The plugin's own options: everything not a case option. */
export function pluginOptionsFrom(options: CaseCommandOptions): Record<string, unknown> {
  const {
    dataManager: _d,
    case: _c,
    firstyr: _f,
    lastyr: _l,
    strict: _s,
    workDir: _w,
    facet: _x,
    json: _j,
    ...rest
  } = options;
  return rest;
}

/** The work directory as an absolute path. */
export function workDirFrom(options: CaseCommandOptions): string {
  return path.resolve(options.workDir);
}
