import path from 'node:path';
import fs from 'node:fs/promises';
import { createContainer, resolveDataSource, findPlugin } from '../container.js';
import { loadPodSettings } from '../settings/podSettings.js';
import type { CaseSpec } from './dataSource.js';
import { ValidationError } from './errors.js';
import { Pod } from './pod.js';
import { runPodDriver } from './podDriver.js';
import { caseEnvVars, entriesWithoutData, entryFile, podEnvironment, podPaths } from './podEnvironment.js';
import { writeCaseInfo } from './caseInfo.js';
import { writeBanner } from './figures.js';
import { templatingDict } from './htmlTemplate.js';
import { writeIndexPage, type IndexEntry } from './indexPage.js';
import { checkObsData, filesBelow } from './obsData.js';
import { makeOutputTree, makePodOutput } from './podOutput.js';
import { missingRequirements } from './runtimeRequirements.js';
import { locatePodSettings } from './podLocator.js';
import { buildReport, type PodReport, type RunReport } from './report.js';
import { recordedEnvironment, type RunProvenance } from './provenance.js';
import type { Logger, Preprocessor, VariableTranslator } from './services.js';

/** Everything `fairpod run` and `fairpod plan` need. */
export interface CaseRunRequest {
  /** POD settings files, POD directories, or names of shipped PODs. */
  pods: string[];
  dataManager: string;
  /** The plugin's own options, by commander's camelCase name. */
  pluginOptions: Record<string, unknown>;
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
}

/** The fetched files a POD's preprocessed data came from. */
function podInputs(pod: Pod): string[] {
  const files = new Set<string>();
  for (const v of pod.varlist) {
    if (!v.outputPath || !v.selection) continue;
    for (const k of v.selection.keys) files.add(k.localPath ?? k.id);
  }
  return [...files];
}

/** Checks the case's period and name before any work starts. */
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

/**
 * Runs the loop for a case: loads the PODs' settings, resolves the data manager from the container,
 * requests the data, and (unless a dry run) runs each POD whose data are all there.
 */
export async function runCase(request: CaseRunRequest): Promise<RunReport> {
  validateCase(request.caseSpec);
  findPlugin(request.dataManager);
  const pods = await loadCasePods(request);
  const container = createContainer({
    translator: request.translator,
    preprocessor: request.preprocessor,
    logger: request.logger,
  });
  const source = resolveDataSource(container, request.dataManager, request.pluginOptions);
  if (!request.dryRun) await fs.mkdir(request.workDir, { recursive: true });
  await source.requestData(pods, request.caseSpec, {
    strict: request.strict,
    dryRun: request.dryRun,
    workDir: request.workDir,
  });
  const report = buildReport(request.dataManager, pods, request.caseSpec);
  if (request.dryRun) return report;
  for (const [i, pod] of pods.entries()) {
    if (!pod.failed) await runOnePod(request, pod, report.pods[i]!);
  }
  report.index = await writeRunIndex(request, indexEntries(pods, report));
  return report;
}

/** The request's PODs, loaded (warnings logged) and with the preprocessor's edits to their varlists. */
export async function loadCasePods(
  request: Pick<CaseRunRequest, 'pods' | 'preprocessor' | 'logger'>,
): Promise<Pod[]> {
  const settings = await Promise.all(request.pods.map((p) => loadPodSettings(locatePodSettings(p))));
  for (const s of settings) for (const w of s.warnings) request.logger.warn(w);
  return settings.map(
    (s) =>
      new Pod(
        request.preprocessor.editVarlist ? { ...s, varlist: request.preprocessor.editVarlist(s.varlist) } : s,
      ),
  );
}

/** Marks a POD's report failed with `reason` (kept with any earlier one). */
function failReport(podReport: PodReport, reason: string): void {
  podReport.ok = false;
  podReport.failure = podReport.failure ? `${podReport.failure}\n${reason}` : reason;
}

/**
 * Runs one POD as MDTF 4.2's runtime does: checks its obs data, makes the output tree, writes case_info.yml and
 * the catalog of its preprocessed files, runs its driver with MDTF's environment, then makes its HTML page
 * and PNG figures and checks the page's links; records all of it when a registry is given.
 */
