import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

// Hand-written: write-file-atomic and its kin write strings only and name their temporary files in ways a
// sweep cannot tell from a user's file; fairpod needs one name for every temporary file (netCDF and HDF5
// files written by h5wasm among them), so that walks skip them and `fairpod gc` can sweep them.

/** Every temporary file fairpod writes ends with this: `.<name>.<pid>-<uuid>.fairpod-tmp`. */
export const TEMP_SUFFIX = '.fairpod-tmp';
const TEMP_NAME = /^\..*\.(\d+)-[0-9a-f-]{36}\.fairpod-tmp$/;

/** A fresh temporary name for `target`, beside it (same file system, so the rename is atomic), hidden. */
export function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}-${randomUUID()}${TEMP_SUFFIX}`,
  );
}

/** The pid of the process writing the temporary file `name` (a base name), or undefined if it is not one. */
export function tempFileOwner(name: string): number | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True when `file`'s base name is one of fairpod's temporary files: no walk records it as a result. */
export function isTempFile(file: string): boolean {
  return tempFileOwner(path.basename(file)) !== undefined;
}

/**
 * Makes `target` appear complete or not at all: `fill` writes a temporary file beside it (its path is passed
 * in), which is then renamed over `target`. On any failure the temporary file is removed and `target` is as
 * it was. Returns what `fill` returned.
 */
export async function replaceAtomically<T>(target: string, fill: (temp: string) => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    const out = await fill(temp);
    await fs.rename(temp, target);
    return out;
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** Writes `data` to `file` atomically (see `replaceAtomically`). */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): Promise<void> {
  return replaceAtomically(file, (temp) => fs.writeFile(temp, data, { mode }));
}

/** Is the process `pid` still running (so its temporary files are still being written)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temporary files under `dir` (recursively) whose writer no longer runs: left by a killed process. With
 * `remove`, they are deleted. Returns their paths, sorted.
 */
export async function abandonedTempFiles(dir: string, remove: boolean): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  const found: string[] = [];
  for (const e of entries) {
    const pid = tempFileOwner(e.name);
    if (pid === undefined || !e.isFile() || isAlive(pid)) continue;
    const file = path.join(e.parentPath, e.name);
    if (remove) await fs.rm(file, { force: true });
    found.push(file);
  }
  return found.sort();
}
