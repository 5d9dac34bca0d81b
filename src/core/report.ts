import type { Pod } from './pod.js';
import { formatCatalogDate } from '../catalog/dates.js';
import { Status, type VarlistEntry } from './varlist.js';
import type { DataKey } from './dataKey.js';
import type { CaseSpec } from './dataSource.js';

/** One file of a plan. */
export interface PlannedFile {
  id: string;
  localPath?: string;
  size?: number;
  /** Already local or in the store: nothing to move. */
  cached: boolean;
  period?: string;
}

/** What happened (or, in a plan, would happen) to one variable. */
export interface VariableReport {
  name: string;
  requirement: string;
  status: string;
  stage: string;
  standardName: string;
  nativeName?: string;
  query?: string;
  candidates: number;
  experiment?: Record<string, string>;
  files: PlannedFile[];
  decisions: string[];
  failures: string[];
  /** Alternate set standing in for this variable. */
  alternateUsed?: string[];
  outputPath?: string;
}

/** One POD's part of a plan or run. */
export interface PodReport {
  name: string;
  settingsFile: string;
  ok: boolean;
  failure?: string;
  variables: VariableReport[];
  driver?: { exitCode: number; logFile: string };
  /** Id of the code run that recorded this POD's run in the registry. */
  codeRun?: string;
}

/** The whole plan or run: per POD and variable, plus the files and bytes to move. */
export interface RunReport {
  dataManager: string;
  case: CaseSpec;
  pods: PodReport[];
  /** The run's `index.html` (not in a plan). */
  index?: string;
  totals: { files: number; bytes: number; bytesToFetch: number; cacheHits: number };
}

function fileOf(key: DataKey): PlannedFile {
  const period =
    key.start && key.end ? `${formatCatalogDate(key.start)}..${formatCatalogDate(key.end)}` : undefined;
  return { id: key.id, localPath: key.localPath, size: key.size, cached: key.cached ?? false, period };
}

function variableReport(v: VarlistEntry): VariableReport {
  return {
    name: v.name,
    requirement: v.requirement,
    status: v.status,
    stage: ['NOTSET', 'INITED', 'QUERIED', 'FETCHED', 'PREPROCESSED'][v.stage]!,
    standardName: v.spec.standard_name,
    nativeName: v.translation?.name,
    query: v.queryDescription,
    candidates: v.candidates.length,
    experiment: v.selection?.experiment,
    files: (v.selection?.keys ?? []).map(fileOf),
    decisions: v.decisions,
    failures: v.failures,
    alternateUsed: v.activeAlternate?.map((m) => m.name),
    outputPath: v.outputPath,
  };
}

/** Builds the report of a plan or run from the state the loop left. Variables never activated are left out. */
export function buildReport(dataManager: string, pods: Pod[], caseSpec: RunReport['case']): RunReport {
  const podReports = pods.map((p) => ({
    name: p.name,
    settingsFile: p.settings.file,
    ok: !p.failed,
    failure: p.failure,
    variables: p.varlist
      .filter((v) => v.status !== Status.INACTIVE || v.failures.length > 0 || v.selection)
      .map(variableReport),
  }));
  const chosen = new Map<string, DataKey>();
  for (const p of pods)
    for (const v of p.varlist)
      if (v.selection && v.status !== Status.INACTIVE) for (const k of v.selection.keys) chosen.set(k.id, k);
  const files = [...chosen.values()];
  return {
    dataManager,
    case: caseSpec,
    pods: podReports,
    totals: {
      files: files.length,
      bytes: files.reduce((n, k) => n + (k.size ?? 0), 0),
      bytesToFetch: files.filter((k) => !k.cached).reduce((n, k) => n + (k.size ?? 0), 0),
      cacheHits: files.filter((k) => k.cached).length,
    },
  };
}

/** A byte count for people: `512 B`, `6.6 MiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** The report as text for a terminal: per POD and variable, the choice, what was dropped and why, the files. */
export function formatReport(report: RunReport, mode: 'plan' | 'run'): string {
  const out: string[] = [];
  const c = report.case;
  out.push(
    `${mode === 'plan' ? 'Plan' : 'Run'} for case ${c.name} ${c.firstYear}-${c.lastYear}${c.convention ? ` (data in convention ${c.convention})` : ''} with data manager ${report.dataManager}`,
  );
  for (const p of report.pods) {
    out.push(
      '',
      `POD ${p.name}: ${p.ok ? 'ok' : 'FAILED'}${p.driver ? ` (driver exit ${p.driver.exitCode}, log ${p.driver.logFile})` : ''}`,
    );
    if (p.codeRun) out.push(`  recorded as code run ${p.codeRun}`);
    if (p.failure) out.push(...p.failure.split('\n').map((l) => `  ${l}`));
    for (const v of p.variables) {
      const native = v.nativeName && v.nativeName !== v.name ? ` as ${v.nativeName}` : '';
      out.push(
        `  ${v.name}${native} [${v.requirement}] ${v.status}${v.alternateUsed ? ` → replaced by ${v.alternateUsed.join(' + ')}` : ''}`,
      );
      if (v.query) out.push(`    query: ${v.query}: ${v.candidates} candidate file(s)`);
      if (v.experiment)
        out.push(
          `    chosen: ${Object.entries(v.experiment)
            .filter(([, val]) => val)
            .map(([k, val]) => `${k}=${val}`)
            .join(', ')}`,
        );
      for (const d of v.decisions) out.push(`    ${d}`);
      for (const f of v.failures) out.push(`    failed: ${f}`);
      for (const f of v.files)
        out.push(
          `    file: ${f.localPath ?? f.id}${f.period ? ` [${f.period}]` : ''}${f.size !== undefined ? ` ${formatBytes(f.size)}` : ''}${f.cached ? ' (local)' : ''}`,
        );
      if (v.outputPath) out.push(`    output: ${v.outputPath}`);
    }
  }
  const t = report.totals;
  if (report.index) out.push('', `results page: ${report.index}`);
  out.push(
    '',
    `${t.files} file(s), ${formatBytes(t.bytes)}; ${formatBytes(t.bytesToFetch)} to fetch; ${t.cacheHits} already local`,
  );
  return out.join('\n');
}