export async function runOnePod(request: CaseRunRequest, pod: Pod, podReport: PodReport): Promise<void> {
  const { caseSpec, workDir } = request;
  const paths = podPaths(pod, workDir, request.obsDataRoot);
  const obs = await checkObsData(pod, paths.obsData);
  if (obs.failure) {
    failReport(podReport, obs.failure);
    return;
  }
  const unmet = await missingRequirements(pod, request.interpreters);
  if (unmet.length > 0) {
    failReport(
      podReport,
      `POD ${pod.name} was not run: its runtime_requirements are not met:\n${unmet.map((m) => `  ${m}`).join('\n')}`,
    );
    return;
  }
  for (const f of obs.missingFiles)
    request.logger.warn(`POD ${pod.name}: obs file ${f} named in its code is missing`);
  // A file left from an earlier run where an entry without data now would be: MDTF starts from an empty WORK_DIR.
  // Not one this run placed: an unused stand-in (a flux offered as a rate) shares the path of the entry it
  // stands for.
  const placed = new Set(pod.varlist.map((v) => v.outputPath));
  for (const v of entriesWithoutData(pod)) {
    const stale = entryFile(v, caseSpec, workDir);
    if (!placed.has(stale)) await fs.rm(stale, { force: true });
  }
  await makeOutputTree(paths.podWork);
  await writeCaseInfo(pod, caseSpec, workDir, paths);
  const env = podEnvironment(pod, caseSpec, workDir, paths);
  const record = await request.provenance?.openPodRun(pod, caseSpec, {
    pod: pod.settings.file,
    case: caseSpec,
    data_manager: request.dataManager,
    plugin_options: request.pluginOptions,
    strict: request.strict ?? false,
    work_dir: workDir,
    obs_data: paths.obsData ?? null,
    environment: recordedEnvironment(env),
  });
  // The driver itself is the run's submission_script; every other file of the POD is an input.
  const driver = path.resolve(pod.settings.podHome, pod.settings.settings.driver);
  const codeFiles = (await filesBelow(pod.settings.podHome)).filter((f) => f !== driver);
  const obsFiles = paths.obsData ? await filesBelow(paths.obsData) : [];
  const inputs = [...new Set([pod.settings.file, ...codeFiles, ...podInputs(pod), ...obsFiles])];
  if (record) {
    podReport.codeRun = record.runId;
    for (const file of inputs) await record.read(file);
    for (const v of pod.varlist) if (v.outputPath) await record.write(v.outputPath);
  }
  request.logger.info(`running POD ${pod.name}`);
  const result = await runPodDriver(pod, paths.podWork, env, request.interpreters);
  podReport.driver = { exitCode: result.exitCode, logFile: result.logFile };
  if (result.exitCode !== 0) {
    const missingObs = obs.missingFiles.length
      ? `\nits code names obs files that are missing: ${obs.missingFiles.join(', ')}`
      : '';
    failReport(
      podReport,
      `driver ${result.command.join(' ')} exited with ${result.exitCode}; see ${result.logFile}${missingObs}`,
    );
  } else {
    const values = templatingDict(pod, env, caseEnvVars(pod, caseSpec, workDir));
    const output = await makePodOutput(pod, paths, values, request.ghostscript);
    for (const w of output.warnings) request.logger.warn(`POD ${pod.name}: ${w}`);
    if (output.failure) failReport(podReport, output.failure);
  }
  await writeDataLog(pod, paths.podWork, podInputs(pod));
  if (record) {
    const preprocessed = new Set(pod.varlist.map((v) => v.outputPath));
    for (const file of await filesBelow(paths.podWork)) {
      if (!preprocessed.has(file)) await record.writeResult(file, paths.podWork);
    }
    await record.finish(podReport.ok);
  }
}

/** MDTF's `<POD>.data.log`: the model files the POD's data came from, and the preprocessed files it read. */
async function writeDataLog(pod: Pod, podWork: string, inputs: string[]): Promise<void> {
  const preprocessed = pod.varlist.flatMap((v) => (v.outputPath ? [v.outputPath] : []));
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

/** The index page's entries of `pods`, with their status from the report. */
export function indexEntries(pods: Pod[], report: RunReport): IndexEntry[] {
  return pods.map((pod, i) => ({
    name: pod.name,
    description: pod.settings.settings.description ?? pod.settings.settings.long_name ?? pod.name,
    ok: report.pods[i]!.ok,
    failure: report.pods[i]!.failure,
  }));
}

/** The run's `index.html` in the work dir, linking every POD with its status, and the banner PODs' pages show. */
export async function writeRunIndex(
  request: Pick<CaseRunRequest, 'workDir' | 'ghostscript' | 'logger' | 'caseSpec'>,
  entries: IndexEntry[],
): Promise<string> {
  let banner = true;
  try {
    await writeBanner(request.workDir, request.ghostscript);
  } catch (err) {
    banner = false;
    request.logger.warn(`no banner for index.html: ${(err as Error).message}`);
  }
  return writeIndexPage(request.workDir, request.caseSpec.name, entries, banner);
}
