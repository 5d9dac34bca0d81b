import fs from 'node:fs/promises';
import path from 'node:path';
import { CLI_MAIN } from '../paths.js';
import { shellQuote } from './shellQuote.js';
import { FairpodError } from './errors.js';
import {
  readPlan,
  readSubmissions,
  runFiles,
  taskJob,
  writeRunJson,
  type JobPlan,
  type Submission,
} from './jobPlan.js';
import { jobStates, isActive, type JobStatus } from './jobStatus.js';
import { runPlannedFetch, type JobServices } from './plannedJobs.js';
import { sbatch, squeue } from './slurm.js';
import { sbatchArguments } from './slurmResources.js';

/** How a run's jobs are submitted. */
export interface SubmitOptions {
  /** Run the fetch stage on this host instead of as a job (`--fetch-here`). */
  fetchHere: boolean;
  /** Services for a fetch run here. */
  services: JobServices;
}

/** Single-quotes a word for bash. */

/**
 * The job wrapper every job of the run runs: `fairpod job <stage>` on the compute node, then its exit code
 * into `exit/<job>.code` (atomically), because a cluster without accounting forgets a job's exit code soon.
 */
function wrapperScript(runDir: string): string {
  const dir = shellQuote(runDir);
  return [
    '#!/bin/bash',
    '# fairpod job wrapper, written by `fairpod run --executor slurm`: runs one stage of the planned run in',
    '# this directory and leaves its exit code in exit/<job>.code for `fairpod jobs`.',
    'stage=$1',
    'if [ "$stage" = run-pod ]; then job=pod-$SLURM_ARRAY_TASK_ID; set -- run-pod --index "$SLURM_ARRAY_TASK_ID"',
    'else job=$stage; set -- "$stage"; fi',
    `${shellQuote(process.execPath)} ${shellQuote(CLI_MAIN)} job "$@" --run-dir ${dir}`,
    'code=$?',
    `mkdir -p ${dir}/exit`,
    `printf '%s\\n' "$code" >${dir}/exit/"$job".code.$$ && mv -f ${dir}/exit/"$job".code.$$ ${dir}/exit/"$job".code`,
    'exit "$code"',
    '',
  ].join('\n');
}

