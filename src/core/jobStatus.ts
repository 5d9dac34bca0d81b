import fs from 'node:fs/promises';
import { readSubmissions, runFiles, taskJob, type JobPlan } from './jobPlan.js';
import { sacct, scontrolJobs, squeue, type SlurmJobState } from './slurm.js';

/** One job of a planned run and what became of it. */
export interface JobStatus {
  /** `fetch`, `pod-<index>` or `finish`. */
  job: string;
  /** What it does, e.g. `POD demo_plev, case DEMO`. */
  what: string;
  /** Slurm's id (`<array>_<task>` for a POD task); `here` for a fetch on the submitting host; absent if never submitted. */
  slurmId?: string;
  /**
   * Slurm's state (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT` ...), `NOT_SUBMITTED`,
   * or `UNKNOWN` for a job Slurm has forgotten that left no exit code (it did not finish).
   */
  state: string;
  /** Why a pending job waits. */
  reason?: string;
  /** The job's exit code, from its wrapper's file. */
  exitCode?: number;
  log: string;
}

/** States of a job that has not ended yet. */
const ACTIVE = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
]);

/** True while a job in `state` is queued or running. */
export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}

async function exitCodeOf(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const code = text === undefined ? NaN : Number.parseInt(text, 10);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * The state of every job of a planned run: the exit code its wrapper left when there is one (the truth for a
 * job that ended), else the queue (`squeue`), else accounting (`sacct`) when the cluster keeps it, else what
 * the controller still remembers (`scontrol`); a job none of them knows did not finish (`UNKNOWN`).
 */
export async function jobStates(runDir: string, plan: JobPlan): Promise<JobStatus[]> {
  const files = runFiles(runDir);
  const submissions = await readSubmissions(runDir);
  const latest = new Map<string, string>();
  for (const s of submissions) {
    if (s.stage === 'pods') for (const t of s.tasks ?? []) latest.set(taskJob(t), `${s.jobId}_${t}`);
    else latest.set(s.stage, s.jobId);
  }
  const jobs: Array<Omit<JobStatus, 'state' | 'log'>> = [];
  if (plan.fetches.length) jobs.push({ job: 'fetch', what: `fetch ${plan.fetches.length} file(s)` });
  for (const t of plan.tasks)
    jobs.push({
      job: taskJob(t.index),
      what: `POD ${t.podName}, case ${plan.cases[t.caseIndex]!.spec.name}`,
    });
  jobs.push({ job: 'finish', what: 'index pages and report' });
  const ids = [...new Set([...latest.values()].filter((id) => id !== 'here').map((id) => id.split('_')[0]!))];
  const queued = await squeue(ids);
  let remembered: Map<string, SlurmJobState> | undefined;
  const statuses: JobStatus[] = [];
  for (const j of jobs) {
    const slurmId = latest.get(j.job);
    const log = files.log(j.job);
    const exitCode = await exitCodeOf(files.exitCode(j.job));
    let state: SlurmJobState;
    if (slurmId === undefined) state = { state: 'NOT_SUBMITTED' };
    else if (exitCode !== undefined) state = { state: exitCode === 0 ? 'COMPLETED' : 'FAILED' };
    else if (queued.has(slurmId)) state = queued.get(slurmId)!;
    else {
      remembered ??= (await sacct(ids)) ?? (await scontrolJobs(ids));
      state = remembered.get(slurmId) ?? { state: 'UNKNOWN' };
    }
    statuses.push({ ...j, slurmId, ...state, exitCode, log });
  }
  return statuses;
}
