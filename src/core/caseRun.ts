import path from 'node:path';
import fs from 'node:fs/promises';
import { createContainer, resolveDataSource, findPlugin } from '../container.js';
import { loadPodSettings } from '../settings/podSettings.js';
import type { CaseSpec } from './dataSource.js';
import { ValidationError } from './errors.js';
import { Pod } from './pod.js';
import { runPodDriver } from './podDriver.js';
import { locatePodSettings } from './podLocator.js';
import { buildReport, type RunReport } from './report.js';
import type { RunProvenance } from './provenance.js';
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
function validateCase(c: CaseSpec): void {
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
  const settings = await Promise.all(request.pods.map((p) => loadPodSettings(locatePodSettings(p))));
  for (const s of settings) for (const w of s.warnings) request.logger.warn(w);
  const pods = settings.map(
    (s) =>
      new Pod(
        request.preprocessor.editVarlist ? { ...s, varlist: request.preprocessor.editVarlist(s.varlist) } : s,
      ),
  );
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
    if (pod.failed) continue;
    const podReport = report.pods[i]!;
    const record = await request.provenance?.openPodRun(pod, request.caseSpec, {
      pod: pod.settings.file,
      case: request.caseSpec,
      data_manager: request.dataManager,
      plugin_options: request.pluginOptions,
      strict: request.strict ?? false,
      work_dir: request.workDir,
    });
    if (record) {
      podReport.codeRun = record.runId;
      await record.read(pod.settings.file);
      for (const file of podInputs(pod)) await record.read(file);
      for (const v of pod.varlist) if (v.outputPath) await record.write(v.outputPath);
    }
    request.logger.info(`running POD ${pod.name}`);
    const result = await runPodDriver(pod, request.caseSpec, request.workDir);
    podReport.driver = { exitCode: result.exitCode, logFile: result.logFile };
    if (result.exitCode !== 0) {
      podReport.ok = false;
      podReport.failure = `driver ${result.command.join(' ')} exited with ${result.exitCode}; see ${result.logFile}`;
    }
    if (record) {
      const preprocessed = new Set(pod.varlist.map((v) => v.outputPath));
      const podWork = path.join(request.workDir, pod.name);
      for (const file of result.outputs) if (!preprocessed.has(file)) await record.writeResult(file, podWork);
      await record.finish(result.exitCode === 0);
    }
  }
  return report;
}
