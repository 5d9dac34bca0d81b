import type { Command } from 'commander';

/**
 * Adds one sub-command to the program. Each `src/cli/<name>.ts` exports one. A command's module imports
 * only commander and small modules at its top; its action imports the rest (`await import(...)`), so
 * `fairpod --help` or `fairpod log` never load mathjs, h5wasm, fastify or the catalog engine. The plugins'
 * own options are added to `run` and `plan` only when one of them is about to parse (`pluginOptions.ts`).
 */
export type RegisterCommand = (program: Command) => void;

/** A sub-command's name and how to load the module that registers it. */
export type CommandEntry = [name: string, load: () => Promise<RegisterCommand>];

/**
 * Every sub-command of `fairpod`, in the order `--help` lists them. One line per command. Modules are loaded
 * when the program is built: all of them, or only the one of the command named (`buildProgram`).
 */
export const COMMANDS: CommandEntry[] = [
  ['demo', async () => (await import('./demo.js')).registerDemo],
  ['run', async () => (await import('./run.js')).registerRun],
  ['plan', async () => (await import('./plan.js')).registerPlan],
  ['jobs', async () => (await import('./jobs.js')).registerJobs],
  ['plugins', async () => (await import('./plugins.js')).registerPlugins],
  ['catalog', async () => (await import('./catalog.js')).registerCatalog],
  ['validate', async () => (await import('./validate.js')).registerValidate],
  ['translate', async () => (await import('./translate.js')).registerTranslate],
  ['preprocess', async () => (await import('./preprocess.js')).registerPreprocess],
  ['init', async () => (await import('./init.js')).registerInit],
  ['status', async () => (await import('./status.js')).registerStatus],
  ['log', async () => (await import('./log.js')).registerLog],
  ['info', async () => (await import('./info.js')).registerInfo],
  ['add', async () => (await import('./add.js')).registerAdd],
  ['commit', async () => (await import('./commit.js')).registerCommit],
  ['gc', async () => (await import('./gc.js')).registerGc],
  ['delete', async () => (await import('./delete.js')).registerDelete],
  ['store', async () => (await import('./store.js')).registerStore],
  ['config', async () => (await import('./config.js')).registerConfig],
  ['link', async () => (await import('./link.js')).registerLink],
  ['registry', async () => (await import('./registry.js')).registerRegistry],
  ['remote', async () => (await import('./remote.js')).registerRemote],
  ['push', async () => (await import('./push.js')).registerPush],
  ['pull', async () => (await import('./pull.js')).registerPull],
  ['job', async () => (await import('./job.js')).registerJob],
];
