import path from 'node:path';
import { ValidationErrors } from '../core/errors.js';
import {
  loadLocatedDocument,
  parseLocatedDocument,
  type KeyPath,
  type LocatedDocument,
} from './locatedDocument.js';
import { describeValue, Findings, isPlainObject, type Plain, type SectionSchema } from './schemaCheck.js';

// The FAIR Data Pipeline `config.yaml` (as FAIR-CLI, pyDataPipeline and DataPipeline.jl write it):
// `run_metadata`, then lists `read`, `write` and `register`, and `use` blocks that pin namespace and version.

/** `run_metadata`: where the registries and stores are, the defaults, and the script to run. */
export interface RunMetadata {
  description?: string;
  local_data_registry_url?: string;
  remote_data_registry_url?: string;
  default_input_namespace?: string;
  default_output_namespace?: string;
  default_read_version?: string;
  default_write_version?: string;
  write_data_store?: string;
  local_repo?: string;
  remote_repo?: string;
  latest_commit?: string;
  /** A shell command line run as the session's script. */
  script?: string;
  /** A script file, as an alternative to `script`. */
  script_path?: string;
  public?: boolean;
  [key: string]: unknown;
}

/** A `use` block: what an entry resolves to in the registry. */
export interface UseBlock {
  namespace?: string;
  version?: string;
  data_product?: string;
  cache?: string;
}

/** One `read` entry. */
export interface ReadEntry {
  data_product: string;
  description?: string;
  use: UseBlock;
}

/** One `write` entry. */
export interface WriteEntry {
  data_product: string;
  description?: string;
  file_type?: string;
  public?: boolean;
  use: UseBlock;
}

/** One `register` entry: a namespace, an author, or a file (data product or external object) to register. */
export type RegisterEntry =
  | { kind: 'namespace'; namespace: string; full_name?: string; website?: string }
  | { kind: 'author'; author: string; name?: string; identifier?: string }
  | {
      kind: 'data_product' | 'external_object';
      name: string;
      root: string;
      path: string;
      file_type?: string;
      version?: string;
      namespace_name?: string;
      title?: string;
      description?: string;
      identifier?: string;
      unique_name?: string;
      alternate_identifier?: string;
      alternate_identifier_type?: string;
      release_date?: string;
      primary?: boolean;
      public?: boolean;
      authors?: string | string[];
      use: UseBlock;
    };

/** A parsed, validated FAIR config. */
export interface FairConfig {
  /** The file (absolute). */
  file: string;
  /** Its directory (`${{CONFIG_DIR}}`). */
  dir: string;
  run_metadata: RunMetadata;
  read: ReadEntry[];
  write: WriteEntry[];
  register: RegisterEntry[];
  /** Top-level `use`: defaults for every entry's `use`. */
  use: UseBlock;
  /** Non-fatal findings (unknown keys), formatted with file:line:column. */
  warnings: string[];
  /** The parsed file, to locate later findings (e.g. a data product missing from the registry). */
  document: LocatedDocument;
}

// ---- The schema, as data ----

const TOP_LEVEL: SectionSchema = {
  run_metadata: {
    kind: 'object',
    required: true,
    example: 'run_metadata:\n  description: my analysis\n  script: python3 run.py',
  },
  read: { kind: 'object' },
  write: { kind: 'object' },
  register: { kind: 'object' },
  use: { kind: 'object' },
};
const LIST_SECTIONS = ['read', 'write', 'register'] as const;

const RUN_METADATA: SectionSchema = Object.fromEntries([
  ...[
    'description',
    'local_data_registry_url',
    'remote_data_registry_url',
    'default_input_namespace',
    'default_output_namespace',
    'default_read_version',
    'default_write_version',
    'write_data_store',
    'local_repo',
    'remote_repo',
    'latest_commit',
    'script',
    'script_path',
  ].map((k) => [k, { kind: 'string' as const }]),
  ['public', { kind: 'boolean' as const }],
]);

const USE: SectionSchema = {
  namespace: { kind: 'string' },
  version: { kind: 'string' },
  data_product: { kind: 'string' },
  cache: { kind: 'string' },
};

const READ: SectionSchema = {
  data_product: { kind: 'string', required: true, example: 'data_product: SEIRS_model/parameters' },
  description: { kind: 'string' },
  use: { kind: 'object' },
};

const WRITE: SectionSchema = {
  data_product: { kind: 'string', required: true, example: 'data_product: results/figure' },
  description: { kind: 'string' },
  file_type: { kind: 'string' },
  public: { kind: 'boolean' },
  use: { kind: 'object' },
};

