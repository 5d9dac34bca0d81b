import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { looksLikeFairConfig } from '../settings/fairConfig.js';
import { runCases } from '../core/caseRuns.js';
import { validateCase } from '../core/caseRun.js';
import { formatReport, type RunReport } from '../core/report.js';
import { loadPlugins } from '../plugin/load.js';
import { parseOptions } from '../plugin/options.js';
import { locatePodSettings } from '../core/podLocator.js';
import { loadPodSettings } from '../settings/podSettings.js';
import { StderrLogger } from '../core/services.js';
import {
  requireCaseOptions,
  caseSpecsFrom,
  pluginOptionsFrom,
  workDirFrom,
  type CaseCommandOptions,
} from './caseOptions.js';
import { defaultServices } from './defaultServices.js';
// The registry, the FAIR session and Slurm are loaded only by the runs that use them: `plan` needs none of them
// (knex alone took 0.2 s of a plan's start).
import type { Project } from '../registry/project.js';
import { ValidationError } from '../core/errors.js';
import type { ExecutorOptions } from './slurmRun.js';
import type { PlanOnlyOptions, RunOnlyOptions, TimingOptions } from './caseCommand.js';
import { StageTimes, timeStage } from '../core/stageTimes.js';
import { formatPlanSummary } from '../core/planSummary.js';

/** True when `file` is a FAIR `config.yaml` (has `run_metadata`) rather than POD settings. */
async function isFairConfig(file: string): Promise<boolean> {
  if (!/\.ya?ml$/i.test(file) || !fs.existsSync(file)) return false;
  try {
    return looksLikeFairConfig(YAML.parse(await fs.promises.readFile(file, 'utf8')));
  } catch {
    return false; // not YAML: let the POD loader report it with its location
  }
}

/**
 * The project Slurm jobs record into: it must exist already (a new one would get an SQLite registry, which
 * `--executor slurm` refuses), at `dir` or containing the current directory.
 */
async function existingProject(dir: string | undefined): Promise<Project> {
  const { Project, FAIRPOD_DIR } = await import('../registry/project.js');
  const start = path.resolve(dir ?? process.cwd());
  if (dir !== undefined && !fs.existsSync(path.join(start, FAIRPOD_DIR, 'config.yaml')))
    throw noProject(start);
  return Project.open(start).catch(() => {
    throw noProject(start);
  });
}

function noProject(start: string): ValidationError {
  return new ValidationError(`--executor slurm: no fairpod project at ${start} to record the jobs' runs in`, {
    location: { key: '--project' },
    hint: 'create one with a shared registry: `fairpod init --registry postgres://USER@HOST/DB`; or --no-record',
  });
}

/** Interpreter overrides: `--python`, else `$FAIRPOD_PYTHON`. */
function interpretersFrom(python: string | undefined): Record<string, string> {
  const exe = python ?? process.env.FAIRPOD_PYTHON;
  return exe ? { '.py': exe } : {};
}

