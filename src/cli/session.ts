import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FairpodError } from '../core/errors.js';
import { CLI_MAIN, PACKAGE_ROOT } from '../paths.js';
import { shellQuote } from '../core/shellQuote.js';
import { readCodeRepo } from '../registry/codeRepo.js';
import { computeRunId, openCodeRun, type CodeRunRecorder } from '../registry/codeRun.js';
import { Project, PROJECT_ENV } from '../registry/project.js';
import { applyRegisterEntries } from '../registry/registerEntries.js';
import { isoNow, redactLocation } from '../registry/registry.js';
import { FairSession, SESSION_ENV } from '../registry/session.js';
import { adoptClientRecords } from '../registry/sessionAdoption.js';
import { startSessionServer, type SessionServer } from '../registry/sessionServer.js';
import { loadFairConfig } from '../settings/fairConfig.js';
import { resolveFairConfig, workingConfigYaml, type WorkingConfig } from '../settings/fairConfigResolve.js';
import '../settings/fairConfigValidator.js';
import { writeFileAtomic } from '../store/atomicWrite.js';

/** A config resolved for one session: its run id, date, working config, job directory and script. */
export interface PreparedSession {
  runId: string;
  runDate: Date;
  working: WorkingConfig;
  /** The git repository of the code, if any. */
  repoDir?: string;
  configFile: string;
  /** Where the working config and the script's copy go (FAIR-CLI's job directory, `FDP_CONFIG_DIR`). */
  jobDir: string;
  /** The script the session runs, as the config gives it: a command line or a file; none if the config names none. */
  script?: { command: string } | { file: string };
  /** The script's copy in the job directory (`run_metadata.script_path` of the working config). */
  jobScript?: string;
}

/** Options of `prepareSession`. */
export interface PrepareOptions {
  runDate?: Date;
  /** The registry URL the script is given (`local_data_registry_url`); default: the registry's own location. */
  registryUrl?: string;
  /** The job directory; default `.fairpod/jobs/<run id>`. */
  jobDir?: string;
}

/** Loads, validates and resolves `configPath` against the project's registry (nothing is written). */
export async function prepareSession(
  project: Project,
  configPath: string,
  options: PrepareOptions = {},
): Promise<PreparedSession> {
  const runDate = options.runDate ?? new Date();
  const config = await loadFairConfig(configPath);
  for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
  const runId = computeRunId(await fs.readFile(config.file, 'utf8'), isoNow(runDate));
  const jobDir = path.resolve(options.jobDir ?? project.jobDir(runId));
  const repoDir = config.run_metadata.local_repo ?? config.dir;
  const repo = await readCodeRepo(repoDir);
  const { script: command, script_path: scriptPath } = config.run_metadata;
  // As FAIR-CLI's setup_job_script: a command line becomes `script.sh` in the job directory, a script file
  // is copied there under its own name; the working config names the copy as `script_path`.
  const script: PreparedSession['script'] =
    typeof scriptPath === 'string'
      ? { file: path.resolve(config.dir, scriptPath) }
      : typeof command === 'string'
        ? { command }
        : undefined;
  const jobScript =
    script && 'file' in script
      ? path.join(jobDir, path.basename(script.file))
      : script
        ? path.join(jobDir, 'script.sh')
        : undefined;
  const working = await resolveFairConfig(config, {
    registry: project.registry,
    runDate,
    runId,
    namespace: project.settings.namespace,
    dataStore: project.store.root + path.sep,
    registryLocation:
      options.registryUrl ??
      (project.registry.target.kind === 'sqlite'
        ? project.registry.target.file
        : redactLocation(project.settings.registry)),
    repoDir: repo ? repoDir : undefined,
    latestCommit: repo?.commit,
    remoteRepo: repo?.url,
    scriptPath: jobScript,
    user: project.settings.user.name,
  });
  return {
    runId,
    runDate,
    working,
    repoDir: repo ? repoDir : undefined,
    configFile: config.file,
    jobDir,
    script,
    jobScript,
  };
}

