import { FAIRPOD_DIR, Project } from '../registry/project.js';
import type { Logger } from '../core/services.js';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The project `fairpod run` records into: the one at `dir` (or containing the current directory); when there is
 * none, one is initialised at `dir` (default: the current directory), as `fairpod init` would.
 */
export async function openRunProject(dir: string | undefined, logger: Logger): Promise<Project> {
  const start = path.resolve(dir ?? process.cwd());
  const existing = dir ? fs.existsSync(path.join(start, FAIRPOD_DIR, 'config.yaml')) : true;
  if (existing) {
    try {
      return await Project.open(start);
    } catch (err) {
      if (dir) throw err;
    }
  }
  logger.info(`initialising a fairpod project in ${path.join(start, FAIRPOD_DIR)} to record this run`);
  return Project.init(start);
}
