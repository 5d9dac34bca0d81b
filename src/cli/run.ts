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

/** `fairpod run POD...`: the whole loop, then each POD's driver; non-zero exit when a POD fails. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .argument('<pod...>', 'POD settings files, POD directories, or names of shipped PODs')
    .description('query, select, fetch and preprocess the data of each POD, then run it')
    .option('--disable-preprocessor', 'place fetched files as they are instead of preprocessing them');
  addCaseOptions(command).action(
    async (pods: string[], options: CaseCommandOptions & { disablePreprocessor?: boolean }) => {
      const logger = new StderrLogger();
      const { disablePreprocessor, ...caseOptions } = options;
      const report = await runCase({
        pods,
        dataManager: options.dataManager,
        pluginOptions: pluginOptionsFrom(caseOptions),
        caseSpec: caseSpecFrom(options),
        workDir: workDirFrom(options),
        strict: options.strict,
        logger,
        ...defaultServices({ disablePreprocessor }),
      });
      process.stdout.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, 'run')}\n`,
      );
      if (report.pods.some((p) => !p.ok)) process.exitCode = 1;
    },
  );
}
