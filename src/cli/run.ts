import type { Command } from 'commander';
import type { PluginRegistration } from '../container.js';
import { addCaseCommand } from './caseCommand.js';

/** `fairpod run POD...`: the whole loop, then each POD's driver; non-zero exit when a POD fails. */
export function registerRun(program: Command, plugins: readonly PluginRegistration[]): void {
  addCaseCommand(
    program,
    'run',
    'query, select, fetch and preprocess the data of each POD, then run it',
    plugins,
  );
}
