import type { Command } from 'commander';
import { FairpodError, ValidationErrors } from '../core/errors.js';

/** `fairpod validate PATH...`: checks each file and reports every problem found, with its line and column. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check POD settings files (settings.jsonc, or YAML) and FAIR configs, and report every problem with its file:line:column',
    )
    .argument('<paths...>', 'files to check')
    .action(async (paths: string[]) => {
      const [{ validateDocument }] = await Promise.all([
        import('../settings/documentValidators.js'),
        // FAIR configs register their validator when loaded: a lazily loaded CLI must load it itself.
        import('../settings/fairConfigValidator.js'),
      ]);
      let bad = 0;
      for (const file of paths) {
        try {
          const result = await validateDocument(file);
          process.stdout.write(`ok ${file} (${result.summary})\n`);
          for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        } catch (err) {
          // Anything but a user-facing problem is a bug: let the CLI report it as an internal error.
          if (!(err instanceof FairpodError)) throw err;
          bad++;
          const errors = err instanceof ValidationErrors ? err.errors : [err];
          for (const error of errors) process.stderr.write(`error: ${error.format()}\n`);
        }
      }
      if (bad > 0) {
        process.stderr.write(
          `${bad} of ${paths.length} file${paths.length === 1 ? '' : 's'} failed validation\n`,
        );
        process.exitCode = 2;
      }
    });
}
