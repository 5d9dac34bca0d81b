import type { Command } from 'commander';
import type { PluginRegistration } from '../container.js';
import { addCaseCommand } from './caseCommand.js';

/** `fairpod plan POD...`: the dry run that explains every choice; nothing is fetched or written. */
export function registerPlan(program: Command, plugins: readonly PluginRegistration[]): void {
  addCaseCommand(
    program,
    'plan',
    'dry run: per POD and variable, the candidates, the choice, why others were dropped, the files and bytes to fetch',
    plugins,
  );
}
