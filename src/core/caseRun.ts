import path from 'node:path';
import fs from 'node:fs/promises';
import { createContainer, resolveServices } from '../container.js';
import { createDataSource } from '../plugin/define.js';
import { loadPlugins } from '../plugin/load.js';
import { defaultStoreRoot } from '../store/contentStore.js';
import { DataRequest } from './dataRequest.js';
import { loadPodSettings } from '../settings/podSettings.js';
import type { RegistryProductRef } from './dataKey.js';
import type { CaseSpec } from './dataSource.js';
import { ValidationError } from './errors.js';
import { Pod } from './pod.js';
import { runPodDriver } from './podDriver.js';
import {
  caseDates,
  entriesWithoutData,
  entryFile,
  podEnvironment,
  podPaths,
  type PodCase,
} from './podEnvironment.js';
import { writeCaseInfo } from './caseInfo.js';
import { writeBanner } from './figures.js';
import { caseTemplateValues, templatingDict } from './htmlTemplate.js';
import { updateIndexPage, type IndexCase, type IndexEntry } from './indexPage.js';
import { checkObsData, filesBelow } from './obsData.js';
import { makeOutputTree, makePodOutput } from './podOutput.js';
import { missingRequirements } from './runtimeRequirements.js';
import { locatePodSettings } from './podLocator.js';
import { buildReport, type PodReport, type RunReport } from './report.js';
import { recordedEnvironment, type RunProvenance } from './provenance.js';
import type { Logger, Preprocessor, VariableTranslator } from './services.js';
import type { PodSettings } from '../settings/types.js';
import { timeStage, type StageTimes } from './stageTimes.js';

/** Everything `fairpod run` and `fairpod plan` need. */
export interface CaseRunRequest {
  /** POD settings files, POD directories, or names of shipped PODs. */
  pods: string[];
  dataManager: string;
  /** The plugin's own options, by camelCase name: commander's strings or typed values, parsed by the core. */
  pluginOptions: Record<string, unknown>;
  /** Where the plugin's downloads go unless its options say otherwise; default `.fairpod/store` here. */
  storeRoot?: string;
  caseSpec: CaseSpec;
  workDir: string;
  strict?: boolean;
  /** Query, select and check only (`fairpod plan`). */
  dryRun?: boolean;
  translator: VariableTranslator;
  preprocessor: Preprocessor;
  logger: Logger;
  /** Where each POD run is recorded as a code run; nothing is recorded without it. */
  provenance?: RunProvenance;
  /** MDTF's OBS_DATA_ROOT: each POD's observational data are in `<root>/<POD>` (its OBS_DATA). */
  obsDataRoot?: string;
  /** Program per driver extension, e.g. `{'.py': '/usr/bin/python3'}`. */
  interpreters?: Record<string, string>;
  /** The ghostscript executable that converts PS/EPS figures (default `gs`). */
  ghostscript?: string;
  /** Where the stages' wall times are summed (`--timings`). */
  timings?: StageTimes;
}

/** The fetched files a POD's preprocessed data came from, with the registry data product each one is. */
function podInputs(pod: Pod): Map<string, RegistryProductRef | undefined> {
  const files = new Map<string, RegistryProductRef | undefined>();
  for (const v of pod.varlist) {
    if (!v.outputPath || !v.selection) continue;
    for (const k of v.selection.keys) files.set(k.localPath ?? k.id, k.dataProduct);
  }
  return files;
}

/** The preprocessed files fairpod placed for a POD. */
function preprocessedFiles(pod: Pod): string[] {
  return pod.varlist.flatMap((v) => (v.outputPath ? [v.outputPath] : []));
}

/** Checks a case's period and name before any work starts. */
export function validateCase(c: CaseSpec): void {
  if (!Number.isInteger(c.firstYear) || !Number.isInteger(c.lastYear)) {
    throw new ValidationError('--firstyr and --lastyr must be whole years', {
      location: { key: '--firstyr' },
      hint: 'e.g. --firstyr 1985 --lastyr 1989',
    });
  }
  if (c.firstYear > c.lastYear) {
    throw new ValidationError(`--firstyr ${c.firstYear} is after --lastyr ${c.lastYear}`, {
      location: { key: '--firstyr' },
      hint: 'swap them',
    });
  }
  if (!/^[\w.-]+$/.test(c.name)) {
    throw new ValidationError(`case name "${c.name}" must be letters, digits, '.', '_' or '-'`, {
      location: { key: '--case' },
      hint: 'it becomes part of file names',
    });
  }
}

