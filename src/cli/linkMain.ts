#!/usr/bin/env node
// A lean entry point for `fairpod link ...` inside a session: scripts call it once per file, so it loads
// only what linking needs instead of every command of the CLI.
import { Command, CommanderError } from 'commander';
import { FairpodError } from '../core/errors.js';
import { registerLink } from './link.js';

const program = new Command('fairpod').exitOverride();
registerLink(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else if (err instanceof FairpodError) {
    process.stderr.write(`fairpod: error: ${err.format()}\n`);
    process.exitCode = err.exitCode;
  } else throw err;
}
