import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { FairpodError } from '../core/errors.js';
import { ContentStore } from '../store/contentStore.js';
import { Registry, isoNow } from './registry.js';
import { writeFileAtomic } from '../store/atomicWrite.js';
import { FAIRPOD_DIR, PROJECT_ENV, findProject } from './findProject.js';

export { FAIRPOD_DIR, PROJECT_ENV } from './findProject.js';

/** `.fairpod/config.yaml`: who the user is and where the registry and store are. */
export interface ProjectSettings {
  user: { name: string; identifier?: string };
  /** The user's namespace: default for inputs and outputs. */
  namespace: string;
  /** SQLite path (relative to `.fairpod/`) or `postgres://` URL. */
  registry: string;
  /** Store root, relative to `.fairpod/` or absolute. */
  store: string;
}

/** An opened project: its settings, registry and store. Close it when done. */
export class Project {
  private constructor(
    /** The directory containing `.fairpod/`. */
    readonly dir: string,
    readonly settings: ProjectSettings,
    readonly registry: Registry,
    readonly store: ContentStore,
  ) {}

  /** `<dir>/.fairpod`. */
  get fairpodDir(): string {
    return path.join(this.dir, FAIRPOD_DIR);
  }

  /** Where a session keeps its working config, script and outputs before they are stored. */
  jobDir(runId: string): string {
    return path.join(this.fairpodDir, 'jobs', runId);
  }

  /**
   * Creates `.fairpod/` in `dir` (registry, store, settings) with a user and namespace, registered in the
   * registry as `users`, `author` and `namespace` rows. Refuses if it already exists.
   */
  static async init(
    dir: string,
    options: { user?: string; namespace?: string; identifier?: string; registry?: string } = {},
  ): Promise<Project> {
    const fairpodDir = path.join(path.resolve(dir), FAIRPOD_DIR);
    if (await exists(path.join(fairpodDir, 'config.yaml'))) {
      throw new FairpodError(`${fairpodDir} already exists`, {
        hint: 'this directory is already a fairpod project; use it, or remove .fairpod to start over',
      });
    }
    const user = options.user ?? os.userInfo().username;
    const settings: ProjectSettings = {
      user: { name: user, ...(options.identifier ? { identifier: options.identifier } : {}) },
      namespace: options.namespace ?? user,
      registry: options.registry ?? 'registry.db',
      store: 'store',
    };
    await fs.mkdir(fairpodDir, { recursive: true });
    const project = await Project.openAt(path.resolve(dir), settings);
    const r = project.registry;
    try {
      await r.write(async (trx) => {
        const userId = await r.getOrCreate(trx, 'users', { username: user }, {}, { unique: true });
        const authorId = await r.getOrCreate(
          trx,
          'author',
          options.identifier ? { identifier: options.identifier } : { name: user },
          { name: user, uuid: randomUUID(), updated_by: userId },
        );
        await r.getOrCreate(
          trx,
          'user_author',
          { user_id: userId },
          { author_id: authorId, last_updated: isoNow() },
          { unique: true },
        );
        await r.namespace(trx, settings.namespace);
      });
      await fs.mkdir(project.store.root, { recursive: true });
      await writeFileAtomic(path.join(fairpodDir, 'config.yaml'), YAML.stringify(settings));
      return project;
    } catch (err) {
      await project.close();
      throw err;
    }
  }

  /** Opens the project containing `start` (searching upwards), or the one `$FAIRPOD_PROJECT` names. */
  static async open(start: string = process.env[PROJECT_ENV] ?? process.cwd()): Promise<Project> {
    const { dir, settings } = await findProject(start);
    return Project.openAt(dir, settings);
  }

  private static async openAt(dir: string, settings: ProjectSettings): Promise<Project> {
    const fairpodDir = path.join(dir, FAIRPOD_DIR);
    const registryLocation = /^[a-z]+:\/\//.test(settings.registry)
      ? settings.registry
      : path.resolve(fairpodDir, settings.registry);
    const registry = await Registry.open(registryLocation);
    return new Project(dir, settings, registry, new ContentStore(path.resolve(fairpodDir, settings.store)));
  }

  /** Flushes the store's stat cache and closes the registry. */
  async close(): Promise<void> {
    await this.store.flush();
    await this.registry.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