/** One case's data request: the case, its PODs as the loop left them, and its report. */
export interface CaseData {
  caseSpec: CaseSpec;
  /** The PODs of the request, in order, each with this case's data. */
  pods: Pod[];
  report: RunReport;
  /** The plugin's options as parsed (absolute paths, numbers), as the run records them. */
  pluginOptions: Record<string, unknown>;
}

/** Loads the settings of the request's PODs (unless `loaded` already), and logs their warnings: once for all cases. */
export async function loadRequestedPods(
  request: Pick<CaseRunRequest, 'pods' | 'logger'>,
  loaded?: PodSettings[],
): Promise<PodSettings[]> {
  const settings =
    loaded ?? (await Promise.all(request.pods.map((p) => loadPodSettings(locatePodSettings(p)))));
  for (const s of settings) for (const w of s.warnings) request.logger.warn(w);
  return settings;
}

/** PODs from their settings, with the preprocessor's edits to their varlists: one set per case's request. */
export function podsFrom(settings: PodSettings[], preprocessor: Preprocessor): Pod[] {
  return settings.map(
    (s) => new Pod(preprocessor.editVarlist ? { ...s, varlist: preprocessor.editVarlist(s.varlist) } : s),
  );
}

/** The request's PODs, loaded (warnings logged) and edited by the preprocessor. */
export async function loadCasePods(
  request: Pick<CaseRunRequest, 'pods' | 'preprocessor' | 'logger'>,
): Promise<Pod[]> {
  return podsFrom(await loadRequestedPods(request), request.preprocessor);
}

/**
 * Runs the data loop for one case: makes its own PODs from `settings`, resolves its own data source from the
 * container, and requests the data, so that the case is one consistent selection of its own.
 */
export async function requestCaseData(request: CaseRunRequest, settings: PodSettings[]): Promise<CaseData> {
  validateCase(request.caseSpec);
  const plugin = (await loadPlugins()).find(request.dataManager);
  // The plugin's options are parsed once, here; each case gets a data source of its own.
  const { source, options } = createDataSource(plugin.definition, request.pluginOptions, {
    logger: request.logger,
    storeRoot: request.storeRoot ?? defaultStoreRoot(process.cwd()),
  });
  const pods = podsFrom(settings, request.preprocessor);
  const services = resolveServices(
    createContainer({
      translator: request.translator,
      preprocessor: request.preprocessor,
      logger: request.logger,
    }),
  );
  if (!request.dryRun) await fs.mkdir(request.workDir, { recursive: true });
  await new DataRequest(source, services).run(pods, request.caseSpec, {
    strict: request.strict,
    dryRun: request.dryRun,
    workDir: request.workDir,
    timings: request.timings,
  });
  return {
    caseSpec: request.caseSpec,
    pods,
    report: buildReport(request.dataManager, pods, request.caseSpec),
    pluginOptions: options,
  };
}

/**
 * Runs each POD once with the data of all `cases` (MDTF 4.2 runs every POD once per run, with every case),
 * then writes the work dir's index page. A POD runs only when every case has its data, as in MDTF.
 */
export async function runPods(request: Omit<CaseRunRequest, 'caseSpec'>, cases: CaseData[]): Promise<void> {
  const podCount = cases[0]?.pods.length ?? 0;
  for (let i = 0; i < podCount; i++) {
    const podCases = cases.map((c) => ({ caseSpec: c.caseSpec, pod: c.pods[i]!, report: c.report.pods[i]! }));
    const lacking = podCases.filter((c) => c.pod.failed).map((c) => c.caseSpec.name);
    if (lacking.length === 0)
      await runOnePod({ ...request, pluginOptions: cases[0]!.pluginOptions }, podCases);
    else
      for (const c of podCases.filter((x) => !x.pod.failed))
        failReport(
          c.report,
          `POD ${c.pod.name} was not run: it runs once with all cases, and case${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')} lack${lacking.length > 1 ? '' : 's'} data it requires`,
        );
  }
  const index = await timeStage(request.timings, 'POD output', () => writeIndex(request, cases));
  for (const c of cases) c.report.index = index;
}

/**
 * Runs the loop for a case: loads the PODs' settings, resolves the data manager from the container,
 * requests the data, and (unless a dry run) runs each POD whose data are all there.
 */
