import type { Command } from 'commander';
import { registerValidate } from './validate.js';
import { registerCatalog } from './catalog.js';
import { registerTranslate } from './translate.js';
import { registerRun } from './run.js';
import { registerPlan } from './plan.js';
import { registerPlugins } from './plugins.js';
import { registerDemo } from './demo.js';

/** Adds one sub-command to the program. Each `src/cli/<name>.ts` exports one. */
export type RegisterCommand = (program: Command) => void;

/** Every sub-command of `fairpod`, in the order `--help` lists them. One line per command. */
export const COMMANDS: RegisterCommand[] = [
  registerDemo,
  registerRun,
  registerPlan,
  registerPlugins,
  registerCatalog,
  registerValidate,
  registerTranslate,
];
