// The stages a planned run's Slurm jobs run (`fairpod job ...`), apart from the command's definition, so that
// defining it loads none of this.
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

/** `fairpod job fetch`: the run's planned files, each once. */
export function fetchStage(runDir: string): Promise<void> {
  return withJobServices(runDir, false, async (services) => {
    await runPlannedFetch(runDir, services);
  });
}

/** `fairpod job run-pod`: one POD task; a failed POD makes the job exit 1. */
export function podStage(runDir: string, index: number): Promise<void> {
  return withJobServices(runDir, true, async (services) => {
    const report = await runPlannedPod(runDir, index, services);
    if (!report.ok) {
      process.stderr.write(`POD ${report.name} failed:\n${report.failure ?? ''}\n`);
      process.exitCode = 1;
    }
  });
}

/** `fairpod job finish`: each case's index page and the run's report. */
export function finishStage(runDir: string): Promise<void> {
  return withJobServices(runDir, false, async (services) => {
    await finishPlannedRun(runDir, services);
  });
}
