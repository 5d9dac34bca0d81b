import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ValidationError, ValidationErrors, type Location } from '../core/errors.js';
import { latestVersion, matchingDataProducts } from '../registry/queries.js';
import type { Registry } from '../registry/registry.js';
import { bumpVersion, compareVersions, parseSemver } from '../registry/versions.js';
import type { FairConfig, RegisterEntry, RunMetadata } from './fairConfig.js';
import { formatKeyPath, type KeyPath } from './locatedDocument.js';

/** What resolution needs besides the config: the registry, the moment, who and where. */
export interface ResolveContext {
  registry: Registry;
  runDate: Date;
  runId: string;
  /** The project's namespace: the default input and output namespace. */
  namespace: string;
  /** Where written files are stored (`write_data_store`). */
  dataStore: string;
  /** The local registry's location (`local_data_registry_url`). */
  registryLocation: string;
  /** The code's git repository (`${{REPO_DIR}}`), if any. */
  repoDir?: string;
  latestCommit?: string;
  /** The code's remote repository URL (`run_metadata.remote_repo`, git's `origin`), if any. */
  remoteRepo?: string;
  /** The session's copy of its script (`run_metadata.script_path` in the working config, which then has no `script`). */
  scriptPath?: string;
  user?: string;
}

/** A `read` or `write` entry with its `use` block complete. */
export interface ResolvedEntry {
  data_product: string;
  description?: string;
  file_type?: string;
  public?: boolean;
  use: { namespace: string; data_product: string; version: string };
}

/** The working config: every variable, glob and version resolved and every default explicit. */
export interface WorkingConfig {
  run_metadata: RunMetadata & {
    default_input_namespace: string;
    default_output_namespace: string;
    default_read_version: string;
    default_write_version: string;
    write_data_store: string;
    local_data_registry_url: string;
    public: boolean;
  };
  read: ResolvedEntry[];
  write: ResolvedEntry[];
  /** The config's `register` entries, applied before the run; the working config file lists them as `read` entries, as FAIR-CLI writes it. */
  register: Array<Omit<RegisterEntry, 'kind'> & Record<string, unknown>>;
}

const VARIABLE = /\$\{\{\s*([A-Za-z_]+)\s*\}\}/g;
const VERSION_VARIABLES = ['LATEST', 'MAJOR', 'MINOR', 'PATCH'] as const;

/**
 * Resolves a FAIR config into its working config: substitutes `${{DATE}}`, `${{DATETIME}}`, `${{USER}}`,
 * `${{REPO_DIR}}`, `${{CONFIG_DIR}}`, `${{SOURCE_CONFIG}}`, `${{RUN_ID}}`; expands `*` in read and write
 * data product names against the registry; turns `${{LATEST}}` (newest existing version) and `${{MAJOR}}`,
 * `${{MINOR}}`, `${{PATCH}}` (the next version after the newest, from 0.0.0 as FAIR-CLI's semver bumps:
 * 0.0.1, 0.1.0, 1.0.0) into versions; writes every default out, the default write version being FAIR-CLI's
 * `${{PATCH}}`; and lists what `register` makes as `read` entries (FAIR-CLI's `_register_to_read`), so the
 * run is reproducible whatever later happens to the registry. Problems are located errors.
 */
