import type { Command } from 'commander';
import { registerValidate } from './validate.js';
import { registerCatalog } from './catalog.js';
import { registerTranslate } from './translate.js';
import { registerPreprocess } from './preprocess.js';
import { registerRun } from './run.js';
import { registerPlan } from './plan.js';
import { registerPlugins } from './plugins.js';
import { registerDemo } from './demo.js';
import { registerInit } from './init.js';
import { registerStatus } from './status.js';
import { registerLog } from './log.js';
import { registerInfo } from './info.js';
import { registerAdd } from './add.js';
import { registerCommit } from './commit.js';
import { registerGc } from './gc.js';
import { registerDelete } from './delete.js';
import { registerStore } from './store.js';
import { registerConfig } from './config.js';
import { registerLink } from './link.js';
import { registerRegistry } from './registry.js';
import { registerRemote } from './remote.js';
import { registerPush } from './push.js';
import { registerPull } from './pull.js';
import { registerJobs } from './jobs.js';
import { registerJob } from './job.js';

/**
 * Adds one sub-command to the program. Each `src/cli/<name>.ts` exports one. A command's module imports
 * only commander and small modules at its top; its action imports the rest (`await import(...)`), so
 * `fairpod --help` or `fairpod log` never load mathjs, h5wasm, fastify or the catalog engine. The plugins'
 * own options are added to `run` and `plan` only when one of them is about to parse (`pluginOptions.ts`).
 */
export type RegisterCommand = (program: Command) => void;

/** Every sub-command of `fairpod`, in the order `--help` lists them. One line per command. */
export const COMMANDS: RegisterCommand[] = [
  registerDemo,
  registerRun,
  registerPlan,
  registerJobs,
  registerPlugins,
  registerCatalog,
  registerValidate,
  registerTranslate,
  registerPreprocess,
  registerInit,
  registerStatus,
  registerLog,
  registerInfo,
  registerAdd,
  registerCommit,
  registerGc,
  registerDelete,
  registerStore,
  registerConfig,
  registerLink,
  registerRegistry,
  registerRemote,
  registerPush,
  registerPull,
  registerJob,
];