/** Writes the session's copy of its script into the job directory (see `PreparedSession.jobScript`). */
export async function writeJobScript(prepared: PreparedSession): Promise<void> {
  if (!prepared.script || !prepared.jobScript) return;
  await fs.mkdir(path.dirname(prepared.jobScript), { recursive: true });
  if ('file' in prepared.script) {
    const source = prepared.script.file;
    const text = await fs.readFile(source, 'utf8').catch(() => {
      throw new FairpodError(`the script ${source} does not exist`, {
        location: { file: prepared.configFile, key: 'run_metadata.script_path' },
        hint: 'give script_path relative to the config file, or an absolute path',
      });
    });
    await writeFileAtomic(prepared.jobScript, text);
  } else {
    await writeFileAtomic(prepared.jobScript, `${prepared.script.command}\n`);
  }
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
 * `fairpod run CONFIG`, as FAIR-CLI's `fair run`: serves the project's registry on 127.0.0.1 for the
 * session (`local_data_registry_url`), resolves the FAIR config into the working config and writes it with
 * the script's copy into the job directory, applies `register` entries, opens the session's code run, and
 * runs the script with the FAIR environment (FDP_CONFIG_DIR, FDP_DATA_STORE, FDP_SCRIPT, FDP_LOCAL_REPO,
 * FDP_LOCAL_TOKEN: a token made for the session and removed after it, plus FAIRPOD_PROJECT and
 * FAIRPOD_RUN_ID so `fairpod link` and the TypeScript API join the run). A FAIR language API's own code run
 * becomes the session's (see `SessionRunSlot`), and what it recorded is taken into the store
 * (`adoptClientRecords`). Then fairpod stores and registers what `fairpod link` handed out, gives the run the
 * config, script and code repository the client did not record, and marks it succeeded or failed.
 */
export async function runConfigSession(
  configPath: string,
  options: ConfigSessionOptions = {},
): Promise<ConfigSessionResult> {
  const project = await Project.open(options.project);
  let server: SessionServer | undefined;
  let prepared: PreparedSession;
  let recorder: CodeRunRecorder;
  let token: string;
  try {
    server = await startSessionServer(project);
    prepared = await prepareSession(project, configPath, { registryUrl: server.apiUrl });
    const rm = prepared.working.run_metadata;
    if (!prepared.script) {
      throw new FairpodError('the config names no script to run', {
        location: { file: prepared.configFile, key: 'run_metadata.script' },
        hint: 'add `script: python3 my_script.py` (a command line) or `script_path: run.sh` to run_metadata',
      });
    }
    await writeJobScript(prepared);
    const jobDir = prepared.jobDir;
    await writeFileAtomic(path.join(jobDir, 'config.yaml'), workingConfigYaml(prepared.working));
    // So the script can call `fairpod link ...` whether or not fairpod is installed on PATH.
    await fs.mkdir(path.join(jobDir, 'bin'), { recursive: true });
    await writeFileAtomic(
      path.join(jobDir, 'bin', 'fairpod'),
      `#!/bin/sh\nif [ "$1" = link ]; then exec ${shellQuote(process.execPath)} ${shellQuote(LINK_MAIN)} "$@"; fi\nexec ${shellQuote(process.execPath)} ${shellQuote(CLI_MAIN)} "$@"\n`,
    );
    await fs.chmod(path.join(jobDir, 'bin', 'fairpod'), 0o755);
    await applyRegisterEntries(project, prepared.working);
    // The run's config, script and code repository are attached when the script has ended, unless the
    // script's own FAIR client recorded them (its POSTed code run becomes this one).
    recorder = await openCodeRun(project.registry, project.store, {
      description: rm.description,
      namespace: rm.default_output_namespace,
      runDate: prepared.runDate,
      runId: prepared.runId,
      user: project.settings.user.name,
    });
    token = await server.open(recorder.id);
  } catch (err) {
    await server?.close().catch(() => undefined);
    await project.close();
    throw err;
  }

  const jobDir = prepared.jobDir;
  const child = spawn('bash', [prepared.jobScript!], {
    cwd: path.dirname(prepared.configFile),
    stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: {
      ...process.env,
      [SESSION_ENV.configDir]: jobDir + path.sep,
      [SESSION_ENV.dataStore]: prepared.working.run_metadata.write_data_store,
      [SESSION_ENV.script]: prepared.jobScript,
      [SESSION_ENV.token]: token,
      [SESSION_ENV.runId]: prepared.runId,
      ...(prepared.repoDir ? { [SESSION_ENV.localRepo]: prepared.repoDir } : {}),
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
  const status = exitCode === 0 ? 'succeeded' : 'failed';

  const namespace = prepared.working.run_metadata.default_output_namespace;
  try {
    await server.close();
    await adoptClientRecords(project, recorder.id, namespace);
    await recorder.completeRunFiles({
      config: path.join(jobDir, 'config.yaml'),
      script: prepared.jobScript,
      repoDir: prepared.repoDir,
      namespace,
    });
    await finishClientRuns(project, jobDir, recorder.uuid, status);
  } catch (err) {
    await recorder.finish('failed').catch(() => undefined);
    throw err;
  } finally {
    await project.close();
  }

  // The session's owner joins its own run to store what `fairpod link` handed out, then finishes the run.
  const previous = process.env[SESSION_ENV.runId];
  process.env[SESSION_ENV.runId] = prepared.runId;
  let session: FairSession;
  try {
    session = await FairSession.initialise({ configDir: jobDir, project: project.dir });
  } finally {
    if (previous === undefined) delete process.env[SESSION_ENV.runId];
    else process.env[SESSION_ENV.runId] = previous;
  }
  await session.finaliseAsOwner(status);
  return { runId: prepared.runId, exitCode, jobDir, ...(options.stdio === 'pipe' ? { stdout, stderr } : {}) };
}

/**
 * A FAIR language API lists the code runs it made in `coderuns.txt` of the job directory (pyDataPipeline
 * `finalise`; FAIR-CLI reads it to find a job's runs). The session's run is finished by the session; any
 * further run a script made (a second `initialise`) ends with the session too, instead of staying not finished.
 */
async function finishClientRuns(
  project: Project,
  jobDir: string,
  sessionUuid: string,
  status: 'succeeded' | 'failed',
): Promise<void> {
  const text = await fs.readFile(path.join(jobDir, 'coderuns.txt'), 'utf8').catch(() => '');
  const others = text.split(/\s+/).filter((u) => u && u !== sessionUuid);
  if (!others.length) return;
  const now = isoNow();
  await project.registry.write((trx) =>
    trx('code_run')
      .whereIn('uuid', others)
      .andWhere({ status: 'running' })
      .update({ status, finished_at: now, last_updated: now }),
  );
}

/** The lean entry point for `fairpod link` (see linkMain.ts). */
const LINK_MAIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'linkMain.js');
