import { Command, CommanderError } from 'commander';
import type { PluginRegistration } from '../container.js';
import { FairpodError } from '../core/errors.js';
import { COMMANDS, PLUGIN_OPTION_COMMANDS } from './commands.js';

/**
 * Builds the `fairpod` program with every sub-command registered; `run` and `plan` get the options of
 * `plugins` (see `pluginsFor`).
 */
export function buildProgram(plugins: readonly PluginRegistration[]): Command {
  const program = new Command('fairpod')
    .description('Get model data to diagnostics (PODs), and remember how it was done.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program, plugins);
  return program;
}

/**
 * The data-source plugins, loaded only when `argv` asks for a command that takes their options
 * (`fairpod run ...`, `fairpod help plan`): loading them costs more than the rest of most commands.
 */
export async function pluginsFor(argv: string[]): Promise<readonly PluginRegistration[]> {
  // The program itself has no option taking a value, so its first operand names the sub-command.
  const operands = argv.slice(2).filter((a) => !a.startsWith('-'));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  if (name === undefined || !PLUGIN_OPTION_COMMANDS.includes(name)) return [];
  await import('../../plugins/index.js');
  const { listPlugins } = await import('../container.js');
  return listPlugins();
}

/**
 * When the reader of stdout goes away (`fairpod log | head -1`), ends the process at once and quietly, as
 * Unix tools do, instead of an unhandled `EPIPE` error: nobody is left to read what would follow.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/**
 * Runs the CLI on `argv` (as in `process.argv`) and returns the exit code.
 * User errors print a located message on stderr; internal errors print a stack and return 70.
 */
export async function runCli(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram(await pluginsFor(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof FairpodError) {
      process.stderr.write(`fairpod: error: ${err.format()}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `fairpod: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 70;
  }
}
