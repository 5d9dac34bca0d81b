import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import YAML from 'yaml';
import { FairpodError } from '../core/errors.js';
import {
  listCoreComponents,
  readArrayComponent,
  readTableComponent,
  writeArrayComponent,
  writeTableComponent,
  type CoreArray,
  type CoreTable,
  type ReadArray,
} from './coreFormats.js';
import { storeRootUrlOf, CodeRunRecorder, openCodeRun, type CodeRunStatus } from './codeRun.js';
import { Project } from './project.js';
import { resolveUnder } from '../store/writeOnceFile.js';
import { localOrUrl } from './queries.js';
import type { ResolvedEntry, WorkingConfig } from '../settings/fairConfigResolve.js';
import { writeFileAtomic } from '../store/atomicWrite.js';

/** Environment of a session's script: the FAIR Data Pipeline's variables plus fairpod's own. */
export const SESSION_ENV = {
  configDir: 'FDP_CONFIG_DIR',
  dataStore: 'FDP_DATA_STORE',
  script: 'FDP_SCRIPT',
  token: 'FDP_LOCAL_TOKEN',
  localRepo: 'FDP_LOCAL_REPO',
  runId: 'FAIRPOD_RUN_ID',
} as const;

/** `file_type`s of FAIR's HDF5 core format (arrays and tables). */
const HDF5_FILE_TYPES = new Set(['h5', 'hdf5']);

/** One pending output: what `linkWrite` handed out, registered by `finalise`. */
interface PendingWrite {
  data_product: string;
  path: string;
}

/**
 * A script's view of its session (the FAIR language APIs' handle): `linkRead` gives the stored file of a
 * `read` entry and records the read; `linkWrite` gives a path for a `write` entry; `finalise` stores every
 * written file, registers it as its data product version and records the write. Inside `fairpod run CONFIG`
 * it joins the session's code run; on its own it opens one.
 */
export class FairSession {
  private constructor(
    readonly project: Project,
    readonly recorder: CodeRunRecorder,
    readonly config: WorkingConfig,
    /** The job directory: working config, pending writes, outputs before they are stored. */
    readonly jobDir: string,
    /** Whether this handle opened the code run (and so finishes it). */
    private owner: boolean,
  ) {}

  /**
   * Opens the session. `configDir` is the job directory holding the working `config.yaml`
   * (default `$FDP_CONFIG_DIR`); `script` is recorded as the submission script when the session opens the run.
   */
  static async initialise(
    options: { configDir?: string; script?: string; project?: string } = {},
  ): Promise<FairSession> {
    const jobDir = options.configDir ?? process.env[SESSION_ENV.configDir];
    if (!jobDir) {
      throw new FairpodError('no session: FDP_CONFIG_DIR is not set', {
        hint: 'run the script with `fairpod run CONFIG`, or pass the job directory written by `fairpod config resolve -o DIR/config.yaml`',
      });
    }
    const configFile = path.join(jobDir, 'config.yaml');
    const config = YAML.parse(await fs.readFile(configFile, 'utf8')) as WorkingConfig;
    const project = await Project.open(options.project);
    try {
      const runId = process.env[SESSION_ENV.runId];
      const recorder = runId
        ? await CodeRunRecorder.attach(project.registry, project.store, runId)
        : await openCodeRun(project.registry, project.store, {
            config: configFile,
            script: options.script ?? process.env[SESSION_ENV.script],
            namespace: config.run_metadata.default_output_namespace,
            description: config.run_metadata.description,
            repoDir: config.run_metadata.local_repo,
            user: project.settings.user.name,
          });
      return new FairSession(project, recorder, config, path.resolve(jobDir), !runId);
    } catch (err) {
      await project.close();
      throw err;
    }
  }

  /** The stored file of the `read` entry `dataProduct`, verified, with the read recorded. */
  async linkRead(dataProduct: string): Promise<string> {
    const entry = findEntry(this.config.read, dataProduct, 'read');
    const { namespace, data_product: name, version } = entry.use;
    const row = (await this.project.registry
      .knex('data_product as d')
      .join('namespace as n', 'd.namespace_id', 'n.id')
      .join('object as o', 'd.object_id', 'o.id')
      .join('storage_location as s', 'o.storage_location_id', 's.id')
      .join('storage_root as r', 's.storage_root_id', 'r.id')
      .where({ 'n.name': namespace, 'd.name': name, 'd.version': version })
      .first('r.root', 's.path', 's.hash')) as { root: string; path: string; hash: string } | undefined;
    if (!row)
      throw new FairpodError(
        `data product ${namespace}:${name}@${version} has no stored file in the registry`,
        { hint: 'pull or register it first' },
      );
    const file = localOrUrl(row.root, row.path);
    if (row.root === storeRootUrlOf(this.project.store)) {
      await this.recorder.recordRead(await this.project.store.get(file));
    } else {
      await this.recorder.recordRead({ path: file, sha1: row.hash });
    }
    return file;
  }