export async function runCase(request: CaseRunRequest): Promise<RunReport> {
  validateCase(request.caseSpec);
  const data = await requestCaseData(request, await loadRequestedPods(request));
  if (!request.dryRun) await runPods(request, [data]);
  return data.report;
}

/** Marks a POD's report failed with `reason` (kept with any earlier one). */
function failReport(podReport: PodReport, reason: string): void {
  podReport.ok = false;
  podReport.failure = podReport.failure ? `${podReport.failure}\n${reason}` : reason;
}

/** One case of a POD's run, with the case's report of the POD, which gets the run's outcome. */
export interface PodCaseRun extends PodCase {
  report: PodReport;
}

/** Why a POD given several cases may have failed: what MDTF 4.2 gives it and what it does not. */
const MULTICASE_HINT =
  'with several cases a POD runs once and gets each case from $case_env_file (case_info.yml) and $CATALOG_FILE, ' +
  'without CASENAME, startdate, enddate or <VAR>_FILE, as in MDTF 4.2: run a single-case POD with one --case ' +
  '(and its own --work-dir)';

/**
 * Runs one POD once with all its cases as MDTF 4.2's runtime does: checks its obs data, makes the output tree,
 * writes case_info.yml (every case) and the catalog of every case's preprocessed files, runs its driver with
 * MDTF's environment, then makes its HTML page and PNG figures and checks the page's links; records all of it,
 * as one code run with every case's inputs, when a registry is given. Every case's report gets the outcome.
 */
export function runOnePod(request: Omit<CaseRunRequest, 'caseSpec'>, cases: PodCaseRun[]): Promise<void> {
  // All but its driver and its recording is the POD's output tree, pages and figures.
  return timeStage(request.timings, 'POD output', () => runOnePodTimed(request, cases));
}

async function runOnePodTimed(request: Omit<CaseRunRequest, 'caseSpec'>, cases: PodCaseRun[]): Promise<void> {
  const { workDir } = request;
  const { pod } = cases[0]!;
  const fail = (reason: string) => cases.forEach((c) => failReport(c.report, reason));
  const paths = podPaths(pod, workDir, request.obsDataRoot);
  const obs = await checkObsData(pod, paths.obsData);
  if (obs.failure) {
    fail(obs.failure);
    return;
  }
  const unmet = await missingRequirements(pod, request.interpreters);
  if (unmet.length > 0) {
    fail(
      `POD ${pod.name} was not run: its runtime_requirements are not met:\n${unmet.map((m) => `  ${m}`).join('\n')}`,
    );
    return;
  }
  for (const f of obs.missingFiles)
    request.logger.warn(`POD ${pod.name}: obs file ${f} named in its code is missing`);
  // A file left from an earlier run where an entry without data now would be: MDTF starts from an empty WORK_DIR.
  // Not one this run placed: an unused stand-in (a flux offered as a rate) shares the path of the entry it
  // stands for.
  for (const c of cases) {
    const placed = new Set(c.pod.varlist.map((v) => v.outputPath));
    for (const v of entriesWithoutData(c.pod)) {
      const stale = entryFile(v, c.caseSpec, workDir);
      if (!placed.has(stale)) await fs.rm(stale, { force: true });
    }
  }
  await makeOutputTree(paths.podWork);
  await writeCaseInfo(cases, workDir, paths);
  const env = podEnvironment(cases, workDir, paths);
  const caseSpecs = cases.map((c) => c.caseSpec);
  const record = await timeStage(request.timings, 'registry recording', async () =>
    request.provenance?.openPodRun(pod, caseSpecs, {
      pod: pod.settings.file,
      cases: caseSpecs,
      data_manager: request.dataManager,
      plugin_options: request.pluginOptions,
      strict: request.strict ?? false,
      work_dir: workDir,
      obs_data: paths.obsData ?? null,
      environment: recordedEnvironment(env),
    }),
  );
  // The driver itself is the run's submission_script; every other file of the POD is an input.
  const driver = path.resolve(pod.settings.podHome, pod.settings.settings.driver);
  const codeFiles = (await filesBelow(pod.settings.podHome)).filter((f) => f !== driver);
  const obsFiles = paths.obsData ? await filesBelow(paths.obsData) : [];
  const dataProducts = new Map(cases.flatMap((c) => [...podInputs(c.pod)]));
  const dataInputs = [...dataProducts.keys()];
  const preprocessed = cases.flatMap((c) => preprocessedFiles(c.pod));
  const inputs = [...new Set([pod.settings.file, ...codeFiles, ...dataInputs, ...obsFiles])];
  if (record) {
    for (const c of cases) c.report.codeRun = record.runId;
    await timeStage(request.timings, 'registry recording', async () => {
      for (const file of inputs) await record.read(file, dataProducts.get(file));
      for (const file of preprocessed) await record.write(file);
    });
  }
  request.logger.info(
    `running POD ${pod.name}${cases.length > 1 ? ` with cases ${caseSpecs.map((c) => c.name).join(', ')}` : ''}`,
  );
  const result = await timeStage(request.timings, 'POD drivers', () =>
    runPodDriver(pod, paths.podWork, env, request.interpreters),
  );
  for (const c of cases) c.report.driver = { exitCode: result.exitCode, logFile: result.logFile };
  if (result.exitCode !== 0) {
    const missingObs = obs.missingFiles.length
      ? `\nits code names obs files that are missing: ${obs.missingFiles.join(', ')}`
      : '';
    fail(
      `driver ${result.command.join(' ')} exited with ${result.exitCode}; see ${result.logFile}${missingObs}` +
        (cases.length > 1 ? `\nhint: ${MULTICASE_HINT}` : ''),
    );
  } else {
    const values = templatingDict(pod, env, caseTemplateValues(cases, workDir));
    const output = await makePodOutput(pod, paths, values, request.ghostscript);
    for (const w of output.warnings) request.logger.warn(`POD ${pod.name}: ${w}`);
    if (output.failure) fail(output.failure);
  }
  await writeDataLog(pod, paths.podWork, dataInputs, preprocessed);
  if (record) {
    await timeStage(request.timings, 'registry recording', async () => {
      const placed = new Set(preprocessed);
      for (const file of await filesBelow(paths.podWork)) {
        if (!placed.has(file)) await record.writeResult(file, paths.podWork);
      }
      await record.finish(cases.every((c) => c.report.ok));
    });
  }
}

