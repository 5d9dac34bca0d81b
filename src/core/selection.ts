import { FairpodError } from './errors.js';
import { facetValue, type DataKey } from './dataKey.js';
import { checkCoverage } from './timeCoverage.js';
import type { VarlistEntry } from './varlist.js';

/** The scopes at which experiment columns must agree, widest first. */
export type Scope = 'case' | 'pod' | 'variable';
const SCOPES: Scope[] = ['case', 'pod', 'variable'];

/** Which columns must agree across the whole case, within a POD, and within one variable's files. */
export type ExperimentColumns = Record<Scope, string[]>;

/** A plugin's rule for preferring one value of a column over another (lower `compare` = preferred). */
export interface TieBreaker {
  column: string;
  /** Shown in plans, e.g. "lowest ensemble member". */
  description: string;
  compare(a: string, b: string): number;
}

/** What the selector needs besides the variables. */
export interface SelectionOptions {
  columns: ExperimentColumns;
  tieBreakers: TieBreaker[];
  /** Tie-breakers off; more than one choice is an error. */
  strict: boolean;
  period: { start: number; end: number };
  /**
   * The series a data key belongs to (e.g. its directory). When given, it is a variable-scope column: the
   * chunks of one variable's series all come from one series, so that two model runs whose files share every
   * catalog facet are never stitched into one time series.
   */
  seriesOf?: (key: DataKey) => string;
}

/** The pseudo-column `seriesOf` fills, as plans show it. */
export const SERIES_COLUMN = '(directory)';

/** Choices already made, so variables selected later (alternates, re-selections) stay consistent with them. */
export class SelectionMemo {
  private readonly choices = new Map<string, Record<string, string>>();
  get(key: string): Record<string, string> | undefined {
    return this.choices.get(key);
  }
  set(key: string, choice: Record<string, string>): void {
    this.choices.set(key, choice);
  }
}

/** Thrown under `--strict` when the data allow more than one choice. */
export class AmbiguityError extends FairpodError {}

/** One experiment of one variable whose chunks cover the analysis period. */
interface ViableExperiment {
  values: Record<string, string>;
  chunks: DataKey[];
}

/** `col=value, ...`, leaving out columns the catalog leaves empty. */
function describe(values: Record<string, string>, columns?: string[]): string {
  const cols = (columns ?? Object.keys(values)).filter((c) => values[c]);
  return cols.length ? cols.map((c) => `${c}=${values[c]}`).join(', ') : '(no experiment columns)';
}

function tupleId(values: Record<string, string>, columns: string[]): string {
  return JSON.stringify(columns.map((c) => values[c] ?? ''));
}

function pick(values: Record<string, string>, columns: string[]): Record<string, string> {
  return Object.fromEntries(columns.map((c) => [c, values[c] ?? '']));
}

/**
 * Chooses one experiment for each variable: case-scope columns once for all variables if one value set is
 * common to all, else per POD, else per variable; then POD-scope columns per POD (else per variable); then
 * variable-scope columns. Only experiments whose chunks tile the analysis period are eligible.
 * Returns the variables that could not be given an experiment, with the reason.
 */
export function selectExperiments(
  vars: VarlistEntry[],
  options: SelectionOptions,
  memo: SelectionMemo,
): { entry: VarlistEntry; reason: string }[] {
  const scoped: ExperimentColumns = options.seriesOf
    ? { ...options.columns, variable: [...options.columns.variable, SERIES_COLUMN] }
    : options.columns;
  const allColumns = [...new Set(SCOPES.flatMap((s) => scoped[s]))];
  const failed: { entry: VarlistEntry; reason: string }[] = [];
  const viable = new Map<VarlistEntry, ViableExperiment[]>();
  for (const v of vars) {
    const experiments = viableExperiments(v, allColumns, options);
    if (experiments.length === 0) {
      const why = v.decisions.filter((d) => d.startsWith('dropped')).join('; ');
      failed.push({
        entry: v,
        reason: `no experiment's files cover the analysis period${why ? `: ${why}` : ''}`,
      });
    } else viable.set(v, experiments);
  }
  const constraint = new Map<VarlistEntry, Record<string, string>>([...viable.keys()].map((v) => [v, {}]));
  const keysOf = (v: VarlistEntry, cols: string[]): Map<string, Record<string, string>> => {
    const fixed = constraint.get(v)!;
    const out = new Map<string, Record<string, string>>();
    for (const e of viable.get(v)!) {
      if (Object.entries(fixed).every(([c, val]) => e.values[c] === val))
        out.set(tupleId(e.values, cols), pick(e.values, cols));
    }
    return out;
  };

  for (const scope of SCOPES) {
    const cols = scoped[scope];
    if (cols.length === 0) continue;
    let remaining = [...viable.keys()];
    for (const level of SCOPES.slice(SCOPES.indexOf(scope))) {
      const next: VarlistEntry[] = [];
      for (const [groupId, group] of groupBy(remaining, level)) {
        const memoKey = `${scope}:${level}:${groupId}`;
        // A variable's own earlier choice is stale when it comes back (its data changed): choose again.
        const prior = level === 'variable' ? undefined : memo.get(memoKey);
        if (prior) {
          const id = tupleId(prior, cols);
          for (const v of group) {
            if (keysOf(v, cols).has(id))
              fix(v, prior, `${scope}-scope ${describe(prior)} (chosen earlier for ${groupId})`);
            else next.push(v);
          }
          continue;
        }
        const common = intersect(group.map((v) => keysOf(v, cols)));
        if (common.size === 0) {
          next.push(...group);
          continue;
        }
        const { choice, notes } = choose([...common.values()], cols, options, groupId);
        if (level !== 'variable') memo.set(memoKey, choice);
        for (const v of group) {
          fix(
            v,
            choice,
            `${scope}-scope ${describe(choice)} (common to ${group.length} variable(s) of ${groupId})`,
          );
          v.decisions.push(...notes);
        }
      }
      remaining = next;
    }
    for (const v of remaining) {
      failed.push({
        entry: v,
        reason: `no experiment matches the choices made for the other variables (${describe(constraint.get(v)!)})`,
      });
      viable.delete(v);
    }
  }

  for (const [v, experiments] of viable) {
    const fixed = constraint.get(v)!;
    const chosen = experiments.find((e) => Object.entries(fixed).every(([c, val]) => e.values[c] === val))!;
    v.selection = { experiment: chosen.values, keys: chosen.chunks };
  }
  return failed;

  function fix(v: VarlistEntry, choice: Record<string, string>, note: string): void {
    constraint.set(v, { ...constraint.get(v)!, ...choice });
    v.decisions.push(`chose ${note}`);
  }
}