  /** A path to write the `write` entry `dataProduct` to; `finalise` stores and registers it. */
  async linkWrite(dataProduct: string): Promise<string> {
    const entry = findEntry(this.config.write, dataProduct, 'write');
    // The name went through variables since it was validated: check the path it makes once more.
    const file = resolveUnder(
      path.join(this.jobDir, 'outputs'),
      `${entry.use.data_product}.${entry.file_type ?? 'dat'}`,
    );
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.appendFile(
      path.join(this.jobDir, 'writes.jsonl'),
      `${JSON.stringify({ data_product: entry.data_product, path: file } satisfies PendingWrite)}\n`,
    );
    return file;
  }

  /** A point estimate (FAIR's TOML core format) from component `component` of the `read` entry `dataProduct`. */
  async readEstimate(dataProduct: string, component: string): Promise<number> {
    const file = await this.linkRead(dataProduct);
    const table = parseToml(await fs.readFile(file, 'utf8'))[component] as
      { type?: string; value?: unknown } | undefined;
    if (!table || table.type !== 'point-estimate' || typeof table.value !== 'number') {
      throw new FairpodError(`${dataProduct} has no point-estimate component ${component}`, {
        location: { file, key: component },
        hint: 'check the component name; a point estimate is a table with type = "point-estimate" and a numeric value',
      });
    }
    return table.value;
  }

