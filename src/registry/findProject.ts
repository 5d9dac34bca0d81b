import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { FairpodError } from '../core/errors.js';
import type { ProjectSettings } from './project.js';

/** The directory holding a project's registry, store and settings. */
export const FAIRPOD_DIR = '.fairpod';
/** Environment variable naming the project directory (set for a session's script). */
export const PROJECT_ENV = 'FAIRPOD_PROJECT';

/** A project found on disk, not opened: its directory and settings, without its registry. */
export interface FoundProject {
  /** The directory containing `.fairpod/`. */
  dir: string;
  settings: ProjectSettings;
  /** Absolute store root the settings name. */
  storeRoot: string;
}

/**
 * Finds the project containing `start` (searching upwards), or the one `$FAIRPOD_PROJECT` names, and reads
 * its settings, without opening the registry: commands that need only the store (`fairpod store add`) do not
 * load the database drivers. Throws `FairpodError` when there is no project.
 */
export async function findProject(
  start: string = process.env[PROJECT_ENV] ?? process.cwd(),
): Promise<FoundProject> {
  let dir = path.resolve(start);
  for (;;) {
    const file = path.join(dir, FAIRPOD_DIR, 'config.yaml');
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (text !== undefined) {
      const settings = YAML.parse(text) as ProjectSettings;
      return { dir, settings, storeRoot: path.resolve(dir, FAIRPOD_DIR, settings.store) };
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new FairpodError(`no fairpod project in ${path.resolve(start)} or above`, {
        hint: 'run `fairpod init` in your project directory first',
      });
    }
    dir = parent;
  }
}
