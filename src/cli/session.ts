import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FairpodError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { readCodeRepo } from '../registry/codeRepo.js';
import { computeRunId, openCodeRun } from '../registry/codeRun.js';
import { Project, PROJECT_ENV } from '../registry/project.js';
import { applyRegisterEntries } from '../registry/registerEntries.js';
import { isoNow, redactLocation } from '../registry/registry.js';
import { FairSession, SESSION_ENV } from '../registry/session.js';
import { loadFairConfig } from '../settings/fairConfig.js';
import { resolveFairConfig, workingConfigYaml, type WorkingConfig } from '../settings/fairConfigResolve.js';
import '../settings/fairConfigValidator.js';
import { writeFileAtomic } from '../store/atomicWrite.js';

/** A config resolved for one session: its run id, date and working config. */
export interface PreparedSession {
  runId: string;
  runDate: Date;
  working: WorkingConfig;
  /** The git repository of the code, if any. */
  repoDir?: string;
  configFile: string;
}

/** Loads, validates and resolves `configPath` against the project's registry (nothing is written). */
export async function prepareSession(
  project: Project,
  configPath: string,
  runDate = new Date(),
): Promise<PreparedSession> {
  const config = await loadFairConfig(configPath);
  for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
  const runId = computeRunId(await fs.readFile(config.file, 'utf8'), isoNow(runDate));
  const repoDir = config.run_metadata.local_repo ?? config.dir;
  const repo = await readCodeRepo(repoDir);
  const working = await resolveFairConfig(config, {
    registry: project.registry,
    runDate,
    runId,
    namespace: project.settings.namespace,
    dataStore: project.store.root + path.sep,
    registryLocation:
      project.registry.target.kind === 'sqlite'
        ? project.registry.target.file
        : redactLocation(project.settings.registry),
    repoDir: repo ? repoDir : undefined,
    latestCommit: repo?.commit,
    user: project.settings.user.name,
  });
  return { runId, runDate, working, repoDir: repo ? repoDir : undefined, configFile: config.file };
}

/** Options of `runConfigSession`. */
export interface ConfigSessionOptions {
  /** Project directory (default: found from the current directory). */
  project?: string;
  /** Where the script's output goes (default: inherited). */
  stdio?: 'inherit' | 'pipe';
}

/** The outcome of a config session. */
export interface ConfigSessionResult {
  runId: string;
  /** The script's exit code (0 = the run succeeded). */
  exitCode: number;
  jobDir: string;
  stdout?: string;
  stderr?: string;
}

/**
 * `fairpod run CONFIG`: resolves the FAIR config, writes the working config and script into the job
 * directory, applies `register` entries, opens a code run, runs the script with the FAIR environment
 * (FDP_CONFIG_DIR, FDP_DATA_STORE, FDP_SCRIPT, FDP_LOCAL_TOKEN, plus FAIRPOD_PROJECT and FAIRPOD_RUN_ID so
 * `fairpod link` and the TypeScript API join the run), then stores and registers what it wrote and marks
 * the run succeeded or failed.
 */
export async function runConfigSession(
  configPath: string,
  options: ConfigSessionOptions = {},
): Promise<ConfigSessionResult> {
  const project = await Project.open(options.project);
  let prepared: PreparedSession;
  let jobDir: string;
  let script: string;
  try {
    prepared = await prepareSession(project, configPath);
    const rm = prepared.working.run_metadata;
    if (!rm.script && !rm.script_path) {
      throw new FairpodError('the config names no script to run', {
        location: { file: prepared.configFile, key: 'run_metadata.script' },
        hint: 'add `script: python3 my_script.py` (a command line) or `script_path: run.sh` to run_metadata',
      });
    }
    jobDir = project.jobDir(prepared.runId);
    await fs.mkdir(jobDir, { recursive: true });
    await writeFileAtomic(path.join(jobDir, 'config.yaml'), workingConfigYaml(prepared.working));
    script = rm.script_path
      ? path.resolve(path.dirname(prepared.configFile), rm.script_path)
      : path.join(jobDir, 'script.sh');
    if (!rm.script_path) await writeFileAtomic(path.join(jobDir, 'script.sh'), `${rm.script}\n`);
    // So the script can call `fairpod link ...` whether or not fairpod is installed on PATH.
    await fs.mkdir(path.join(jobDir, 'bin'), { recursive: true });
    await writeFileAtomic(
      path.join(jobDir, 'bin', 'fairpod'),
      `#!/bin/sh\nif [ "$1" = link ]; then exec ${shellQuote(process.execPath)} ${shellQuote(LINK_MAIN)} "$@"; fi\nexec ${shellQuote(process.execPath)} ${shellQuote(CLI_MAIN)} "$@"\n`,
    );
    await fs.chmod(path.join(jobDir, 'bin', 'fairpod'), 0o755);
    await applyRegisterEntries(project, prepared.working);
    const recorder = await openCodeRun(project.registry, project.store, {
      config: path.join(jobDir, 'config.yaml'),
      script,
      repoDir: prepared.repoDir,
      description: rm.description,
      namespace: rm.default_output_namespace,
      runDate: prepared.runDate,
      runId: prepared.runId,
    });
    await recorder.flush();
  } finally {
    await project.close();
  }

  const child = spawn('bash', [script], {
    cwd: path.dirname(prepared.configFile),
    stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: {
      ...process.env,
      [SESSION_ENV.configDir]: jobDir + path.sep,
      [SESSION_ENV.dataStore]: prepared.working.run_metadata.write_data_store,
      [SESSION_ENV.script]: script,
      [SESSION_ENV.token]: randomBytes(20).toString('hex'),
      [SESSION_ENV.runId]: prepared.runId,
      [PROJECT_ENV]: project.dir,
      PATH: `${path.join(jobDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

  // The session's owner joins its own run to store what the script wrote, then finishes the run.
  const previous = process.env[SESSION_ENV.runId];
  process.env[SESSION_ENV.runId] = prepared.runId;
  let session: FairSession;
  try {
    session = await FairSession.initialise({ configDir: jobDir, project: project.dir });
  } finally {
    if (previous === undefined) delete process.env[SESSION_ENV.runId];
    else process.env[SESSION_ENV.runId] = previous;
  }
  await session.finaliseAsOwner(exitCode === 0 ? 'succeeded' : 'failed');
  return { runId: prepared.runId, exitCode, jobDir, ...(options.stdio === 'pipe' ? { stdout, stderr } : {}) };
}

/** The CLI entry point, for the `fairpod` shim a session's script sees. */
const CLI_MAIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
/** The lean entry point for `fairpod link` (see linkMain.ts). */
const LINK_MAIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'linkMain.js');

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}