  /** Adds a point estimate as component `component` of the TOML file of `write` entry `dataProduct`. */
  async writeEstimate(
    dataProduct: string,
    component: string,
    value: number,
    description?: string,
  ): Promise<void> {
    const entry = findEntry(this.config.write, dataProduct, 'write');
    if (entry.file_type !== 'toml') {
      throw new FairpodError(
        `write entry ${dataProduct} has file_type ${entry.file_type ?? '(none)'}, not toml`,
        { hint: 'set `file_type: toml` for a data product of estimates' },
      );
    }
    const file = path.join(this.jobDir, 'outputs', `${entry.use.data_product}.toml`);
    const existing = await fs.readFile(file, 'utf8').then(parseToml, () => undefined);
    if (!existing) await this.linkWrite(dataProduct);
    const tables = {
      ...(existing ?? {}),
      [component]: { type: 'point-estimate', value, ...(description ? { description } : {}) },
    };
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, stringifyToml(tables));
  }

  /** Array component `component` (FAIR's HDF5 core format) of the `read` entry `dataProduct`; the read is recorded. */
  async readArray(dataProduct: string, component: string): Promise<ReadArray> {
    return readArrayComponent(await this.linkRead(dataProduct), component);
  }

  /** Adds array component `component` to the HDF5 file of `write` entry `dataProduct` (one file, many components). */
  async writeArray(dataProduct: string, component: string, array: CoreArray): Promise<void> {
    await writeArrayComponent(await this.hdf5Output(dataProduct), component, array);
  }

  /** Table component `component` (FAIR's HDF5 core format) of the `read` entry `dataProduct`; the read is recorded. */
  async readTable(dataProduct: string, component: string): Promise<CoreTable> {
    return readTableComponent(await this.linkRead(dataProduct), component);
  }

  /** Adds table component `component` to the HDF5 file of `write` entry `dataProduct`. */
  async writeTable(dataProduct: string, component: string, table: CoreTable): Promise<void> {
    await writeTableComponent(await this.hdf5Output(dataProduct), component, table);
  }

  /** The output file of an HDF5 `write` entry, handed out by `linkWrite` when its first component is written. */
  private async hdf5Output(dataProduct: string): Promise<string> {
    const entry = findEntry(this.config.write, dataProduct, 'write');
    if (!entry.file_type || !HDF5_FILE_TYPES.has(entry.file_type)) {
      throw new FairpodError(
        `write entry ${dataProduct} has file_type ${entry.file_type ?? '(none)'}, not h5`,
        { hint: 'set `file_type: h5` for a data product of arrays and tables' },
      );
    }
    const file = path.join(this.jobDir, 'outputs', `${entry.use.data_product}.${entry.file_type}`);
    const exists = await fs.stat(file).then(
      () => true,
      () => false,
    );
    return exists ? file : this.linkWrite(dataProduct);
  }

  /**
   * Stores every file handed out by `linkWrite` (in this or another process of the session), registers each
   * as its data product version, records the writes, and — if this handle opened the run — finishes it.
   */
  async finalise(status: Exclude<CodeRunStatus, 'running'> = 'succeeded'): Promise<void> {
    try {
      const pendingFile = path.join(this.jobDir, 'writes.jsonl');
      const lines = (await fs.readFile(pendingFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      const done = new Set<string>();
      for (const line of lines) {
        const pending = JSON.parse(line) as PendingWrite;
        if (done.has(pending.path)) continue;
        done.add(pending.path);
        const st = await fs.stat(pending.path).catch(() => undefined);
        if (!st) {
          throw new FairpodError(`the script did not write ${pending.data_product} (${pending.path})`, {
            hint: 'write the file at the path linkWrite returned, or remove the write entry',
          });
        }
        const entry = findEntry(this.config.write, pending.data_product, 'write');
        // The tables of a TOML file (FAIR's estimates) and the array/table groups of an HDF5 file are its
        // components, registered by name.
        const components =
          entry.file_type === 'toml'
            ? Object.keys(parseToml(await fs.readFile(pending.path, 'utf8')))
            : entry.file_type && HDF5_FILE_TYPES.has(entry.file_type)
              ? await listCoreComponents(pending.path)
              : undefined;
        const stored = await this.project.store.add(pending.path, {
          namespace: entry.use.namespace,
          name: entry.use.data_product,
          ext: entry.file_type,
        });
        // A failed run's outputs are recorded (what it touched) but not published as data product versions.
        await this.recorder.recordWrite(stored, {
          description: entry.description,
          dataProduct:
            status === 'succeeded'
              ? { namespace: entry.use.namespace, name: entry.use.data_product, version: entry.use.version }
              : undefined,
          components: status === 'succeeded' ? components : undefined,
        });
        await fs.rm(pending.path, { force: true });
      }
      await fs.rm(pendingFile, { force: true });
      await this.recorder.flush();
      if (this.owner) await this.recorder.finish(status);
    } catch (err) {
      if (this.owner) await this.recorder.finish('failed').catch(() => undefined);
      throw err;
    } finally {
      await this.project.close();
    }
  }

  /** `finalise` for the process that opened the run through another handle (`fairpod run CONFIG`): finishes it. */
  async finaliseAsOwner(status: Exclude<CodeRunStatus, 'running'>): Promise<void> {
    this.owner = true;
    await this.finalise(status);
  }

  /** Flushes records and closes the registry without finishing (for a joined session's helper process). */
  async close(): Promise<void> {
    try {
      await this.recorder.flush();
    } finally {
      await this.project.close();
    }
  }
}

function findEntry(entries: ResolvedEntry[], name: string, section: 'read' | 'write'): ResolvedEntry {
  const entry = entries.find((e) => e.data_product === name || e.use.data_product === name);
  if (!entry) {
    throw new FairpodError(`${name} is not a \`${section}\` entry of the working config`, {
      hint: `add it to \`${section}:\` in the config; known: ${entries.map((e) => e.data_product).join(', ') || '(none)'}`,
    });
  }
  return entry;
}

/** FAIR-style functional API: `const h = await initialise(); const p = await linkRead(h, 'name'); ...; await finalise(h)`. */
export const initialise = (options?: Parameters<typeof FairSession.initialise>[0]): Promise<FairSession> =>
  FairSession.initialise(options);
/** See `FairSession.linkRead`. */
export const linkRead = (handle: FairSession, dataProduct: string): Promise<string> =>
  handle.linkRead(dataProduct);
/** See `FairSession.linkWrite`. */
export const linkWrite = (handle: FairSession, dataProduct: string): Promise<string> =>
  handle.linkWrite(dataProduct);
/** See `FairSession.readEstimate`. */
export const readEstimate = (handle: FairSession, dataProduct: string, component: string): Promise<number> =>
  handle.readEstimate(dataProduct, component);
/** See `FairSession.writeEstimate`. */
export const writeEstimate = (
  handle: FairSession,
  dataProduct: string,
  component: string,
  value: number,
  description?: string,
): Promise<void> => handle.writeEstimate(dataProduct, component, value, description);
/** See `FairSession.readArray`. */
export const readArray = (handle: FairSession, dataProduct: string, component: string): Promise<ReadArray> =>
  handle.readArray(dataProduct, component);
/** See `FairSession.writeArray`. */
export const writeArray = (
  handle: FairSession,
  dataProduct: string,
  component: string,
  array: CoreArray,
): Promise<void> => handle.writeArray(dataProduct, component, array);
/** See `FairSession.readTable`. */
export const readTable = (handle: FairSession, dataProduct: string, component: string): Promise<CoreTable> =>
  handle.readTable(dataProduct, component);
/** See `FairSession.writeTable`. */
export const writeTable = (
  handle: FairSession,
  dataProduct: string,
  component: string,
  table: CoreTable,
): Promise<void> => handle.writeTable(dataProduct, component, table);
/** See `FairSession.finalise`. */
export const finalise = (handle: FairSession, status?: Exclude<CodeRunStatus, 'running'>): Promise<void> =>
  handle.finalise(status);
