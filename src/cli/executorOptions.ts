import { Option, type Command } from 'commander';

// The options of `fairpod run --executor ...`, apart from the executor itself (slurmRun.ts), so that defining
// the command loads nothing of it.

/** How `fairpod run` runs its PODs. */
export interface ExecutorOptions {
  executor: 'local' | 'slurm';
  slurmOpt: string[];
  fetchHere?: boolean;
  allowSqlite?: boolean;
  runDir?: string;
  wait?: boolean;
  resume?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `--executor` and the Slurm executor's options to `fairpod run`. */
export function addExecutorOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--executor <name>', 'where the PODs run: here, or as Slurm jobs')
        .choices(['local', 'slurm'])
        .default('local'),
    )
    .option(
      '--slurm-opt <name=value>',
      'sbatch option for every job (repeatable), e.g. partition=debug, account=X, time=00:30:00, mem=4G',
      collect,
      [],
    )
    .option('--fetch-here', 'slurm: fetch on this host instead of in a Slurm job')
    .option(
      '--allow-sqlite',
      'slurm: record into an SQLite registry anyway (unsafe with many writers on a shared filesystem)',
    )
    .option(
      '--run-dir <dir>',
      'slurm: where the plan, job logs and exit codes go (default: <work-dir>/jobs-<time>)',
    )
    .option('--wait', 'slurm: wait for every job, then print the report as a local run does')
    .option('--resume <run-dir>', 'slurm: resubmit only the jobs of that run that failed or never ran');
}
