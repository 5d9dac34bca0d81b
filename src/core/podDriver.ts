import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FairpodError } from './errors.js';
import type { Pod } from './pod.js';
import type { CaseSpec } from './dataSource.js';

/** Interpreters by driver extension, as MDTF runs PODs; anything else is executed directly. */
const INTERPRETERS: Record<string, string> = {
  '.py': 'python3',
  '.sh': 'bash',
  '.js': 'node',
  '.mjs': 'node',
  '.r': 'Rscript',
};

/** The outcome of running one POD's driver. */
export interface DriverResult {
  exitCode: number;
  logFile: string;
  command: string[];
  /** Every file under `<work>/<POD>` after the run (the preprocessed data among them), and the log. */
  outputs: string[];
}

/** Files below `dir`, recursively; none when it does not exist. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * MDTF's environment for a POD: `<var>_var` (the variable's name in its file), `<VAR>_FILE` (its path),
 * CASENAME, FIRSTYR, LASTYR, WK_DIR, POD_HOME, DATADIR, plus the POD's own `pod_env_vars`.
 */
export function podEnvironment(pod: Pod, caseSpec: CaseSpec, workDir: string): Record<string, string> {
  const podWork = path.join(workDir, pod.name);
  const env: Record<string, string> = {
    ...pod.settings.settings.pod_env_vars,
    CASENAME: caseSpec.name,
    FIRSTYR: String(caseSpec.firstYear),
    LASTYR: String(caseSpec.lastYear),
    WK_DIR: podWork,
    DATADIR: podWork,
    POD_HOME: pod.settings.podHome,
  };
  for (const v of pod.varlist) {
    // An entry replaced by alternates has no file; its alternates provide theirs under their own names.
    if (!v.outputPath || !v.outputVariable) continue;
    env[`${v.name}_var`] = v.outputVariable;
    env[`${v.name.toUpperCase()}_FILE`] = v.outputPath;
  }
  for (const [dim, spec] of Object.entries(pod.settings.dimensions)) {
    env[`${dim}_coord`] = typeof spec.name === 'string' ? spec.name : dim;
  }
  return env;
}

/** Runs a POD's driver with MDTF's environment; output goes to `<work>/<POD>/<POD>.log`. */
export async function runPodDriver(pod: Pod, caseSpec: CaseSpec, workDir: string): Promise<DriverResult> {
  const driver = path.resolve(pod.settings.podHome, pod.settings.settings.driver);
  if (!fs.existsSync(driver)) {
    throw new FairpodError(`driver ${driver} of POD ${pod.name} does not exist`, {
      location: { file: pod.settings.file, key: 'settings.driver' },
      hint: 'put the driver script beside the settings file or correct settings.driver',
    });
  }
  const interpreter = INTERPRETERS[path.extname(driver).toLowerCase()];
  const command = interpreter ? [interpreter, driver] : [driver];
  const podWork = path.join(workDir, pod.name);
  fs.mkdirSync(podWork, { recursive: true });
  const logFile = path.join(podWork, `${pod.name}.log`);
  const log = fs.createWriteStream(logFile);
  const env = { ...process.env, ...podEnvironment(pod, caseSpec, workDir) };
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: podWork,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', (err) => {
      log.write(`fairpod: cannot start ${command.join(' ')}: ${err.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  return { exitCode, logFile, command, outputs: await filesBelow(podWork) };
}