export async function resolveFairConfig(config: FairConfig, ctx: ResolveContext): Promise<WorkingConfig> {
  const errors: ValidationError[] = [];
  const where = (at: KeyPath): Location => {
    const pos = config.document.locate(at, 'value');
    return { file: config.file, ...pos, key: formatKeyPath(at) };
  };
  const iso = ctx.runDate.toISOString();
  const variables: Record<string, string> = {
    DATE: iso.slice(0, 10).replaceAll('-', ''),
    DATETIME: iso.slice(0, 19),
    USER: ctx.user ?? os.userInfo().username,
    CONFIG_DIR: config.dir + path.sep,
    SOURCE_CONFIG: config.file,
    RUN_ID: ctx.runId,
    ...(ctx.repoDir ? { REPO_DIR: ctx.repoDir } : {}),
  };
  const substitute = (value: unknown, at: KeyPath, keepVersions = false): unknown => {
    if (typeof value === 'string') {
      return value.replace(VARIABLE, (whole, name: string) => {
        const key = name.toUpperCase();
        if (key in variables) return variables[key]!;
        if (keepVersions && (VERSION_VARIABLES as readonly string[]).includes(key)) return `\${{${key}}}`;
        errors.push(
          new ValidationError(`unknown variable ${whole}`, {
            location: where(at),
            hint: `use one of ${[...Object.keys(variables), ...VERSION_VARIABLES].map((v) => `\${{${v}}}`).join(', ')} (version variables only in versions)`,
          }),
        );
        return whole;
      });
    }
    if (Array.isArray(value)) return value.map((v, i) => substitute(v, [...at, i], keepVersions));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          substitute(v, [...at, k], keepVersions || k === 'version' || k.endsWith('_version')),
        ]),
      );
    }
    return value;
  };

  const { script: _script, ...rm } = substitute(config.run_metadata, ['run_metadata']) as RunMetadata;
  const runMetadata: WorkingConfig['run_metadata'] = {
    ...rm,
    ...(ctx.scriptPath ? { script_path: ctx.scriptPath } : _script !== undefined ? { script: _script } : {}),
    description: rm.description ?? '',
    default_input_namespace: rm.default_input_namespace ?? ctx.namespace,
    default_output_namespace: rm.default_output_namespace ?? ctx.namespace,
    default_read_version: rm.default_read_version ?? '${{LATEST}}',
    // FAIR-CLI's DEFAULT_WRITE_VERSION (fair/registry/versioning.py): a first write is 0.0.1.
    default_write_version: rm.default_write_version ?? '${{PATCH}}',
    write_data_store: rm.write_data_store ?? ctx.dataStore,
    local_data_registry_url: rm.local_data_registry_url ?? ctx.registryLocation,
    public: rm.public ?? true,
    ...(ctx.repoDir && !rm.local_repo ? { local_repo: ctx.repoDir } : {}),
    ...(ctx.latestCommit && !rm.latest_commit ? { latest_commit: ctx.latestCommit } : {}),
    ...(ctx.remoteRepo && !rm.remote_repo ? { remote_repo: ctx.remoteRepo } : {}),
  };
  const top = substitute(config.use, ['use']) as FairConfig['use'];

  const register = config.register.map((entry, i) => {
    // Written back in FAIR's own shape: the entry's kind is its first key, not a `kind`/`name` pair.
    const {
      kind: _kind,
      name: _name,
      ...rest
    } = substitute(entry, ['register', i]) as RegisterEntry & { name?: string };
    void _kind;
    void _name;
    if ('use' in rest && rest.use && !Object.keys(rest.use).length) delete (rest as { use?: unknown }).use;
    if ('root' in rest && typeof rest.root === 'string' && !/^[a-z]+:\/\//i.test(rest.root))
      rest.root = path.resolve(config.dir, rest.root) + path.sep;
    return rest as WorkingConfig['register'][number];
  });
  // What this config registers counts as present: its reads may name it before the registry has it.
  const registering = new Map<string, string[]>();
  for (const e of register as Array<Record<string, unknown>>) {
    if (!('root' in e)) continue;
    const use = (e.use ?? {}) as { namespace?: string; version?: string };
    const key = `${(e.namespace_name as string | undefined) ?? use.namespace ?? runMetadata.default_output_namespace}:${String(e.data_product ?? e.external_object)}`;
    registering.set(key, [
      ...(registering.get(key) ?? []),
      (e.version as string | undefined) ?? use.version ?? '0.0.1',
    ]);
  }
  const latestOf = async (namespace: string, name: string): Promise<string | undefined> =>
    [
      ...(registering.get(`${namespace}:${name}`) ?? []),
      ...[await latestVersion(ctx.registry, namespace, name)].filter((v): v is string => v !== undefined),
    ]
      .sort(compareVersions)
      .at(-1);

  const resolveVersion = async (
    version: string,
    namespace: string,
    name: string,
    at: KeyPath,
    mode: 'read' | 'write',
  ): Promise<string> => {
    const m = /^\$\{\{(LATEST|MAJOR|MINOR|PATCH)\}\}$/.exec(version);
    const latest = await latestOf(namespace, name);
    if (!m) {
      if (!parseSemver(version)) {
        errors.push(
          new ValidationError(`\`${version}\` is not a semantic version`, {
            location: where(at),
            hint: 'write MAJOR.MINOR.PATCH or a version variable',
          }),
        );
      } else if (
        mode === 'read' &&
        !registering.get(`${namespace}:${name}`)?.includes(version) &&
        !(await versionExists(ctx.registry, namespace, name, version))
      ) {
        errors.push(
          new ValidationError(`no data product ${namespace}:${name}@${version} in the registry`, {
            location: where(at),
            hint: 'pull or register it first, or read ${{LATEST}}',
          }),
        );
      }
      return version;
    }
    if (m[1] === 'LATEST') {
      if (latest === undefined) {
        errors.push(
          new ValidationError(`no version of ${namespace}:${name} in the registry`, {
            location: where(at),
            hint:
              mode === 'read'
                ? 'register or pull the data product first (`register:` or `fairpod pull`)'
                : 'write a first version with ${{MINOR}} or "0.1.0"',
          }),
        );
        return version;
      }
      return latest;
    }
    return bumpVersion(latest, m[1] as 'MAJOR' | 'MINOR' | 'PATCH');
  };

  const resolveEntries = async (mode: 'read' | 'write'): Promise<ResolvedEntry[]> => {
    const out: ResolvedEntry[] = [];
    const entries = config[mode];
    for (const [i, raw] of entries.entries()) {
      const at: KeyPath = [mode, i];
      const entry = substitute(raw, at) as (typeof entries)[number];
      const namespace =
        entry.use.namespace ??
        top.namespace ??
        (mode === 'read' ? runMetadata.default_input_namespace : runMetadata.default_output_namespace);
      const name = entry.use.data_product ?? entry.data_product;
      const version =
        entry.use.version ??
        top.version ??
        (mode === 'read' ? runMetadata.default_read_version : runMetadata.default_write_version);
      const names = name.includes('*') ? await matchingDataProducts(ctx.registry, namespace, name) : [name];
      if (!names.length && mode === 'read') {
        errors.push(
          new ValidationError(`no data product in namespace ${namespace} matches ${name}`, {
            location: where([...at, 'data_product']),
            hint: 'check the pattern; `*` matches any characters',
          }),
        );
      }
      for (const n of names) {
        const fileType =
          mode === 'write' ? ('file_type' in entry && entry.file_type) || undefined : undefined;
        if (mode === 'write' && !fileType) {
          errors.push(
            new ValidationError(`write entry ${n} has no file_type`, {
              location: where([...at, 'data_product']),
              hint: 'add `file_type: csv` (the extension of the file the script writes)',
            }),
          );
        }
        out.push({
          data_product: name.includes('*') ? n : entry.data_product,
          ...(entry.description !== undefined ? { description: entry.description } : {}),
          ...(fileType ? { file_type: fileType } : {}),
          ...(mode === 'write'
            ? { public: ('public' in entry ? entry.public : undefined) ?? runMetadata.public }
            : {}),
          use: {
            namespace,
            data_product: n,
            version: await resolveVersion(
              version,
              namespace,
              n,
              [...at, ...(entry.use.version ? ['use', 'version'] : ['data_product'])],
              mode,
            ),
          },
        });
      }
    }
    return out;
  };

  const read = await resolveEntries('read');
  // Each registered data product or external object is read by the run, as FAIR-CLI folds `register`
  // into `read` (fair/user_config/__init__.py `_register_to_read`); one already read is not listed twice.
  for (const e of register as Array<Record<string, unknown>>) {
    if (!('root' in e)) continue;
    const use = (e.use ?? {}) as { namespace?: string; version?: string };
    const name = String(e.data_product ?? e.external_object);
    const entry: ResolvedEntry = {
      data_product: name,
      ...(typeof e.description === 'string' ? { description: e.description } : {}),
      use: {
        namespace:
          (e.namespace_name as string | undefined) ?? use.namespace ?? runMetadata.default_output_namespace,
        data_product: name,
        version: (e.version as string | undefined) ?? use.version ?? '0.0.1',
      },
    };
    const same = (r: ResolvedEntry): boolean =>
      r.use.namespace === entry.use.namespace &&
      r.use.data_product === entry.use.data_product &&
      r.use.version === entry.use.version;
    if (!read.some(same)) read.push(entry);
  }
  const write = await resolveEntries('write');
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ValidationErrors(errors);
  return { run_metadata: runMetadata, read, write, register };
}

async function versionExists(
  registry: Registry,
  namespace: string,
  name: string,
  version: string,
): Promise<boolean> {
  const row = await registry
    .knex('data_product as d')
    .join('namespace as n', 'd.namespace_id', 'n.id')
    .where({ 'n.name': namespace, 'd.name': name, 'd.version': version })
    .first('d.id');
  return row !== undefined;
}

/**
 * The working config as YAML, in the shape FAIR-CLI writes it (`JobConfiguration._clean`): `run_metadata`
 * without the default versions (every version is resolved), and the `read` and `write` lists (none when
 * empty); `register` is not written, its items are `read` entries.
 */
export function workingConfigYaml(config: WorkingConfig): string {
  const { default_read_version: _read, default_write_version: _write, ...runMetadata } = config.run_metadata;
  void _read;
  void _write;
  return YAML.stringify(
    {
      run_metadata: runMetadata,
      ...(config.read.length ? { read: config.read } : {}),
      ...(config.write.length ? { write: config.write } : {}),
    },
    { lineWidth: 0 },
  );
}
