import fs from 'node:fs/promises';
import path from 'node:path';
import type { DataKeyInit } from './dataKey.js';
import type { CaseSpec, FetchResult } from './dataSource.js';
import { FairpodError } from './errors.js';
import type { PodReport } from './report.js';
import { writeFileAtomic } from '../store/atomicWrite.js';

/** What the submitting host chose for one variable: its query in words and the files selected. */
export interface PlannedSelection {
  query: string;
  keys: DataKeyInit[];
}

/** One (case, POD) job: a task of the Slurm job array. */
export interface PlannedTask {
  /** The task's index in the plan, and its `SLURM_ARRAY_TASK_ID`. */
  index: number;
  /** Index into `JobPlan.cases`. */
  caseIndex: number;
  /** The POD's settings file (absolute). */
  pod: string;
  podName: string;
  /** By varlist entry name: what was selected for it. Entries without a selection are absent. */
  selections: Record<string, PlannedSelection>;
  /** sbatch options for this task (`--name=value` without the dashes), from the POD's `settings.slurm`. */
  resources: Record<string, string>;
}

/** One case of the plan. */
export interface PlannedCase {
  spec: CaseSpec;
  /** Where its PODs get their data and run (as in a local run). */
  workDir: string;
  /** PODs that failed while the data were planned: no job runs them; the index page lists them failed. */
  failed: PodReport[];
  /** The order of the case's PODs on its index page (names). */
  podOrder: string[];
}

/** One data key to fetch, once for the whole run (keys of several cases or PODs with one id are one). */
export interface PlannedFetch {
  caseIndex: number;
  key: DataKeyInit;
}

/**
 * Everything a compute node needs to preprocess and run one POD without querying the data source again:
 * written by the submitting host as `<run dir>/plan.json`, read by `fairpod job ...`.
 */
export interface JobPlan {
  format: 'fairpod-job-plan/1';
  created: string;
  /** The project (directory holding `.fairpod/`) the runs are recorded in; absent with `--no-record`. */
  project?: string;
  dataManager: string;
  pluginOptions: Record<string, unknown>;
  strict: boolean;
  disablePreprocessor: boolean;
  obsDataRoot?: string;
  interpreters: Record<string, string>;
  ghostscript?: string;
  cases: PlannedCase[];
  tasks: PlannedTask[];
  fetches: PlannedFetch[];
  /** sbatch options for every job (`--slurm-opt`), name → value. */
  slurmOptions: Record<string, string>;
}

/** What the fetch stage made of each planned key, by key id: `fetched.json` in the run dir. */
export type FetchOutcomes = Record<string, FetchResult | { failure: string }>;

/** The files of a run directory. */
export function runFiles(runDir: string) {
  return {
    plan: path.join(runDir, 'plan.json'),
    fetched: path.join(runDir, 'fetched.json'),
    submissions: path.join(runDir, 'submissions.json'),
    report: path.join(runDir, 'report.json'),
    log: (job: string) => path.join(runDir, 'logs', `${job}.log`),
    exitCode: (job: string) => path.join(runDir, 'exit', `${job}.code`),
    result: (index: number) => path.join(runDir, 'results', `pod-${index}.json`),
    script: (name: string) => path.join(runDir, `${name}.sbatch`),
  };
}

/** The job name of a task in logs and exit-code files: `pod-<index>`. */
export function taskJob(index: number): string {
  return `pod-${index}`;
}

/** Reads a JSON file of a run directory, failing with the file's name when it is missing or broken. */
export async function readRunJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new FairpodError(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code}`, {
      location: { file },
      hint: 'give the run directory `fairpod run --executor slurm` printed',
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new FairpodError(`the ${what} ${file} is not valid JSON: ${(err as Error).message}`, {
      location: { file },
      hint: 'it was written by fairpod; if it was edited, restore it or plan the run again',
      cause: err,
    });
  }
}

/** Reads and checks `<run dir>/plan.json`. */
export async function readPlan(runDir: string): Promise<JobPlan> {
  const file = runFiles(runDir).plan;
  const plan = await readRunJson<JobPlan>(file, 'job plan');
  if (plan.format !== 'fairpod-job-plan/1')
    throw new FairpodError(`${file} is not a fairpod job plan (format ${String(plan.format)})`, {
      location: { file, key: 'format' },
      hint: 'give the run directory `fairpod run --executor slurm` printed',
    });
  return plan;
}

/** Writes a JSON file of a run directory atomically (a reader never sees half of it). */
export async function writeRunJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** One sbatch call of a run (or the fetch stage run on the submitting host), as `submissions.json` lists them. */
export interface Submission {
  stage: 'fetch' | 'pods' | 'finish';
  /** Slurm's job id (an array's id for `pods`); `here` for a fetch run on the submitting host. */
  jobId: string;
  /** The array's task indices (`pods` only). */
  tasks?: number[];
  submitted: string;
}

/** The run's submissions so far (none before the first). */
export async function readSubmissions(runDir: string): Promise<Submission[]> {
  const file = runFiles(runDir).submissions;
  return readRunJson<Submission[]>(file, 'job list').catch((err: NodeJS.ErrnoException) => {
    if (err.cause && (err.cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
}
