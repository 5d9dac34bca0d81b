import type { Command } from 'commander';
import { runCase } from '../core/caseRun.js';
import { formatReport } from '../core/report.js';
import { StderrLogger } from '../core/services.js';
import {
  addCaseOptions,
  caseSpecFrom,
  pluginOptionsFrom,
  workDirFrom,
  type CaseCommandOptions,
} from './caseOptions.js';
import { defaultServices } from './defaultServices.js';

/** `fairpod plan POD...`: the dry run that explains every choice; nothing is fetched or written. */
export function registerPlan(program: Command): void {
  const command = program
    .command('plan')
    .argument('<pod...>', 'POD settings files, POD directories, or names of shipped PODs')
    .description(
      'dry run: per POD and variable, the candidates, the choice, why others were dropped, the files and bytes to fetch',
    );
  addCaseOptions(command).action(async (pods: string[], options: CaseCommandOptions) => {
    const report = await runCase({
      pods,
      dataManager: options.dataManager,
      pluginOptions: pluginOptionsFrom(options),
      caseSpec: caseSpecFrom(options),
      workDir: workDirFrom(options),
      strict: options.strict,
      dryRun: true,
      logger: new StderrLogger(),
      ...defaultServices({}),
    });
    process.stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, 'plan')}\n`,
    );
    if (report.pods.some((p) => !p.ok)) process.exitCode = 1;
  });
}
