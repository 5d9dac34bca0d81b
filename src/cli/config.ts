import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { withProject } from './projectCommand.js';

/** `fairpod config resolve CONFIG [-o FILE]`: the working config, with everything resolved and explicit. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('FAIR config.yaml tools');
  config
    .command('resolve')
    .description(
      'write the working config as FAIR-CLI does: every variable, glob and version resolved against the registry, register items as reads, the script as script_path (with -o, copied beside FILE)',
    )
    .argument('<config>', 'a FAIR config.yaml')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (file: string, opts: { output?: string }) => {
      const [{ workingConfigYaml }, { prepareSession, writeJobScript }, { writeFileAtomic }] =
        await Promise.all([
          import('../settings/fairConfigResolve.js'),
          import('./session.js'),
          import('../store/atomicWrite.js'),
        ]);
      await withProject(async (project) => {
        const prepared = await prepareSession(project, file, {
          jobDir: opts.output ? path.dirname(path.resolve(opts.output)) : undefined,
        });
        const text = workingConfigYaml(prepared.working);
        if (!opts.output) {
          process.stdout.write(text);
          return;
        }
        // The output's directory is the job directory: the script's copy goes beside the working config.
        await writeJobScript(prepared);
        await fs.mkdir(path.dirname(path.resolve(opts.output)), { recursive: true });
        await writeFileAtomic(opts.output, text);
      });
    });
}
