/**
 * The short text of a plan: one line per POD variable (the chosen experiment, how many files, the period they
 * cover), so that a plan of many PODs on a large catalog stays readable. `fairpod plan --verbose` prints the
 * whole story instead (formatReport), `--json` everything as data.
 */
import { SERIES_COLUMN } from './selection.js';
import { formatBytes, type PlannedFile, type RunReport, type VariableReport } from './report.js';

/** The period the files of a variable cover, `first..last`, from their own periods (in time order). */
function coveredPeriod(files: PlannedFile[]): string | undefined {
  const periods = files.map((f) => f.period?.split('..')).filter((p) => p?.length === 2) as string[][];
  if (periods.length === 0) return undefined;
  return `${periods[0]![0]}..${periods[periods.length - 1]![1]}`;
}

/** One line of a variable: its status, and either its choice or why it failed. */
function variableLine(v: VariableReport): string[] {
  const native = v.nativeName && v.nativeName !== v.name ? ` as ${v.nativeName}` : '';
  const head = `  ${v.name}${native} [${v.requirement}] ${v.status}${v.alternateUsed ? ` → replaced by ${v.alternateUsed.join(' + ')}` : ''}`;
  if (v.experiment) {
    const chosen = Object.entries(v.experiment)
      .filter(([k, val]) => val && k !== SERIES_COLUMN)
      .map(([k, val]) => `${k}=${val}`)
      .join(', ');
    const period = coveredPeriod(v.files);
    return [`${head}: ${chosen}; ${v.files.length} file(s)${period ? ` ${period}` : ''}`];
  }
  return [head, ...v.failures.map((f) => `    failed: ${f}`)];
}

/** The plan as a summary: per POD its status, then one line per variable; the totals; how to see more. */
export function formatPlanSummary(report: RunReport): string {
  const c = report.case;
  const out = [
    `Plan for case ${c.name} ${c.firstYear}-${c.lastYear}${c.convention ? ` (data in convention ${c.convention})` : ''} with data manager ${report.dataManager}`,
  ];
  for (const p of report.pods) {
    out.push('', `POD ${p.name}: ${p.ok ? 'ok' : 'FAILED'}`);
    if (p.failure) out.push(...p.failure.split('\n').map((l) => `  ${l}`));
    for (const v of p.variables) out.push(...variableLine(v));
  }
  const t = report.totals;
  out.push(
    '',
    `${t.files} file(s), ${formatBytes(t.bytes)}; ${formatBytes(t.bytesToFetch)} to fetch; ${t.cacheHits} already local`,
    '(--verbose: the queries, candidates, every decision and file; --json: all of it as JSON)',
  );
  return out.join('\n');
}
