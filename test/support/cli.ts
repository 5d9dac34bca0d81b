import { runCli } from '../../src/cli/program.js';

/** What one in-process `fairpod` invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fairpod ...args` in this process, capturing stdout and stderr. */
export async function fairpod(...args: string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) =>
    stdout.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) =>
    stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await runCli(['node', 'fairpod', ...args]);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    // runCli leaves the code for the process to exit with; a test must not.
    process.exitCode = undefined;
  }
}

/** The case the tests run the demo PODs on: `--case DEMO --firstyr 1985 --lastyr 1989`, then `extra`. */
export function demoCase(...extra: string[]): string[] {
  return ['--case', 'DEMO', '--firstyr', '1985', '--lastyr', '1989', ...extra];
}