/** Groups a variable's candidates by experiment and keeps the experiments whose chunks cover the period. */
function viableExperiments(
  v: VarlistEntry,
  columns: string[],
  options: SelectionOptions,
): ViableExperiment[] {
  const groups = new Map<string, ViableExperiment>();
  for (const key of v.candidates) {
    const values = Object.fromEntries(
      columns.map((c) => [
        c,
        c === SERIES_COLUMN && options.seriesOf ? options.seriesOf(key) : facetValue(key.row, c),
      ]),
    );
    const id = tupleId(values, columns);
    const group = groups.get(id) ?? { values, chunks: [] };
    group.chunks.push(key);
    groups.set(id, group);
  }
  const out: ViableExperiment[] = [];
  for (const group of groups.values()) {
    const coverage = checkCoverage(group.chunks, options.period, v.frequency);
    if (coverage.ok) out.push({ values: group.values, chunks: coverage.chunks });
    else v.decisions.push(`dropped ${describe(group.values)}: ${coverage.reason}`);
  }
  return out;
}

function groupBy(vars: VarlistEntry[], level: Scope): Map<string, VarlistEntry[]> {
  const groups = new Map<string, VarlistEntry[]>();
  for (const v of vars) {
    const id = level === 'case' ? 'the case' : level === 'pod' ? `POD ${v.pod}` : `variable ${v.label}`;
    groups.set(id, [...(groups.get(id) ?? []), v]);
  }
  return groups;
}

function intersect(maps: Map<string, Record<string, string>>[]): Map<string, Record<string, string>> {
  const [first, ...rest] = maps;
  const out = new Map<string, Record<string, string>>();
  for (const [id, values] of first ?? []) if (rest.every((m) => m.has(id))) out.set(id, values);
  return out;
}

/** Picks one of several value sets: tie-breakers in order, then the first in sorted order (or an error under --strict). */
function choose(
  options: Record<string, string>[],
  cols: string[],
  sel: SelectionOptions,
  groupLabel: string,
): { choice: Record<string, string>; notes: string[] } {
  if (options.length === 1) return { choice: options[0]!, notes: [] };
  if (sel.strict) {
    throw new AmbiguityError(
      `ambiguous experiment for ${groupLabel}: ${options.length} choices of ${cols.join(', ')}: ${options.map((o) => `{${describe(o, cols)}}`).join(' ')}`,
      { hint: `pin one with --facet COLUMN=VALUE, or run without --strict to let tie-breakers choose` },
    );
  }
  const notes: string[] = [];
  let left = options;
  for (const tb of sel.tieBreakers) {
    if (!cols.includes(tb.column) || left.length < 2) continue;
    const best = left.map((o) => o[tb.column]!).sort(tb.compare)[0]!;
    const dropped = left.filter((o) => tb.compare(o[tb.column]!, best) !== 0);
    if (dropped.length > 0)
      notes.push(
        `dropped ${dropped.map((o) => `{${describe(o, cols)}}`).join(' ')}: tie-breaker "${tb.description}"`,
      );
    left = left.filter((o) => tb.compare(o[tb.column]!, best) === 0);
  }
  if (left.length > 1) {
    left = [...left].sort((a, b) => tupleId(a, cols).localeCompare(tupleId(b, cols)));
    notes.push(
      `dropped ${left
        .slice(1)
        .map((o) => `{${describe(o, cols)}}`)
        .join(
          ' ',
        )}: no tie-breaker decides, took the first in sorted order (pin with --facet, or --strict to make this an error)`,
    );
  }
  return { choice: left[0]!, notes };
}