/** What `fairpod run` or `fairpod plan` does once commander has parsed its arguments. */
export async function runCaseCommand(
  mode: 'run' | 'plan',
  pods: string[],
  options: CaseCommandOptions & RunOnlyOptions & PlanOnlyOptions & TimingOptions,
): Promise<void> {
  const {
    disablePreprocessor,
    project: projectDir,
    record,
    obsDataRoot,
    python,
    ghostscript,
    executor,
    slurmOpt,
    fetchHere,
    allowSqlite,
    runDir,
    wait,
    resume,
    verbose,
    timings: wantTimings,
    ...caseOptions
  } = options;
  const executorOptions: ExecutorOptions = {
    executor: executor ?? 'local',
    slurmOpt: slurmOpt ?? [],
    fetchHere,
    allowSqlite,
    runDir,
    wait,
    resume,
  };
  if (resume !== undefined) {
    if (pods.length > 0)
      throw new ValidationError('--resume takes the run as it was planned: give no PODs', {
        location: { key: '--resume' },
        hint: `fairpod run --resume ${resume}`,
      });
    const { resumeOnSlurm } = await import('./slurmRun.js');
    await resumeOnSlurm(
      { ...executorOptions, json: options.json },
      { ...defaultServices({ disablePreprocessor }), logger: new StderrLogger() },
    );
    return;
  }
  if (pods.length === 0)
    throw new ValidationError('no POD given', {
      location: { key: '<pod...>' },
      hint: 'e.g. fairpod run demo_plev -m filesystem --catalog cat.json --case NAME --firstyr 1980 --lastyr 1989',
    });
  if (mode === 'run' && pods.length === 1 && (await isFairConfig(pods[0]!))) {
    const { runConfigSession } = await import('./session.js');
    const result = await runConfigSession(pods[0]!, { project: projectDir });
    process.stdout.write(`code run ${result.runId}: script exited with ${result.exitCode}\n`);
    if (result.exitCode !== 0) process.exitCode = 1;
    return;
  }
  requireCaseOptions(options);
  // Everything the user gave is checked before a project is opened or created: a bad option or bad POD
  // settings leave no `.fairpod/` behind, and no open registry keeps the process alive after the error.
  const services = defaultServices({ disablePreprocessor });
  const cases = await caseSpecsFrom(options, (name) => services.translator.fieldlist(name));
  const pluginOptions = pluginOptionsFrom(caseOptions);
  const workDir = workDirFrom(options);
  const plugin = (await loadPlugins()).find(options.dataManager);
  for (const c of cases) validateCase(c);
  const podSettings = [];
  for (const pod of pods) podSettings.push(await loadPodSettings(locatePodSettings(pod)));
  parseOptions(plugin.definition.options ?? {}, pluginOptions, { plugin: plugin.definition.name });
  const slurm = mode === 'run' && executorOptions.executor === 'slurm';
  const slurmRun = slurm ? await import('./slurmRun.js') : undefined;
  const slurmOptions = slurmRun ? slurmRun.slurmOptionsFrom(executorOptions) : {};
  const logger = new StderrLogger();
  // Start-up (Node, modules, the checks above) ends here; the Slurm path is not timed.
  const startedAt = performance.now();
  const timings = wantTimings && !slurm ? new StageTimes() : undefined;
  const recording = <T>(work: () => Promise<T>): Promise<T> => timeStage(timings, 'registry recording', work);
  const project =
    mode === 'run' && record !== false
      ? slurm && !allowSqlite
        ? await existingProject(projectDir)
        : await recording(async () => (await import('./provenance.js')).openRunProject(projectDir, logger))
      : undefined;
  // What a local and a Slurm run are both given.
  const request = {
    pods,
    dataManager: options.dataManager,
    pluginOptions,
    // Downloads go to the store of the project the runs are recorded in, unless --store says otherwise.
    storeRoot: project?.store.root,
    cases,
    workDir,
    strict: options.strict,
    logger,
    obsDataRoot: obsDataRoot === undefined ? undefined : path.resolve(obsDataRoot),
    interpreters: interpretersFrom(python),
    ghostscript,
    ...services,
  };
  if (slurmRun) {
    try {
      if (project) slurmRun.requireSharedRegistry(project, allowSqlite);
      await slurmRun.runOnSlurm(
        {
          ...request,
          project: project?.dir,
          disablePreprocessor: disablePreprocessor ?? false,
          slurmOptions,
        },
        { ...executorOptions, json: options.json },
        { ...services, logger },
      );
    } finally {
      await project?.close();
    }
    return;
  }
  let reports: RunReport[];
  try {
    reports = await runCases({
      ...request,
      podSettings,
      dryRun: mode === 'plan',
      provenance:
        project && new (await import('../registry/podRunRecorder.js')).ProjectRunProvenance(project),
      timings,
    });
  } finally {
    await recording(async () => project?.close());
  }
  // One case prints its report; several print one report per case (a JSON array with --json).
  const json = reports.length === 1 ? reports[0] : reports;
  process.stdout.write(
    options.json
      ? `${JSON.stringify(json, null, 2)}\n`
      : `${reports.map((r) => (mode === 'plan' && !verbose ? formatPlanSummary(r) : formatReport(r, mode))).join('\n\n')}\n`,
  );
  if (reports.some((r) => r.pods.some((p) => !p.ok))) process.exitCode = 1;
  if (timings) process.stderr.write(timings.format(startedAt));
}