const REGISTER_NAMESPACE: SectionSchema = {
  namespace: { kind: 'string' },
  full_name: { kind: 'string' },
  website: { kind: 'string' },
};
const REGISTER_AUTHOR: SectionSchema = {
  author: { kind: 'string' },
  name: { kind: 'string' },
  identifier: { kind: 'string' },
};
const REGISTER_FILE_KEYS = [
  'file_type',
  'version',
  'namespace_name',
  'title',
  'description',
  'identifier',
  'unique_name',
  'alternate_identifier',
  'alternate_identifier_type',
  'release_date',
];
function registerFileSchema(kind: 'data_product' | 'external_object'): SectionSchema {
  return {
    [kind]: { kind: 'string' },
    root: {
      kind: 'string',
      required: true,
      example: 'root: https://example.org/data/ (or a local directory)',
    },
    path: { kind: 'string', required: true, example: 'path: parameters.csv (relative to root)' },
    ...Object.fromEntries(REGISTER_FILE_KEYS.map((k) => [k, { kind: 'string' as const }])),
    ...(kind === 'external_object'
      ? {
          title: {
            kind: 'string' as const,
            required: true,
            example: 'title: Static parameters of the model',
          },
        }
      : {}),
    primary: { kind: 'boolean' },
    public: { kind: 'boolean' },
    authors: { kind: 'stringOrStrings' },
    use: { kind: 'object' },
  };
}
const REGISTER_KINDS = ['namespace', 'author', 'data_product', 'external_object'] as const;

/** A semantic version, or text holding `${{...}}` variables that resolve to one. */
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const HAS_VARIABLE = /\$\{\{\s*[A-Za-z_]+\s*\}\}/;

/** Does a parsed document look like a FAIR config (used to pick the validator)? */
export function looksLikeFairConfig(value: unknown): boolean {
  return isPlainObject(value) && 'run_metadata' in value;
}

/** Reads and validates a FAIR `config.yaml`; throws located `ValidationError`s (file, line, key). */
export async function loadFairConfig(file: string): Promise<FairConfig> {
  return fairConfigFromDocument(await loadLocatedDocument(path.resolve(file)));
}

/** Parses and validates config text as the content of `file`. */
export function parseFairConfig(text: string, file: string): FairConfig {
  return fairConfigFromDocument(parseLocatedDocument(text, path.resolve(file), 'yaml'));
}

/** Validates a parsed document as a FAIR config. */
export function fairConfigFromDocument(document: LocatedDocument): FairConfig {
  const findings = new Findings(document);
  const root = isPlainObject(document.value) ? document.value : {};
  if (!isPlainObject(document.value)) {
    findings.error(
      [],
      `expected a mapping with run_metadata, read, write, register, found ${describeValue(document.value)}`,
      'start the file with `run_metadata:`',
    );
  }
  // The list sections are lists; check them here, as the section schema has no "list of objects" kind.
  const topSchema = { ...TOP_LEVEL };
  for (const key of LIST_SECTIONS) delete (topSchema as Record<string, unknown>)[key];
  const top = findings.section(
    Object.fromEntries(
      Object.entries(root).filter(([k]) => !(LIST_SECTIONS as readonly string[]).includes(k)),
    ),
    [],
    topSchema,
    'the top level',
  );
  const runMetadata = isPlainObject(top.run_metadata)
    ? (findings.section(top.run_metadata, ['run_metadata'], RUN_METADATA, '`run_metadata`') as RunMetadata)
    : {};
  for (const key of ['default_read_version', 'default_write_version'] as const)
    checkVersion(findings, runMetadata[key], ['run_metadata', key]);
  const use = isPlainObject(top.use) ? useBlock(findings, top.use, ['use']) : {};

  const lists: Record<(typeof LIST_SECTIONS)[number], Array<[Plain, KeyPath]>> = {
    read: [],
    write: [],
    register: [],
  };
  for (const key of LIST_SECTIONS) {
    const value = root[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      findings.error(
        [key],
        `expected a list of entries, found ${describeValue(value)}`,
        `write each entry on a line starting with \`- \`, e.g.\n${key}:\n  - data_product: my/product`,
      );
      continue;
    }
    value.forEach((item, i) => {
      if (isPlainObject(item)) lists[key].push([item, [key, i]]);
      else
        findings.error(
          [key, i],
          `expected an entry (a mapping), found ${describeValue(item)}`,
          'write `- data_product: NAME` with its keys indented below',
        );
    });
  }

  const read = lists.read.map(([item, at]) => {
    const entry = findings.section(item, at, READ, 'a `read` entry');
    checkDataProductName(findings, entry.data_product, [...at, 'data_product']);
    return {
      data_product: String(entry.data_product ?? ''),
      description: entry.description as string | undefined,
      use: entryUse(findings, entry, at),
    };
  });
  const write = lists.write.map(([item, at]) => {
    const entry = findings.section(item, at, WRITE, 'a `write` entry');
    checkDataProductName(findings, entry.data_product, [...at, 'data_product']);
    checkFileType(findings, entry.file_type, [...at, 'file_type']);
    return {
      data_product: String(entry.data_product ?? ''),
      description: entry.description as string | undefined,
      file_type: entry.file_type as string | undefined,
      public: entry.public as boolean | undefined,
      use: entryUse(findings, entry, at),
    };
  });
  const register: RegisterEntry[] = [];
  for (const [item, at] of lists.register) {
    const kinds = REGISTER_KINDS.filter((k) => k in item);
    if (kinds.length !== 1) {
      findings.error(
        at,
        kinds.length
          ? `a \`register\` entry must be one thing, found ${kinds.map((k) => `\`${k}\``).join(' and ')}`
          : 'a `register` entry must name what it registers',
        `start the entry with one of: ${REGISTER_KINDS.map((k) => `\`${k}:\``).join(', ')}`,
        'value',
      );
      continue;
    }
    const kind = kinds[0]!;
    if (kind === 'namespace') {
      const e = findings.section(item, at, REGISTER_NAMESPACE, 'a namespace `register` entry');
      register.push({
        kind,
        namespace: String(e.namespace),
        full_name: e.full_name as string | undefined,
        website: e.website as string | undefined,
      });
    } else if (kind === 'author') {
      const e = findings.section(item, at, REGISTER_AUTHOR, 'an author `register` entry');
      register.push({
        kind,
        author: String(e.author),
        name: e.name as string | undefined,
        identifier: e.identifier as string | undefined,
      });
    } else {
      const e = findings.section(item, at, registerFileSchema(kind), `a ${kind} \`register\` entry`);
      checkVersion(findings, e.version, [...at, 'version']);
      checkDataProductName(findings, e[kind], [...at, kind]);
      checkFileType(findings, e.file_type, [...at, 'file_type']);
      register.push({
        ...(e as Record<string, never>),
        kind,
        name: String(e[kind] ?? ''),
        root: String(e.root ?? ''),
        path: String(e.path ?? ''),
        use: entryUse(findings, e, at),
      });
    }
  }

  const errors = findings.errors();
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ValidationErrors(errors);
  return {
    file: document.file,
    dir: path.dirname(document.file),
    run_metadata: runMetadata,
    read,
    write,
    register,
    use,
    warnings: findings.warnings(),
    document,
  };
}