/** Task indices as sbatch's `--array` list: `0-3,7,9-10`. */
function arrayList(indices: number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Removes what earlier attempts of a job left (its exit code and report) before it runs again. */
async function forget(runDir: string, job: string, index?: number): Promise<void> {
  const files = runFiles(runDir);
  await fs.rm(files.exitCode(job), { force: true });
  if (index !== undefined) await fs.rm(files.result(index), { force: true });
}

/**
 * Submits the stages of a planned run that still need to run: the fetch (as one job, or here), the POD tasks
 * (one job array per distinct set of resources, each after the fetch succeeded), and the finishing job (after
 * every array ended however it ended), which writes each case's index page. Resolves with the new submissions.
 */
async function submitStages(
  runDir: string,
  plan: JobPlan,
  stages: { fetch: boolean; tasks: number[] },
  options: SubmitOptions,
): Promise<Submission[]> {
  const files = runFiles(runDir);
  const script = files.script('job');
  await fs.mkdir(path.join(runDir, 'logs'), { recursive: true });
  await fs.writeFile(script, wrapperScript(runDir), { mode: 0o755 });
  const common = [`--chdir=${runDir}`, ...sbatchArguments(plan.slurmOptions)];
  const now = () => new Date().toISOString();
  const done: Submission[] = [...(await readSubmissions(runDir))];
  const added: Submission[] = [];
  const note = async (s: Submission) => {
    added.push(s);
    done.push(s);
    await writeRunJson(files.submissions, done);
  };
  let dependency: string[] = [];
  if (stages.fetch) {
    await forget(runDir, 'fetch');
    if (options.fetchHere) {
      let code = 0;
      try {
        await runPlannedFetch(runDir, options.services);
      } catch (err) {
        code = 1;
        throw err;
      } finally {
        await fs.mkdir(path.dirname(files.exitCode('fetch')), { recursive: true });
        await fs.writeFile(files.exitCode('fetch'), `${code}\n`);
        await note({ stage: 'fetch', jobId: 'here', submitted: now() });
      }
    } else {
      const id = await sbatch(
        [...common, '--job-name=fairpod-fetch', `--output=${files.log('fetch')}`],
        script,
        ['fetch'],
      );
      await note({ stage: 'fetch', jobId: id, submitted: now() });
      dependency = [`--dependency=afterok:${id}`, '--kill-on-invalid-dep=yes'];
    }
  }
  // Tasks asking the same resources share an array; --slurm-opt overrides a POD's settings.slurm.
  const groups = new Map<string, { resources: Record<string, string>; tasks: number[] }>();
  for (const index of stages.tasks) {
    const resources = { ...plan.tasks[index]!.resources, ...plan.slurmOptions };
    const key = JSON.stringify(Object.entries(resources).sort());
    const group = groups.get(key) ?? { resources, tasks: [] };
    group.tasks.push(index);
    groups.set(key, group);
  }
  const arrays: string[] = [];
  for (const { resources, tasks } of groups.values()) {
    for (const t of tasks) await forget(runDir, taskJob(t), t);
    const id = await sbatch(
      [
        `--chdir=${runDir}`,
        ...sbatchArguments(resources),
        '--job-name=fairpod-pod',
        `--array=${arrayList(tasks)}`,
        `--output=${path.join(runDir, 'logs', 'pod-%a.log')}`,
        ...dependency,
      ],
      script,
      ['run-pod'],
    );
    arrays.push(id);
    await note({ stage: 'pods', jobId: id, tasks, submitted: now() });
  }
  await forget(runDir, 'finish');
  const id = await sbatch(
    [
      ...common,
      '--job-name=fairpod-finish',
      `--output=${files.log('finish')}`,
      ...(arrays.length ? [`--dependency=afterany:${arrays.join(':')}`] : dependency),
    ],
    script,
    ['finish'],
  );
  await note({ stage: 'finish', jobId: id, submitted: now() });
  return added;
}

/**
 * Starts a planned run in `runDir` (which must not hold one yet): writes the plan, then submits the fetch,
 * the POD tasks and the finishing job. Resolves with the submissions.
 */
export async function submitRun(
  runDir: string,
  plan: JobPlan,
  options: SubmitOptions,
): Promise<Submission[]> {
  const files = runFiles(runDir);
  try {
    await fs.access(files.plan);
    throw new FairpodError(`${runDir} already holds a planned run`, {
      location: { file: files.plan },
      hint: `resume it with \`fairpod run --resume ${runDir}\`, or give another --run-dir`,
    });
  } catch (err) {
    if (err instanceof FairpodError) throw err;
  }
  await writeRunJson(files.plan, plan);
  return submitStages(
    runDir,
    plan,
    { fetch: plan.fetches.length > 0, tasks: plan.tasks.map((t) => t.index) },
    options,
  );
}

/**
 * `fairpod run --resume RUNDIR`: submits again only what failed or never ran (the fetch if it did not
 * complete, the POD tasks that did not succeed), then the finishing job. Refuses while jobs of the run are
 * still queued or running. Resolves with the new submissions (none when everything had succeeded).
 */
export async function resumeRun(runDir: string, options: SubmitOptions): Promise<Submission[]> {
  const plan = await readPlan(runDir);
  const states = await jobStates(runDir, plan);
  const active = states.filter((s) => isActive(s.state));
  if (active.length)
    throw new FairpodError(
      `${active.length} job(s) of ${runDir} are still ${[...new Set(active.map((s) => s.state))].join('/')}: ${active.map((s) => s.job).join(', ')}`,
      { hint: `wait for them (\`fairpod jobs ${runDir}\`), or scancel them, then resume` },
    );
  const failed = (job: string) => states.find((s) => s.job === job)?.state !== 'COMPLETED';
  const fetch = plan.fetches.length > 0 && failed('fetch');
  const tasks = plan.tasks.filter((t) => failed(taskJob(t.index))).map((t) => t.index);
  if (!fetch && !tasks.length && !failed('finish')) return [];
  return submitStages(runDir, plan, { fetch, tasks }, options);
}

/** Waits until none of the run's jobs is queued or running any more (polling squeue every `pollMs`). */
export async function waitForRun(runDir: string, pollMs = 500): Promise<JobStatus[]> {
  const ids = (await readSubmissions(runDir)).filter((s) => s.jobId !== 'here').map((s) => s.jobId);
  while ((await squeue(ids)).size > 0) await new Promise((r) => setTimeout(r, pollMs));
  return jobStates(runDir, await readPlan(runDir));
}
