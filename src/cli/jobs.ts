import path from 'node:path';
import type { Command } from 'commander';
import { readPlan } from '../core/jobPlan.js';
import { isActive, jobStates, type JobStatus } from '../core/jobStatus.js';
import { say } from './projectCommand.js';

/** The table `fairpod jobs` prints: one line per job, and the log of each that failed. */
export function formatJobs(runDir: string, statuses: JobStatus[]): string {
  const rows = statuses.map((s) => [
    s.job,
    s.slurmId ?? '-',
    `${s.state}${s.reason ? ` (${s.reason})` : ''}${s.exitCode ? ` exit ${s.exitCode}` : ''}`,
    s.what,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), 5));
  const lines = rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  '));
  const failed = statuses.filter((s) => s.state !== 'COMPLETED' && !isActive(s.state));
  for (const s of failed) lines.push(`${s.job} ${s.state}: log ${s.log}`);
  const active = statuses.filter((s) => isActive(s.state)).length;
  lines.push(
    `${statuses.length - failed.length - active} completed, ${active} queued or running, ${failed.length} failed or never ran` +
      (failed.length && !active ? `; resubmit them with \`fairpod run --resume ${runDir}\`` : ''),
  );
  return lines.join('\n');
}

/** `fairpod jobs RUNDIR`: the state of each Slurm job of a run started with `fairpod run --executor slurm`. */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description(
      "show the state of each Slurm job of a run started with --executor slurm, and failed ones' logs",
    )
    .argument('<run-dir>', 'the run directory `fairpod run --executor slurm` printed')
    .option('--json', 'print the states as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      const runDir = path.resolve(dir);
      const statuses = await jobStates(runDir, await readPlan(runDir));
      say(o.json ? JSON.stringify(statuses, null, 2) : formatJobs(runDir, statuses));
    });
}
