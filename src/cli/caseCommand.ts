import fs from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { looksLikeFairConfig } from '../settings/fairConfig.js';
import { runConfigSession } from './session.js';
import { runCase } from '../core/caseRun.js';
import { formatReport, type RunReport } from '../core/report.js';
import { findPlugin } from '../container.js';
import { locatePodSettings } from '../core/podLocator.js';
import { loadPodSettings } from '../settings/podSettings.js';
import { StderrLogger } from '../core/services.js';
import {
  addCaseOptions,
  requireCaseOptions,
  caseSpecFrom,
  pluginOptionsFrom,
  workDirFrom,
  type CaseCommandOptions,
} from './caseOptions.js';
import { defaultServices } from './defaultServices.js';
import { openRunProject } from './provenance.js';
import { ProjectRunProvenance } from '../registry/podRunRecorder.js';

/** True when `file` is a FAIR `config.yaml` (has `run_metadata`) rather than POD settings. */
async function isFairConfig(file: string): Promise<boolean> {
  if (!/\.ya?ml$/i.test(file) || !fs.existsSync(file)) return false;
  try {
    return looksLikeFairConfig(YAML.parse(await fs.promises.readFile(file, 'utf8')));
  } catch {
    return false; // not YAML: let the POD loader report it with its location
  }
}

/** Options only `fairpod run` has. */
interface RunOnlyOptions {
  disablePreprocessor?: boolean;
  project?: string;
  /** False with `--no-record`. */
  record?: boolean;
}

/**
 * Adds `fairpod run` or `fairpod plan` (the dry run): both take PODs and the case options, run the loop,
 * print the report (text or `--json`), and exit non-zero when a POD fails.
 */
export function addCaseCommand(program: Command, mode: 'run' | 'plan', description: string): Command {
  const command = program
    .command(mode)
    .argument(
      '<pod...>',
      mode === 'run'
        ? 'POD settings files, POD directories, names of shipped PODs, or one FAIR config.yaml'
        : 'POD settings files, POD directories, or names of shipped PODs',
    )
    .description(description);
  if (mode === 'run') {
    command
      .option('--disable-preprocessor', 'place fetched files as they are instead of preprocessing them')
      .option(
        '--project <dir>',
        'fairpod project to record the runs in (default: the one containing the current directory, else a new one here)',
      )
      .option('--no-record', 'do not record the POD runs in a registry');
  }
  return addCaseOptions(command, mode === 'plan').action(
    async (pods: string[], options: CaseCommandOptions & RunOnlyOptions) => {
      const { disablePreprocessor, project: projectDir, record, ...caseOptions } = options;
      if (mode === 'run' && pods.length === 1 && (await isFairConfig(pods[0]!))) {
        const result = await runConfigSession(pods[0]!, { project: projectDir });
        process.stdout.write(`code run ${result.runId}: script exited with ${result.exitCode}\n`);
        if (result.exitCode !== 0) process.exitCode = 1;
        return;
      }
      requireCaseOptions(options);
      // Everything the user gave is checked before a project is opened or created: a bad option or bad POD
      // settings leave no `.fairpod/` behind, and no open registry keeps the process alive after the error.
      const caseSpec = caseSpecFrom(options);
      const pluginOptions = pluginOptionsFrom(caseOptions);
      const workDir = workDirFrom(options);
      findPlugin(options.dataManager);
      for (const pod of pods) await loadPodSettings(locatePodSettings(pod));
      const logger = new StderrLogger();
      const project =
        mode === 'run' && record !== false ? await openRunProject(projectDir, logger) : undefined;
      let report: RunReport;
      try {
        // Downloads go to the store of the project the runs are recorded in, unless --store says otherwise.
        if (project && pluginOptions.store === undefined) pluginOptions.store = project.store.root;
        report = await runCase({
          pods,
          dataManager: options.dataManager,
          pluginOptions,
          caseSpec,
          workDir,
          strict: options.strict,
          dryRun: mode === 'plan',
          logger,
          provenance: project && new ProjectRunProvenance(project),
          ...defaultServices({ disablePreprocessor }),
        });
      } finally {
        await project?.close();
      }
      process.stdout.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, mode)}\n`,
      );
      if (report.pods.some((p) => !p.ok)) process.exitCode = 1;
    },
  );
}
