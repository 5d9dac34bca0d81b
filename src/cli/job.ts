import path from 'node:path';
import type { Command } from 'commander';

/**
 * `fairpod job fetch|run-pod|finish --run-dir DIR`: the stages of a run planned by `fairpod run --executor
 * slurm`, as its Slurm jobs run them on a compute node (hidden from `--help`: users never type them).
 */
export function registerJob(program: Command): void {
  const job = program
    .command('job', { hidden: true })
    .description('run one stage of a planned run (what the Slurm jobs of --executor slurm run)');
  const runDir = (o: { runDir: string }) => path.resolve(o.runDir);
  job
    .command('fetch')
    .description("fetch the run's planned files, each once")
    .requiredOption('--run-dir <dir>', 'the planned run')
    .action(async (o: { runDir: string }) => (await import('./jobStages.js')).fetchStage(runDir(o)));
  job
    .command('run-pod')
    .description('preprocess the data of one (case, POD) task and run the POD')
    .requiredOption('--run-dir <dir>', 'the planned run')
    .requiredOption('--index <n>', "the task's index (SLURM_ARRAY_TASK_ID)")
    .action(async (o: { runDir: string; index: string }) =>
      (await import('./jobStages.js')).podStage(runDir(o), Number(o.index)),
    );
  job
    .command('finish')
    .description("write each case's index page and the run's report")
    .requiredOption('--run-dir <dir>', 'the planned run')
    .action(async (o: { runDir: string }) => (await import('./jobStages.js')).finishStage(runDir(o)));
}
