import type { Command } from 'commander';
import type { CodeRunSummary } from '../registry/queries.js';
import { sayAll, withProject } from './projectCommand.js';

/** One line per run: short id, date, status, counts, description. */
export function formatRunLine(r: CodeRunSummary): string {
  const status = r.status === 'running' ? 'NOT FINISHED' : r.status;
  return `${r.run_id.slice(0, 12)}  ${r.run_date}  ${status.padEnd(12)}  ${r.inputs} in, ${r.outputs} out  ${r.description ?? ''}`.trimEnd();
}

/** `fairpod log`: code runs, newest first. */
export function registerLog(program: Command): void {
  program
    .command('log')
    .description('list code runs, newest first (a run that never finished shows NOT FINISHED)')
    .option('-n, --max-count <n>', 'show at most n runs', (v) => Number(v))
    .action(async (opts: { maxCount?: number }) => {
      const { listCodeRuns } = await import('../registry/queries.js');
      await withProject(async (project) => {
        const runs = await listCodeRuns(project.registry);
        sayAll(runs.slice(0, opts.maxCount ?? runs.length).map(formatRunLine));
      });
    });
}
