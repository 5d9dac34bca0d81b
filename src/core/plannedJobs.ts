import fs from 'node:fs/promises';
import PQueue from 'p-queue';
import { createContainer, resolveServices } from '../container.js';
import { createDataSource } from '../plugin/define.js';
import { loadPlugins } from '../plugin/load.js';
import { defaultStoreRoot } from '../store/contentStore.js';
import { indexCase, loadCasePods, runOnePod, writeIndexEntries, type CaseRunRequest } from './caseRun.js';
import { DataRequest } from './dataRequest.js';
import type { DataKey } from './dataKey.js';
import {
  readPlan,
  readRunJson,
  runFiles,
  taskJob,
  writeRunJson,
  type FetchOutcomes,
  type JobPlan,
  type PlannedCase,
} from './jobPlan.js';
import { PlannedDataSource } from './plannedSource.js';
import type { RunProvenance } from './provenance.js';
import { buildReport, type PodReport, type RunReport } from './report.js';
import type { Logger, Preprocessor, VariableTranslator } from './services.js';
import { loadPodSettings } from '../settings/podSettings.js';
import { Pod } from './pod.js';

/** What a job receives besides its plan: the services a local run has, and where it records. */
export interface JobServices {
  translator: VariableTranslator;
  preprocessor: Preprocessor;
  logger: Logger;
  provenance?: RunProvenance;
  /** Where the plugin's downloads go unless its options say otherwise (the project's store). */
  storeRoot?: string;
}

