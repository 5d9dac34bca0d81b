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
  if (dir === undefined) {
    // Search upwards from the current directory; finding none is not an error here.
    const found = await Project.open(start).catch(() => undefined);
    if (found) return found;
  } else if (fs.existsSync(path.join(start, FAIRPOD_DIR, 'config.yaml'))) {
    return Project.open(start);
  }
  logger.info(`initialising a fairpod project in ${path.join(start, FAIRPOD_DIR)} to record this run`);
  return Project.init(start);
}
