import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FairpodError } from './errors.js';

const run = promisify(execFile);

/** Runs one Slurm command, failing with its stderr and a hint when it is missing or refuses. */
async function slurm(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new FairpodError(`${command} not found: --executor slurm needs the Slurm commands on PATH`, {
        hint: 'run on a Slurm login node (on some sites after `module load slurm`), or use --executor local',
        cause: err,
      });
    throw new FairpodError(`${command} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`, {
      hint: 'check the --slurm-opt values and that the Slurm controller is reachable (`sinfo`)',
      cause: err,
    });
  }
}

/** Submits a batch script with its arguments; resolves with its job id (for an array, the array's id). */
export async function sbatch(args: string[], script: string, scriptArgs: string[] = []): Promise<string> {
  const out = await slurm('sbatch', ['--parsable', ...args, script, ...scriptArgs]);
  // --parsable prints `<jobid>` or `<jobid>;<cluster>`.
  const id = out.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new FairpodError(`sbatch printed no job id: ${out.trim()}`);
  return id;
}

/** Cancels jobs (`scancel`), e.g. job ids or `<array>_<task>`. */
export async function scancel(ids: string[]): Promise<void> {
  if (ids.length) await slurm('scancel', ids);
}

/** What Slurm knows of one job or array task. */
export interface SlurmJobState {
  /** `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, `OUT_OF_MEMORY` ... */
  state: string;
  /** Why it waits (squeue's reason), when pending. */
  reason?: string;
  /** `code:signal` as Slurm reports it, for finished jobs. */
  exitCode?: string;
}

/** Queued and running jobs among `jobIds` (array tasks expanded), by `<id>` or `<array>_<task>`. */
export async function squeue(jobIds: string[]): Promise<Map<string, SlurmJobState>> {
  const states = new Map<string, SlurmJobState>();
  if (!jobIds.length) return states;
  // A job that left the queue makes squeue fail with "Invalid job id" when it is the only one asked for.
  const out = await slurm('squeue', ['-h', '-r', '-o', '%i|%T|%r', '-j', jobIds.join(',')]).catch(
    (err: FairpodError) => {
      if (/Invalid job id/i.test(err.message)) return '';
      throw err;
    },
  );
  for (const line of out.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (id && state) states.set(id, { state, reason: reason && reason !== 'None' ? reason : undefined });
  }
  return states;
}

/**
 * Finished jobs from accounting (`sacct`), by `<id>` or `<array>_<task>`; undefined when the cluster keeps no
 * accounting (no slurmdbd): then only the controller's memory (`scontrol`) and the job wrapper's exit-code
 * files tell what happened.
 */
export async function sacct(jobIds: string[]): Promise<Map<string, SlurmJobState> | undefined> {
  let out: string;
  try {
    out = (await run('sacct', ['-n', '-P', '-X', '-o', 'JobID,State,ExitCode', '-j', jobIds.join(',')]))
      .stdout;
  } catch {
    return undefined;
  }
  const states = new Map<string, SlurmJobState>();
  for (const line of out.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    // sacct writes `CANCELLED by 0`; the first word is the state.
    if (id && state) states.set(id, { state: state.split(' ')[0]!, exitCode });
  }
  return states;
}

/** The task ids of an array task list such as `0-3,7` or `0-9%2`. */
function taskIds(list: string): number[] {
  const ids: number[] = [];
  for (const part of list.replace(/%\d+$/, '').split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from)) continue;
    for (let t = from!; t <= (Number.isInteger(to) ? to! : from!); t++) ids.push(t);
  }
  return ids;
}

/**
 * Jobs the controller still remembers (`scontrol show job`, kept for MinJobAge after they end), by `<id>` or
 * `<array>_<task>`; a job it has forgotten is absent.
 */
export async function scontrolJobs(jobIds: string[]): Promise<Map<string, SlurmJobState>> {
  const states = new Map<string, SlurmJobState>();
  for (const jobId of jobIds) {
    const out = await slurm('scontrol', ['-o', 'show', 'job', jobId]).catch(() => '');
    for (const line of out.split('\n')) {
      const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(line)?.[1];
      const id = field('JobId');
      if (!id) continue;
      const arrayId = field('ArrayJobId');
      const task = field('ArrayTaskId');
      const state = { state: field('JobState') ?? 'UNKNOWN', exitCode: field('ExitCode') };
      if (!arrayId || !task) states.set(id, state);
      // Tasks that never started are one record: `ArrayTaskId=0-3,7` (with a `%limit` when throttled).
      else
        for (const t of taskIds(task))
          if (!states.has(`${arrayId}_${t}`)) states.set(`${arrayId}_${t}`, state);
    }
  }
  return states;
}
