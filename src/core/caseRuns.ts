import { loadRequestedPods, requestCaseData, runPods, validateCase, type CaseRunRequest } from './caseRun.js';
import type { CaseSpec } from './dataSource.js';
import type { RunReport } from './report.js';
import type { PodSettings } from '../settings/types.js';

/** `fairpod run`/`plan` for one or more cases. */
export interface CasesRunRequest extends Omit<CaseRunRequest, 'caseSpec'> {
  cases: CaseSpec[];
  /**
   * The settings of `pods`, when loaded already (the CLI checks them before it opens a project): loading 10 PODs'
   * settings again took 0.15 s of a plan.
   */
  podSettings?: PodSettings[];
}

/**
 * Runs as MDTF 4.2 does with several cases: first the data of every case, each case with its own data source
 * and selection (so every case is one consistent choice of data and no series holds files of two cases), all
 * placed in the one work dir (`<work>/<POD>/<freq>/<CASE>.<var>.<freq>.nc`); then each POD ONCE with all cases
 * (`case_info.yml` lists them, `CATALOG_FILE` holds every case's files). Returns one report per case; a POD's
 * run outcome (driver, code run, failure) is in each.
 */
export async function runCases(request: CasesRunRequest): Promise<RunReport[]> {
  const { cases, podSettings, ...rest } = request;
  for (const caseSpec of cases) validateCase(caseSpec);
  const settings = await loadRequestedPods(request, podSettings);
  const data = [];
  for (const caseSpec of cases) {
    if (cases.length > 1)
      request.logger.info(
        `case ${caseSpec.name} ${caseSpec.firstYear}-${caseSpec.lastYear}: requesting data`,
      );
    data.push(await requestCaseData({ ...rest, caseSpec }, settings));
  }
  if (!request.dryRun) await runPods(rest, data);
  return data.map((d) => d.report);
}