/** MDTF's `<POD>.data.log`: the model files the POD's data came from, and the preprocessed files it read. */
async function writeDataLog(
  pod: Pod,
  podWork: string,
  inputs: string[],
  preprocessed: string[],
): Promise<void> {
  const text = [
    `# Input model data files used in this run of POD ${pod.name}:`,
    ...inputs,
    '',
    `# Preprocessed files used as input to POD ${pod.name}:`,
    ...preprocessed,
    '',
  ].join('\n');
  await fs.writeFile(path.join(podWork, `${pod.name}.data.log`), text);
}

/**
 * The work dir's `index.html`, listing every POD run into it with its status and cases (this run's PODs added
 * or replacing their earlier entries), and the banner PODs' pages show. Returns the page.
 */
async function writeIndex(request: Omit<CaseRunRequest, 'caseSpec'>, cases: CaseData[]): Promise<string> {
  const finished = new Date().toISOString();
  const entries = (cases[0]?.pods ?? []).map((pod, i) => {
    const reports = cases.map((c) => c.report.pods[i]!);
    const failures = [...new Set(reports.flatMap((r) => (r.failure ? [r.failure] : [])))];
    return {
      name: pod.name,
      description: pod.settings.settings.description ?? pod.settings.settings.long_name ?? pod.name,
      ok: reports.every((r) => r.ok),
      ...(failures.length ? { failure: failures.join('\n') } : {}),
      cases: cases.map((c) => indexCase(c.caseSpec, c.pods[i]!)),
      finished,
    };
  });
  return writeIndexEntries(request, entries);
}

/** Adds `entries` to the work dir's `index.html` (other PODs' entries kept), under its banner; returns the page. */
export async function writeIndexEntries(
  request: Pick<CaseRunRequest, 'workDir' | 'ghostscript' | 'logger'>,
  entries: IndexEntry[],
): Promise<string> {
  let banner = true;
  try {
    await writeBanner(request.workDir, request.ghostscript);
  } catch (err) {
    banner = false;
    request.logger.warn(`no banner for index.html: ${(err as Error).message}`);
  }
  const index = await updateIndexPage(request.workDir, entries, banner);
  for (const w of index.warnings) request.logger.warn(w);
  return index.page;
}

/** A case of a POD's run as the index page shows it. */
export function indexCase(caseSpec: CaseSpec, pod: Pod): IndexCase {
  return {
    name: caseSpec.name,
    ...caseDates(caseSpec),
    convention: (caseSpec.convention ?? pod.convention).toUpperCase(),
  };
}
