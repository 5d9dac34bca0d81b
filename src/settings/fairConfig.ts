import path from 'node:path';
import { z } from 'zod';
import { loadLocatedDocument, parseLocatedDocument, type LocatedDocument } from './locatedDocument.js';
import {
  addProblem,
  checkDocument,
  describeValue,
  isPlainObject,
  parseWith,
  problem,
  throwIfErrors,
  type Problem,
} from './schema.js';
import { checked, key, sectionSchema, settingsSection } from './schemaCheck.js';

// The FAIR Data Pipeline `config.yaml` (as FAIR-CLI, pyDataPipeline and DataPipeline.jl write it):
// `run_metadata`, then lists `read`, `write` and `register`, and `use` blocks that pin namespace and version.

// ---- The schema ----

const text = key('string');
const flag = key('boolean');

/** A semantic version, or text holding `${{...}}` variables that resolve to one. */
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const HAS_VARIABLE = /\$\{\{\s*[A-Za-z_]+\s*\}\}/;

/** A version must be semantic (MAJOR.MINOR.PATCH) or use a version variable such as `${{LATEST}}`. */
function versionProblem(version: string): Problem | undefined {
  // FAIR-CLI's test configs write placeholders such as <VERSION> that their harness substitutes.
  if (HAS_VARIABLE.test(version) || VERSION.test(version) || /^<[A-Z_]+>$/.test(version)) return undefined;
  return {
    message: `\`${version}\` is not a semantic version`,
    hint: 'write MAJOR.MINOR.PATCH, e.g. "1.0.0", or a variable: ${{LATEST}}, ${{MAJOR}}, ${{MINOR}}, ${{PATCH}}',
  };
}

function nameProblem(name: string): Problem | undefined {
  const problem = dataProductNameProblem(name);
  return problem
    ? {
        message: `data product name \`${name}\` ${problem}`,
        hint: 'name data products with `/`-separated words, e.g. `results/figure`; a name cannot point outside the data store',
      }
    : undefined;
}

/** A file type becomes a file extension: letters, digits, `.`, `_`, `-`, not starting with `.`. */
function fileTypeProblem(fileType: string): Problem | undefined {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/.test(fileType)) return undefined;
  return {
    message: `file type \`${fileType}\` is not a file extension`,
    hint: 'write an extension such as `csv`, `nc` or `tar.gz`',
  };
}

const version = checked(text, versionProblem);
const fileType = checked(text, fileTypeProblem);

/** A `use` block: what an entry resolves to in the registry; absent, it is empty. */
const USE = {
  namespace: text,
  version,
  data_product: checked(text, nameProblem),
  cache: text,
};
const useBlock = (name: string, what: string) =>
  settingsSection('a `use` block', USE)(name, what).transform((use) => use ?? {});

/** `run_metadata`: where the registries and stores are, the defaults, and the script to run. */
const RUN_METADATA = {
  description: text,
  local_data_registry_url: text,
  remote_data_registry_url: text,
  default_input_namespace: text,
  default_output_namespace: text,
  default_read_version: version,
  default_write_version: version,
  write_data_store: text,
  local_repo: text,
  remote_repo: text,
  latest_commit: text,
  /** A shell command line run as the session's script. */
  script: text,
  /** A script file, as an alternative to `script`. */
  script_path: text,
  public: flag,
};

const READ = {
  data_product: checked(
    key('string', { required: true, example: 'data_product: SEIRS_model/parameters' }),
    nameProblem,
  ),
  description: text,
  use: useBlock,
};

const WRITE = {
  data_product: checked(
    key('string', { required: true, example: 'data_product: results/figure' }),
    nameProblem,
  ),
  description: text,
  file_type: fileType,
  public: flag,
  use: useBlock,
};

const REGISTER_NAMESPACE = { namespace: text, full_name: text, website: text };
const REGISTER_AUTHOR = { author: text, name: text, identifier: text };
const REGISTER_FILE = {
  root: key('string', { required: true, example: 'root: https://example.org/data/ (or a local directory)' }),
  path: key('string', { required: true, example: 'path: parameters.csv (relative to root)' }),
  file_type: fileType,
  version,
  namespace_name: text,
  title: text,
  description: text,
  identifier: text,
  unique_name: text,
  alternate_identifier: text,
  alternate_identifier_type: text,
  release_date: text,
  primary: flag,
  public: flag,
  authors: key('stringOrStrings'),
  use: useBlock,
};
const REGISTER_DATA_PRODUCT = { data_product: checked(text, nameProblem), ...REGISTER_FILE };
const REGISTER_EXTERNAL_OBJECT = {
  external_object: checked(text, nameProblem),
  ...REGISTER_FILE,
  title: key('string', { required: true, example: 'title: Static parameters of the model' }),
};
const REGISTER_KINDS = ['namespace', 'author', 'data_product', 'external_object'] as const;

const notAnEntry = (issue: { input?: unknown }): string =>
  problem({
    message: `expected an entry (a mapping), found ${describeValue(issue.input)}`,
    hint: 'write `- data_product: NAME` with its keys indented below',
  });

