import path from 'node:path';
import type { Command } from 'commander';
import { readPlan } from '../core/jobPlan.js';
import { finishPlannedRun, runPlannedFetch, runPlannedPod, type JobServices } from '../core/plannedJobs.js';
import { StderrLogger } from '../core/services.js';
import { ProjectRunProvenance } from '../registry/podRunRecorder.js';
import { Project } from '../registry/project.js';
import { defaultStoreRoot } from '../store/contentStore.js';
import { defaultServices } from './defaultServices.js';

/** Runs `fn` with the services of a planned run's job: the plan's preprocessor, and its project when it records. */
async function withJobServices(
  runDir: string,
  record: boolean,
  fn: (services: JobServices) => Promise<void>,
): Promise<void> {
  const plan = await readPlan(runDir);
  const project = record && plan.project ? await Project.open(plan.project) : undefined;
  try {
    await fn({
      ...defaultServices({ disablePreprocessor: plan.disablePreprocessor }),
      logger: new StderrLogger(),
      provenance: project && new ProjectRunProvenance(project),
      // Downloads go to the store of the project the run records in, as on the submitting host.
      storeRoot: plan.project ? defaultStoreRoot(plan.project) : undefined,
    });
  } finally {
    await project?.close();
  }
}

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
    .action(async (o: { runDir: string }) => {
      await withJobServices(runDir(o), false, async (services) => {
        await runPlannedFetch(runDir(o), services);
      });
    });
  job
    .command('run-pod')
    .description('preprocess the data of one (case, POD) task and run the POD')
    .requiredOption('--run-dir <dir>', 'the planned run')
    .requiredOption('--index <n>', "the task's index (SLURM_ARRAY_TASK_ID)")
    .action(async (o: { runDir: string; index: string }) => {
      await withJobServices(runDir(o), true, async (services) => {
        const report = await runPlannedPod(runDir(o), Number(o.index), services);
        if (!report.ok) {
          process.stderr.write(`POD ${report.name} failed:\n${report.failure ?? ''}\n`);
          process.exitCode = 1;
        }
      });
    });
  job
    .command('finish')
    .description("write each case's index page and the run's report")
    .requiredOption('--run-dir <dir>', 'the planned run')
    .action(async (o: { runDir: string }) => {
      await withJobServices(runDir(o), false, async (services) => {
        await finishPlannedRun(runDir(o), services);
      });
    });
}
