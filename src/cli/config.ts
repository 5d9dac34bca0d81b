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
      'write the working config: every variable, glob and version resolved against the registry, every default explicit',
    )
    .argument('<config>', 'a FAIR config.yaml')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (file: string, opts: { output?: string }) => {
      const [{ workingConfigYaml }, { prepareSession }, { writeFileAtomic }] = await Promise.all([
        import('../settings/fairConfigResolve.js'),
        import('./session.js'),
        import('../store/atomicWrite.js'),
      ]);
      await withProject(async (project) => {
        const { working } = await prepareSession(project, file);
        const text = workingConfigYaml(working);
        if (!opts.output) {
          process.stdout.write(text);
          return;
        }
        await fs.mkdir(path.dirname(path.resolve(opts.output)), { recursive: true });
        await writeFileAtomic(opts.output, text);
      });
    });
}
