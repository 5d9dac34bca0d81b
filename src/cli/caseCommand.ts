import type { Command } from 'commander';
import { addCaseOptions, type CaseCommandOptions } from './caseOptions.js';
import { addExecutorOptions, type ExecutorOptions } from './executorOptions.js';

/** Options only `fairpod run` has. */
export interface RunOnlyOptions extends Partial<ExecutorOptions> {
  disablePreprocessor?: boolean;
  project?: string;
  /** False with `--no-record`. */
  record?: boolean;
  obsDataRoot?: string;
  python?: string;
  ghostscript?: string;
}

/** Options `fairpod run` and `fairpod plan` both have. */
export interface TimingOptions {
  /** Print each stage's wall time on stderr at the end. */
  timings?: boolean;
}

/** Options only `fairpod plan` has. */
export interface PlanOnlyOptions {
  /** The whole story per variable instead of one line. */
  verbose?: boolean;
}

/**
 * Adds `fairpod run` or `fairpod plan` (the dry run): both take PODs and the case options, run the loop,
 * print the report (text or `--json`), and exit non-zero when a POD fails.
 */
export function addCaseCommand(program: Command, mode: 'run' | 'plan', description: string): Command {
  const command = program
    .command(mode)
    .argument(
      mode === 'run' ? '[pod...]' : '<pod...>',
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
    addExecutorOptions(command);
  }
  if (mode === 'plan')
    command.option(
      '--verbose',
      'print every query, candidate count, decision and file (default: one line per POD variable)',
    );
  command.option(
    '--timings',
    'print on stderr the wall time of each stage: start-up, catalog load, query, select, fetch, preprocess, POD drivers, registry recording, POD output',
  );
  // Not commander's required option: `fairpod run --resume RUNDIR` needs no --data-manager.
  return addCaseOptions(command, false).action(
    async (
      pods: string[],
      options: CaseCommandOptions & RunOnlyOptions & PlanOnlyOptions & TimingOptions,
    ) => {
      // The work is in its own module, loaded when the command runs: defining it (for --help) loads nothing else.
      const { runCaseCommand } = await import('./caseAction.js');
      await runCaseCommand(mode, pods, options);
    },
  );
}
