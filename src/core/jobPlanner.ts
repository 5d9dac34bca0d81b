import { createContainer, resolveServices } from '../container.js';
import { createDataSource } from '../plugin/define.js';
import { loadPlugins } from '../plugin/load.js';
import { defaultStoreRoot } from '../store/contentStore.js';
import type { CasesRunRequest } from './caseRuns.js';
import { DataRequest } from './dataRequest.js';
import { ValidationError } from './errors.js';
import { loadCasePods, validateCase } from './caseRun.js';
import type { DataKey, DataKeyInit } from './dataKey.js';
import type { JobPlan, PlannedCase, PlannedFetch, PlannedSelection, PlannedTask } from './jobPlan.js';
import { buildReport } from './report.js';
import { podResources } from './slurmResources.js';

/** What a job plan is made from: a run request, less what only a local run uses. */
export interface JobPlanRequest extends Omit<CasesRunRequest, 'dryRun' | 'provenance'> {
  /** The project the jobs record into; none with `--no-record`. */
  project?: string;
  disablePreprocessor: boolean;
  slurmOptions: Record<string, string>;
}

function keyInit(k: DataKey): DataKeyInit {
  return { id: k.id, row: k.row, start: k.start, end: k.end, size: k.size };
}

/**
 * Query and select, once, on the submitting host: runs each case's loop as `fairpod plan` does (nothing is
 * fetched or written) and keeps, per (case, POD), the files chosen for each variable; the keys of all of them,
 * each id once, are the run's fetches. A POD that fails here gets no job and is listed failed on its case's page.
 */
export async function planJobs(request: JobPlanRequest): Promise<JobPlan> {
  const plugin = (await loadPlugins()).find(request.dataManager);
  if (request.cases.length > 1) {
    // A multirun POD runs once with every case (as MDTF 4.2 runs it): one job per POD over all cases is not
    // planned yet, and one job per (case, POD) would not be that run.
    throw new ValidationError(
      `--executor slurm runs one case at a time; ${request.cases.length} were given`,
      {
        location: { key: '--case' },
        hint: 'submit each case on its own (its own --work-dir), or run several cases with --executor local',
      },
    );
  }
  const cases: PlannedCase[] = [];
  const tasks: PlannedTask[] = [];
  const fetches = new Map<string, PlannedFetch>();
  for (const [caseIndex, caseSpec] of request.cases.entries()) {
    validateCase(caseSpec);
    const workDir = request.workDir;
    const pods = await loadCasePods(request);
    const { source } = createDataSource(plugin.definition, request.pluginOptions, {
      logger: request.logger,
      storeRoot: request.storeRoot ?? defaultStoreRoot(process.cwd()),
    });
    await new DataRequest(source, resolveServices(createContainer(request))).run(pods, caseSpec, {
      strict: request.strict,
      dryRun: true,
      workDir,
    });
    const report = buildReport(request.dataManager, pods, caseSpec);
    const planned: PlannedCase = { spec: caseSpec, workDir, failed: [], podOrder: pods.map((p) => p.name) };
    cases.push(planned);
    for (const [i, pod] of pods.entries()) {
      if (pod.failed) {
        planned.failed.push(report.pods[i]!);
        continue;
      }
      const selections: Record<string, PlannedSelection> = {};
      for (const v of pod.varlist) {
        if (v.queryDescription === undefined) continue;
        const keys = v.selection ? v.selection.keys.map(keyInit) : [];
        selections[v.name] = { query: v.queryDescription, keys };
        for (const key of keys) if (!fetches.has(key.id)) fetches.set(key.id, { caseIndex, key });
      }
      tasks.push({
        index: tasks.length,
        caseIndex,
        pod: pod.settings.file,
        podName: pod.name,
        selections,
        resources: podResources(pod.settings),
      });
    }
  }
  return {
    format: 'fairpod-job-plan/1',
    created: new Date().toISOString(),
    project: request.project,
    dataManager: request.dataManager,
    pluginOptions: request.pluginOptions,
    strict: request.strict ?? false,
    disablePreprocessor: request.disablePreprocessor,
    obsDataRoot: request.obsDataRoot,
    interpreters: request.interpreters ?? {},
    ghostscript: request.ghostscript,
    cases,
    tasks,
    fetches: [...fetches.values()],
    slurmOptions: request.slurmOptions,
  };
}