/** A list section; left out or null, it is empty. */
function entries<T extends z.ZodType>(listKey: string, item: T) {
  return z
    .array(item, {
      error: (issue) =>
        problem({
          message: `expected a list of entries, found ${describeValue(issue.input)}`,
          hint: `write each entry on a line starting with \`- \`, e.g.\n${listKey}:\n  - data_product: my/product`,
        }),
    })
    .nullish()
    .transform((list) => list ?? []);
}

const readEntry = sectionSchema('a `read` entry', READ, notAnEntry).transform(
  ({ data_product, description, use }) => ({ data_product, description, use }),
);
const writeEntry = sectionSchema('a `write` entry', WRITE, notAnEntry).transform(
  ({ data_product, description, file_type, public: isPublic, use }) => ({
    data_product,
    description,
    file_type,
    public: isPublic,
    use,
  }),
);
const namespaceEntry = sectionSchema('a namespace `register` entry', REGISTER_NAMESPACE);
const authorEntry = sectionSchema('an author `register` entry', REGISTER_AUTHOR);
const dataProductEntry = sectionSchema('a data_product `register` entry', REGISTER_DATA_PRODUCT);
const externalObjectEntry = sectionSchema('a external_object `register` entry', REGISTER_EXTERNAL_OBJECT);

/** One `register` entry: a namespace, an author, or a file (data product or external object), by its first key. */
const registerEntry = z.record(z.string(), z.unknown(), { error: notAnEntry }).transform((item, ctx) => {
  const kinds = REGISTER_KINDS.filter((k) => k in item);
  if (kinds.length !== 1) {
    addProblem(ctx, [], {
      message: kinds.length
        ? `a \`register\` entry must be one thing, found ${kinds.map((k) => `\`${k}\``).join(' and ')}`
        : 'a `register` entry must name what it registers',
      hint: `start the entry with one of: ${REGISTER_KINDS.map((k) => `\`${k}:\``).join(', ')}`,
    });
    return z.NEVER;
  }
  const kind = kinds[0]!;
  if (kind === 'namespace') {
    const e = parseWith(ctx, namespaceEntry, item);
    if (!e) return z.NEVER;
    return { kind, namespace: String(e.namespace), full_name: e.full_name, website: e.website };
  }
  if (kind === 'author') {
    const e = parseWith(ctx, authorEntry, item);
    if (!e) return z.NEVER;
    return { kind, author: String(e.author), name: e.name, identifier: e.identifier };
  }
  const e =
    kind === 'data_product'
      ? parseWith(ctx, dataProductEntry, item)
      : parseWith(ctx, externalObjectEntry, item);
  if (!e) return z.NEVER;
  const written = e as typeof e & Record<typeof kind, string | undefined>;
  return { ...e, kind, name: String(written[kind] ?? ''), root: e.root, path: e.path, use: e.use };
});

/** The FAIR Data Pipeline `config.yaml`. */
const fairConfigSchema = sectionSchema(
  'the top level',
  {
    run_metadata: settingsSection('`run_metadata`', RUN_METADATA, {
      required: true,
      example: 'run_metadata:\n  description: my analysis\n  script: python3 run.py',
    }),
    read: () => entries('read', readEntry),
    write: () => entries('write', writeEntry),
    register: () => entries('register', registerEntry),
    /** Top-level `use`: defaults for every entry's `use`. */
    use: useBlock,
  },
  (issue) =>
    problem({
      message: `expected a mapping with run_metadata, read, write, register, found ${describeValue(issue.input)}`,
      hint: 'start the file with `run_metadata:`',
    }),
);

type Parsed = z.output<typeof fairConfigSchema>;

/** `run_metadata`: where the registries and stores are, the defaults, and the script to run. */
export type RunMetadata = Parsed['run_metadata'];
/** A `use` block: what an entry resolves to in the registry. */
export type UseBlock = Parsed['use'];
/** One `read` entry. */
export type ReadEntry = Parsed['read'][number];
/** One `write` entry. */
export type WriteEntry = Parsed['write'][number];
/** One `register` entry: a namespace, an author, or a file (data product or external object) to register. */
export type RegisterEntry = Parsed['register'][number];

/** A parsed, validated FAIR config. */
export interface FairConfig extends Parsed {
  /** The file (absolute). */
  file: string;
  /** Its directory (`${{CONFIG_DIR}}`). */
  dir: string;
  /** Non-fatal findings (unknown keys), formatted with file:line:column. */
  warnings: string[];
  /** The parsed file, to locate later findings (e.g. a data product missing from the registry). */
  document: LocatedDocument;
}

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
  const { data, errors, warnings } = checkDocument(fairConfigSchema, document);
  throwIfErrors(errors);
  const { run_metadata, read, write, register, use } = data!;
  return {
    file: document.file,
    dir: path.dirname(document.file),
    run_metadata,
    read,
    write,
    register,
    use,
    warnings,
    document,
  };
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

/** Is `version` a semantic version? */
export function isSemver(version: string): boolean {
  return VERSION.test(version);
}
