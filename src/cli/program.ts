import { Command, CommanderError } from 'commander';
import { FairpodError } from '../core/errors.js';
import { COMMANDS } from './commands.js';
import { beforeSubcommand } from './pluginOptions.js';

/**
 * Builds the `fairpod` program: with only the sub-command `argv` names (`fairpod preprocess ...` loads the
 * modules of `preprocess` alone, which start-up time shows), else with every sub-command (help, an unknown
 * command and its suggestions).
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const named = COMMANDS.find(([name]) => name === argv[2]);
  const registers = await Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()));
  const program = new Command('fairpod')
    .description('Get model data to diagnostics (PODs), and remember how it was done.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preSubcommand', (_program, command) => beforeSubcommand(command));
  for (const register of registers) register(program);
  return program;
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
    // `fairpod help run` prints commander's help without dispatching (so without the plugins' options, added
    // on dispatch): it is `fairpod run --help`.
    const [node, script, first, second, ...rest] = argv;
    const args = first === 'help' && second ? [node!, script!, second, '--help', ...rest] : argv;
    await (await buildProgram(args)).parseAsync(args);
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
