import path from 'node:path';
import { runCase, type CaseRunRequest } from './caseRun.js';
import type { CaseSpec } from './dataSource.js';
import type { RunReport } from './report.js';

/** `fairpod run`/`plan` for one or more cases. */
export interface CasesRunRequest extends Omit<CaseRunRequest, 'caseSpec'> {
  cases: CaseSpec[];
}

/**
 * Where a case's PODs get their data and run: the work directory itself for a single case (the layout of a
 * one-case run), `<work>/<CASE>` for each of several, so that neither their data nor the PODs' outputs mix.
 */
export function caseWorkDir(workDir: string, caseSpec: CaseSpec, caseCount: number): string {
  return caseCount === 1 ? workDir : path.join(workDir, caseSpec.name);
}

/**
 * Runs the loop for each case in turn, each with its own data source and selection, so that every case is
 * one consistent choice of data and no series holds files of two cases. Returns one report per case.
 */
export async function runCases(request: CasesRunRequest): Promise<RunReport[]> {
  const { cases, ...rest } = request;
  const reports: RunReport[] = [];
  for (const caseSpec of cases) {
    if (cases.length > 1)
      request.logger.info(`case ${caseSpec.name} ${caseSpec.firstYear}-${caseSpec.lastYear}`);
    reports.push(
      await runCase({ ...rest, caseSpec, workDir: caseWorkDir(request.workDir, caseSpec, cases.length) }),
    );
  }
  return reports;
}
