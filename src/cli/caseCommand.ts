import type { Command } from 'commander';
import { runCase } from '../core/caseRun.js';
import { formatReport } from '../core/report.js';
import { StderrLogger } from '../core/services.js';
import {
  addCaseOptions,
  caseSpecFrom,
  pluginOptionsFrom,
  workDirFrom,
  type CaseCommandOptions,
} from './caseOptions.js';
import { defaultServices } from './defaultServices.js';
import { openRunProject } from './provenance.js';
import { ProjectRunProvenance } from '../registry/podRunRecorder.js';

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
    .argument('<pod...>', 'POD settings files, POD directories, or names of shipped PODs')
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
  return addCaseOptions(command).action(
    async (pods: string[], options: CaseCommandOptions & RunOnlyOptions) => {
      const { disablePreprocessor, project: projectDir, record, ...caseOptions } = options;
      const logger = new StderrLogger();
      const project =
        mode === 'run' && record !== false ? await openRunProject(projectDir, logger) : undefined;
      const report = await runCase({
        pods,
        dataManager: options.dataManager,
        pluginOptions: pluginOptionsFrom(caseOptions),
        caseSpec: caseSpecFrom(options),
        workDir: workDirFrom(options),
        strict: options.strict,
        dryRun: mode === 'plan',
        logger,
        provenance: project && new ProjectRunProvenance(project),
        ...defaultServices({ disablePreprocessor }),
      }).finally(() => project?.close());
      process.stdout.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, mode)}\n`,
      );
      if (report.pods.some((p) => !p.ok)) process.exitCode = 1;
    },
  );
}
