import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { PluginRegistration } from '../container.js';
import type { RunReport } from '../core/report.js';
import {
  addCaseOptions,
  requireCaseOptions,
  caseSpecsFrom,
  pluginOptionsFrom,
  workDirFrom,
  type CaseCommandOptions,
} from './caseOptions.js';

/** True when `file` is a FAIR `config.yaml` (has `run_metadata`) rather than POD settings. */
async function isFairConfig(file: string): Promise<boolean> {
  if (!/\.ya?ml$/i.test(file) || !fs.existsSync(file)) return false;
  const [{ default: YAML }, { looksLikeFairConfig }] = await Promise.all([
    import('yaml'),
    import('../settings/fairConfig.js'),
  ]);
  try {
    return looksLikeFairConfig(YAML.parse(await fs.promises.readFile(file, 'utf8')));
  } catch {
    return false; // not YAML: let the POD loader report it with its location
  }
}

/** Interpreter overrides: `--python`, else `$FAIRPOD_PYTHON`. */
function interpretersFrom(python: string | undefined): Record<string, string> {
  const exe = python ?? process.env.FAIRPOD_PYTHON;
  return exe ? { '.py': exe } : {};
}

/** Options only `fairpod run` has. */
interface RunOnlyOptions {
  disablePreprocessor?: boolean;
  project?: string;
  /** False with `--no-record`. */
  record?: boolean;
  obsDataRoot?: string;
  python?: string;
  ghostscript?: string;
}

/**
 * Adds `fairpod run` or `fairpod plan` (the dry run): both take PODs and the case options, run the loop,
 * print the report (text or `--json`), and exit non-zero when a POD fails.
 */
export function addCaseCommand(
  program: Command,
  mode: 'run' | 'plan',
  description: string,
  plugins: readonly PluginRegistration[],
): Command {
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
      .option('--no-record', 'do not record the POD runs in a registry')
      .option('--obs-data-root <dir>', "observational data: each POD's in DIR/<POD>, given to it as OBS_DATA")
      .option(
        '--python <exe>',
        'the Python that runs .py drivers (default: $FAIRPOD_PYTHON, else python3 on PATH)',
      )
      .option('--ghostscript <exe>', 'ghostscript, which converts PS/EPS figures to PNG', 'gs');
  }
  return addCaseOptions(command, plugins, mode === 'plan').action(
    async (pods: string[], options: CaseCommandOptions & RunOnlyOptions) => {
      const {
        disablePreprocessor,
        project: projectDir,
        record,
        obsDataRoot,
        python,
        ghostscript,
        ...caseOptions
      } = options;
      if (mode === 'run' && pods.length === 1 && (await isFairConfig(pods[0]!))) {
        const { runConfigSession } = await import('./session.js');
        const result = await runConfigSession(pods[0]!, { project: projectDir });
        process.stdout.write(`code run ${result.runId}: script exited with ${result.exitCode}\n`);
        if (result.exitCode !== 0) process.exitCode = 1;
        return;
      }
      requireCaseOptions(options);
      const [
        { runCases },
        { formatReport },
        { findPlugin },
        { locatePodSettings },
        { loadPodSettings },
        { StderrLogger },
        { defaultServices },
        { openRunProject },
        { ProjectRunProvenance },
      ] = await Promise.all([
        import('../core/caseRuns.js'),
        import('../core/report.js'),
        import('../container.js'),
        import('../core/podLocator.js'),
        import('../settings/podSettings.js'),
        import('../core/services.js'),
        import('./defaultServices.js'),
        import('./provenance.js'),
        import('../registry/podRunRecorder.js'),
        import('../../plugins/index.js'),
      ]);
      // Everything the user gave is checked before a project is opened or created: a bad option or bad POD
      // settings leave no `.fairpod/` behind, and no open registry keeps the process alive after the error.
      const services = defaultServices({ disablePreprocessor });
      const cases = await caseSpecsFrom(options, (name) => services.translator.fieldlist(name));
      const pluginOptions = pluginOptionsFrom(caseOptions);
      const workDir = workDirFrom(options);
      findPlugin(options.dataManager);
      for (const pod of pods) await loadPodSettings(locatePodSettings(pod));
      const logger = new StderrLogger();
      const project =
        mode === 'run' && record !== false ? await openRunProject(projectDir, logger) : undefined;
      let reports: RunReport[];
      try {
        // Downloads go to the store of the project the runs are recorded in, unless --store says otherwise.
        if (project && pluginOptions.store === undefined) pluginOptions.store = project.store.root;
        reports = await runCases({
          pods,
          dataManager: options.dataManager,
          pluginOptions,
          cases,
          workDir,
          strict: options.strict,
          dryRun: mode === 'plan',
          logger,
          provenance: project && new ProjectRunProvenance(project),
          obsDataRoot: obsDataRoot === undefined ? undefined : path.resolve(obsDataRoot),
          interpreters: interpretersFrom(python),
          ghostscript,
          ...services,
        });
      } finally {
        await project?.close();
      }
      // One case prints its report; several print one report per case (a JSON array with --json).
      const json = reports.length === 1 ? reports[0] : reports;
      process.stdout.write(
        options.json
          ? `${JSON.stringify(json, null, 2)}\n`
          : `${reports.map((r) => formatReport(r, mode)).join('\n\n')}\n`,
      );
      if (reports.some((r) => r.pods.some((p) => !p.ok))) process.exitCode = 1;
    },
  );
}