/** The plan's data source, made from its plugin and options as the submitting host made it. */
async function planSource(plan: JobPlan, services: JobServices) {
  const plugin = (await loadPlugins()).find(plan.dataManager);
  return createDataSource(plugin.definition, plan.pluginOptions, {
    logger: services.logger,
    storeRoot: services.storeRoot ?? defaultStoreRoot(process.cwd()),
  }).source;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The fetch stage of a planned run (one job, or the submitting host with `--fetch-here`): fetches every
 * planned key once, through the real plugin of the key's case, and writes what became of each to
 * `fetched.json`. A key that fails is recorded as failed (its PODs then fail, or fall back, as in a local
 * run); only a crash fails the stage, so the POD jobs of the keys that arrived still run.
 */
export async function runPlannedFetch(
  runDir: string,
  services: JobServices,
  concurrency = 4,
): Promise<FetchOutcomes> {
  const plan = await readPlan(runDir);
  const outcomes: FetchOutcomes = {};
  for (const [caseIndex, planned] of plan.cases.entries()) {
    const keys = plan.fetches.filter((f) => f.caseIndex === caseIndex).map((f) => ({ ...f.key }) as DataKey);
    if (!keys.length) continue;
    const source = await planSource(plan, services);
    const context = {
      caseSpec: planned.spec,
      options: { strict: plan.strict, workDir: planned.workDir },
    };
    await source.setup?.(context);
    try {
      const queue = new PQueue({ concurrency });
      await Promise.all(
        keys.map((key) =>
          queue.add(async () => {
            try {
              outcomes[key.id] = await source.fetch(key, context);
            } catch (err) {
              outcomes[key.id] = { failure: errorText(err) };
              services.logger.warn(`fetch ${key.id} failed: ${errorText(err)}`);
            }
          }),
        ),
      );
    } finally {
      await source.tearDown?.();
    }
  }
  await writeRunJson(runFiles(runDir).fetched, outcomes);
  return outcomes;
}

/** The request a job hands to the POD runtime: the same as the local run's for this case. */
function caseRequest(
  plan: JobPlan,
  planned: PlannedCase,
  pod: string,
  services: JobServices,
): CaseRunRequest {
  return {
    pods: [pod],
    dataManager: plan.dataManager,
    pluginOptions: plan.pluginOptions,
    caseSpec: planned.spec,
    workDir: planned.workDir,
    strict: plan.strict,
    obsDataRoot: plan.obsDataRoot,
    interpreters: plan.interpreters,
    ghostscript: plan.ghostscript,
    ...services,
  };
}

/**
 * One (case, POD) task on a compute node: preprocesses the POD's planned files (fetched by the fetch stage)
 * and runs it with the MDTF runtime, recorded as a local run records it; writes its report to
 * `results/pod-<index>.json`. Resolves with the POD's report.
 */
export async function runPlannedPod(
  runDir: string,
  index: number,
  services: JobServices,
): Promise<PodReport> {
  const plan = await readPlan(runDir);
  const task = plan.tasks[index];
  if (!task)
    throw new Error(`task ${index} is not in ${runFiles(runDir).plan} (it has ${plan.tasks.length} tasks)`);
  const planned = plan.cases[task.caseIndex]!;
  const fetched = await readRunJson<FetchOutcomes>(runFiles(runDir).fetched, 'fetch results');
  const request = caseRequest(plan, planned, task.pod, services);
  const [pod] = await loadCasePods(request);
  const source = new PlannedDataSource(await planSource(plan, services), task.selections, fetched);
  await fs.mkdir(planned.workDir, { recursive: true });
  await new DataRequest(source, resolveServices(createContainer(services))).run([pod!], planned.spec, {
    strict: plan.strict,
    workDir: planned.workDir,
  });
  const report = buildReport(plan.dataManager, [pod!], planned.spec).pods[0]!;
  if (!pod!.failed) await runOnePod(request, [{ caseSpec: planned.spec, pod: pod!, report }]);
  await writeRunJson(runFiles(runDir).result(index), report);
  return report;
}

/** The totals of a run's report from its PODs' files (each file once). */
function totalsOf(pods: PodReport[]): RunReport['totals'] {
  const files = new Map(pods.flatMap((p) => p.variables.flatMap((v) => v.files.map((f) => [f.id, f]))));
  const all = [...files.values()];
  return {
    files: all.length,
    bytes: all.reduce((n, f) => n + (f.size ?? 0), 0),
    bytesToFetch: all.filter((f) => !f.cached).reduce((n, f) => n + (f.size ?? 0), 0),
    cacheHits: all.filter((f) => f.cached).length,
  };
}

/**
 * The last stage of a planned run, after every POD job ended however it ended: each case's `index.html`
 * (as a local run writes it; a POD whose job left no report is listed failed, with its log) and the run's
 * reports in `report.json`. Run again after a resume, it sees the new results.
 */
export async function finishPlannedRun(runDir: string, services: JobServices): Promise<RunReport[]> {
  const plan = await readPlan(runDir);
  const files = runFiles(runDir);
  const reports: RunReport[] = [];
  for (const [caseIndex, planned] of plan.cases.entries()) {
    const byName = new Map<string, PodReport>(planned.failed.map((r) => [r.name, r]));
    const settingsFiles = new Map(planned.failed.map((r) => [r.name, r.settingsFile]));
    for (const task of plan.tasks.filter((t) => t.caseIndex === caseIndex)) {
      settingsFiles.set(task.podName, task.pod);
      const result = await readRunJson<PodReport>(files.result(task.index), 'POD report').catch(() => ({
        name: task.podName,
        settingsFile: task.pod,
        ok: false,
        failure: `its job did not finish; see ${files.log(taskJob(task.index))}`,
        variables: [],
      }));
      byName.set(task.podName, result);
    }
    const pods = planned.podOrder.map((name) => byName.get(name)!);
    const finished = new Date().toISOString();
    const entries = [];
    for (const p of pods) {
      const settings = await loadPodSettings(settingsFiles.get(p.name)!);
      entries.push({
        name: p.name,
        description: settings.settings.description ?? settings.settings.long_name ?? p.name,
        ok: p.ok,
        ...(p.failure ? { failure: p.failure } : {}),
        cases: [indexCase(planned.spec, new Pod(settings))],
        finished,
      });
    }
    const index = await writeIndexEntries(
      { workDir: planned.workDir, ghostscript: plan.ghostscript, logger: services.logger },
      entries,
    );
    reports.push({ dataManager: plan.dataManager, case: planned.spec, pods, index, totals: totalsOf(pods) });
  }
  await writeRunJson(files.report, reports);
  return reports;
}
