import fs from 'node:fs/promises';
import path from 'node:path';
import type { ExecutorOptions } from './executorOptions.js';
export { addExecutorOptions, type ExecutorOptions } from './executorOptions.js';
import { ValidationError } from '../core/errors.js';
import { readRunJson, runFiles, type Submission } from '../core/jobPlan.js';
import { planJobs, type JobPlanRequest } from '../core/jobPlanner.js';
import { isActive, type JobStatus } from '../core/jobStatus.js';
import type { JobServices } from '../core/plannedJobs.js';
import { formatReport, type RunReport } from '../core/report.js';
import { parseSlurmOptions } from '../core/slurmResources.js';
import { resumeRun, submitRun, waitForRun } from '../core/slurmSubmit.js';
import { parseRegistryTarget } from '../registry/connection.js';
import type { Project } from '../registry/project.js';
import { redactLocation } from '../registry/registry.js';
import { formatJobs } from './jobs.js';

/** The options of `fairpod run` that choose and drive the executor. */
/**
 * Refuses an SQLite registry for Slurm jobs: many jobs on many nodes writing one SQLite file on a shared
 * (network) filesystem can corrupt it, because such filesystems do not honour SQLite's locks.
 */
export function requireSharedRegistry(project: Project, allowSqlite: boolean | undefined): void {
  const target = parseRegistryTarget(project.settings.registry);
  if (target.kind !== 'sqlite' || allowSqlite) return;
  throw new ValidationError(
    `--executor slurm: the project's registry is SQLite (${redactLocation(project.settings.registry)}); many jobs writing one SQLite file on a shared filesystem can corrupt it`,
    {
      location: { file: path.join(project.fairpodDir, 'config.yaml'), key: 'registry' },
      hint: 'record into PostgreSQL: a project made with `fairpod init --registry postgres://...` (or set `registry:` in that file to such a URL); or --allow-sqlite if the jobs all run on one machine with a local disk',
    },
  );
}

/** Prints what was submitted and how to follow it. */
function printSubmitted(runDir: string, submissions: Submission[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ runDir, submissions }, null, 2)}\n`);
    return;
  }
  const lines = submissions.map((s) =>
    s.stage === 'fetch'
      ? s.jobId === 'here'
        ? 'fetched on this host'
        : `fetch job ${s.jobId}`
      : s.stage === 'pods'
        ? `POD job array ${s.jobId} (${s.tasks!.length} task(s))`
        : `finishing job ${s.jobId}`,
  );
  process.stdout.write(
    `${submissions.length ? `submitted ${lines.join(', ')}` : 'nothing to resubmit: every job completed'}\nrun dir ${runDir}: follow with \`fairpod jobs ${runDir}\`; resubmit failures with \`fairpod run --resume ${runDir}\`\n`,
  );
}

/** Waits for the run's jobs, then prints its report as a local run would; exit 1 if a POD or job failed. */
async function waitAndReport(runDir: string, json: boolean | undefined): Promise<void> {
  const states: JobStatus[] = await waitForRun(runDir);
  const reports = await readRunJson<RunReport[]>(runFiles(runDir).report, 'run report').catch(() => []);
  const out = reports.length === 1 ? reports[0] : reports;
  process.stdout.write(
    json
      ? `${JSON.stringify(out, null, 2)}\n`
      : `${reports.map((r) => formatReport(r, 'run')).join('\n\n')}\n`,
  );
  const bad = states.filter((s) => s.state !== 'COMPLETED' && !isActive(s.state));
  if (bad.length) process.stderr.write(`${formatJobs(runDir, states)}\n`);
  if (bad.length || reports.some((r) => r.pods.some((p) => !p.ok)) || !reports.length) process.exitCode = 1;
}

/**
 * `fairpod run --executor slurm`: query and select here, write the plan into the run dir, fetch (a job, or
 * here), then one Slurm job per (case, POD) and a finishing job; with `--wait`, the report when all ended.
 */
export async function runOnSlurm(
  request: JobPlanRequest,
  options: ExecutorOptions & { json?: boolean },
  services: JobServices,
): Promise<void> {
  const runDir = path.resolve(
    options.runDir ?? path.join(request.workDir, `jobs-${new Date().toISOString().replace(/[-:.]/g, '')}`),
  );
  const plan = await planJobs(request);
  await fs.mkdir(runDir, { recursive: true });
  const submissions = await submitRun(runDir, plan, { fetchHere: options.fetchHere ?? false, services });
  if (options.wait) await waitAndReport(runDir, options.json);
  else printSubmitted(runDir, submissions, options.json);
}

/** `fairpod run --resume RUNDIR`: resubmits what failed or never ran; with `--wait`, then reports. */
export async function resumeOnSlurm(
  options: ExecutorOptions & { json?: boolean },
  services: JobServices,
): Promise<void> {
  const runDir = path.resolve(options.resume!);
  const submissions = await resumeRun(runDir, { fetchHere: options.fetchHere ?? false, services });
  if (options.wait) await waitAndReport(runDir, options.json);
  else printSubmitted(runDir, submissions, options.json);
}

/** Parses `--slurm-opt` (checked before anything is planned). */
export function slurmOptionsFrom(options: ExecutorOptions): Record<string, string> {
  return parseSlurmOptions(options.slurmOpt);
}