function entryUse(findings: Findings, entry: Plain, at: KeyPath): UseBlock {
  return isPlainObject(entry.use) ? useBlock(findings, entry.use, [...at, 'use']) : {};
}

function useBlock(findings: Findings, value: Plain, at: KeyPath): UseBlock {
  const use = findings.section(value, at, USE, 'a `use` block') as UseBlock;
  checkVersion(findings, use.version, [...at, 'version']);
  checkDataProductName(findings, use.data_product, [...at, 'data_product']);
  return use;
}

/**
 * Whether `name` can name a data product: `/`-separated segments, none empty, `.` or `..`, without `\` or NUL.
 * Names become paths in the data store and the job directory: one that climbs out of them is refused.
 */
export function dataProductNameProblem(name: string): string | undefined {
  if (name.includes('\0')) return 'holds a NUL character';
  if (name.includes('\\')) return 'holds a backslash';
  if (name.startsWith('/')) return 'starts with `/`';
  const segments = name.split('/');
  if (segments.some((seg) => seg === '.' || seg === '..')) return 'has a `.` or `..` segment';
  if (segments.some((seg) => seg === '')) return 'has an empty segment (`//` or a trailing `/`)';
  return undefined;
}

function checkDataProductName(findings: Findings, name: unknown, at: KeyPath): void {
  if (typeof name !== 'string') return;
  const problem = dataProductNameProblem(name);
  if (problem)
    findings.error(
      at,
      `data product name \`${name}\` ${problem}`,
      'name data products with `/`-separated words, e.g. `results/figure`; a name cannot point outside the data store',
    );
}

/** A file type becomes a file extension: letters, digits, `.`, `_`, `-`, not starting with `.`. */
function checkFileType(findings: Findings, fileType: unknown, at: KeyPath): void {
  if (typeof fileType !== 'string' || /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/.test(fileType)) return;
  findings.error(
    at,
    `file type \`${fileType}\` is not a file extension`,
    'write an extension such as `csv`, `nc` or `tar.gz`',
  );
}

/** A version must be semantic (MAJOR.MINOR.PATCH) or use a version variable such as `${{LATEST}}`. */
function checkVersion(findings: Findings, version: unknown, at: KeyPath): void {
  if (typeof version !== 'string' || HAS_VARIABLE.test(version) || VERSION.test(version)) return;
  // FAIR-CLI's test configs write placeholders such as <VERSION> that their harness substitutes.
  if (/^<[A-Z_]+>$/.test(version)) return;
  findings.error(
    at,
    `\`${version}\` is not a semantic version`,
    'write MAJOR.MINOR.PATCH, e.g. "1.0.0", or a variable: ${{LATEST}}, ${{MAJOR}}, ${{MINOR}}, ${{PATCH}}',
  );
}

/** Is `version` a semantic version? */
export function isSemver(version: string): boolean {
  return VERSION.test(version);
}
