import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FairpodError } from './errors.js';
import type { Pod } from './pod.js';

/** The watcher every driver runs under (driverWatch.ts, compiled beside this file). */
const DRIVER_WATCH = fileURLToPath(new URL('./driverWatch.js', import.meta.url));

/** Interpreters by driver extension, as MDTF runs PODs; anything else is executed directly. */
export const DEFAULT_INTERPRETERS: Readonly<Record<string, string>> = {
  '.py': 'python3',
  '.ncl': 'ncl',
  '.r': 'Rscript',
  '.sh': 'bash',
  '.js': 'node',
  '.mjs': 'node',
};

/** The program that runs `driver`, by its extension; `overrides` (e.g. `{'.py': '/usr/bin/python3'}`) win. */
export function interpreterFor(driver: string, overrides: Record<string, string> = {}): string | undefined {
  const ext = path.extname(driver).toLowerCase();
  return overrides[ext] ?? DEFAULT_INTERPRETERS[ext];
}

/** The outcome of running one POD's driver. */
export interface DriverResult {
  exitCode: number;
  logFile: string;
  command: string[];
}

/**
 * Runs a POD's driver in `podWork` with the process environment plus `env` (MDTF's, see `podEnvironment`);
 * stdout and stderr go to `<podWork>/<POD>.log`.
 */
export async function runPodDriver(
  pod: Pod,
  podWork: string,
  env: Record<string, string>,
  interpreters: Record<string, string> = {},
): Promise<DriverResult> {
  const driver = path.resolve(pod.settings.podHome, pod.settings.settings.driver);
  if (!fs.existsSync(driver)) {
    throw new FairpodError(`driver ${driver} of POD ${pod.name} does not exist`, {
      location: { file: pod.settings.file, key: 'settings.driver' },
      hint: 'put the driver script beside the settings file or correct settings.driver',
    });
  }
  const interpreter = interpreterFor(driver, interpreters);
  const command = interpreter ? [interpreter, driver] : [driver];
  fs.mkdirSync(podWork, { recursive: true });
  const logFile = path.join(podWork, `${pod.name}.log`);
  const log = fs.createWriteStream(logFile);
  const exitCode = await new Promise<number>((resolve) => {
    // Through the watcher, so that the driver and everything it starts end when fairpod does.
    const child = spawn(process.execPath, [DRIVER_WATCH, ...command], {
      cwd: podWork,
      env: { ...process.env, ...env },
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
  return { exitCode, logFile, command };
}
