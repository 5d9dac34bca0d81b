/**
 * How each FAIR registry table appears over REST: its fields as the FAIR data registry's serializers name
 * them (a foreign key `object_id` is the field `object`, given and returned as a URL), their kinds, which
 * are required on POST, and which tables accept PATCH. Written beside `migrations.ts`, which is the source of
 * truth for the columns; test/registry/restTables.test.ts compares the two on SQLite and PostgreSQL (every column
 * a field of its kind, required exactly where NOT NULL has no default), so they cannot drift apart.
 */

/** How a field is parsed from a query string or JSON body and written back. */
export type FieldKind = 'int' | 'text' | 'bool' | 'uuid' | 'date' | 'relation' | 'many' | 'reverse';

/** One field of a REST resource. */
export interface FieldSpec {
  /** The name over REST. */
  readonly name: string;
  readonly kind: FieldKind;
  /** The column (for `relation`: `<name>_id`); absent for `many`. */
  readonly column?: string;
  /** The table a `relation` or `many` field points at. */
  readonly target?: string;
  /** For `many`: the link table and its two columns (this table's id, the target's id). */
  readonly link?: { readonly table: string; readonly self: string; readonly other: string };
  /** For `reverse` (read-only): the rows of `target` whose `column` is this row's id, as URLs; `single`: one URL or null. */
  readonly reverse?: { readonly column: string; readonly single?: boolean };
  /** A read-only value of a related row: `via` is this table's foreign-key column into `table`. */
  readonly lookup?: { readonly via: string; readonly table: string; readonly column: string };
  /** Must be given on POST. */
  readonly required?: boolean;
  /** Set by the server (id, last_updated, updated_by); never accepted in a body. */
  readonly readOnly?: boolean;
  /** Filled by the server when a POST leaves it out (uuids, fairpod's run id). */
  readonly generated?: boolean;
  /** A name-like text field: `*` in a filter value is a wildcard. */
  readonly glob?: boolean;
}

/** One table served at `/api/<name>/`. */
export interface TableSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  /** FAIR allows PATCH on code_run, data_product and issue only. */
  readonly patchable: boolean;
  /** Whether the table carries FAIR's `last_updated` / `updated_by` columns. */
  readonly tracked: boolean;
}

const text = (name: string, required = false): FieldSpec => ({
  name,
  kind: 'text',
  column: name,
  required,
  glob: true,
});
const plain = (name: string, kind: FieldKind, required = false): FieldSpec => ({
  name,
  kind,
  column: name,
  required,
});
const rel = (name: string, target: string, required = false): FieldSpec => ({
  name,
  kind: 'relation',
  column: `${name}_id`,
  target,
  required,
});
const many = (name: string, target: string, linkTable: string, self: string, other: string): FieldSpec => ({
  name,
  kind: 'many',
  target,
  link: { table: linkTable, self, other },
});
/** A read-only list of the rows of `target` that point at this one through `column` (Django's related_name). */
const reverse = (name: string, target: string, column: string, single = false): FieldSpec => ({
  name,
  kind: 'reverse',
  target,
  reverse: { column, single },
  readOnly: true,
});
/** The other direction of a many-to-many link table, read-only. */
const manyReverse = (
  name: string,
  target: string,
  linkTable: string,
  self: string,
  other: string,
): FieldSpec => ({
  ...many(name, target, linkTable, self, other),
  readOnly: true,
});
const uuid: FieldSpec = { name: 'uuid', kind: 'uuid', column: 'uuid', generated: true };

function table(
  name: string,
  fields: FieldSpec[],
  options: { patchable?: boolean; tracked?: boolean } = {},
): TableSpec {
  const tracked = options.tracked ?? true;
  const base: FieldSpec[] = [{ name: 'id', kind: 'int', column: 'id', readOnly: true }];
  if (tracked) {
    base.push({ name: 'last_updated', kind: 'date', column: 'last_updated', readOnly: true });
    base.push({
      name: 'updated_by',
      kind: 'relation',
      column: 'updated_by',
      target: 'users',
      readOnly: true,
    });
  }
  return { name, fields: [...base, ...fields], patchable: options.patchable ?? false, tracked };
}

/** Every table of the REST API, keyed by name, in dependency order. */
export const REST_TABLES: ReadonlyMap<string, TableSpec> = new Map(
  [
    table('users', [text('username', true), text('full_name'), text('email')], { tracked: false }),
    table('storage_root', [
      text('root', true),
      plain('local', 'bool'),
      reverse('locations', 'storage_location', 'storage_root_id'),
    ]),
    table('storage_location', [
      text('path', true),
      plain('hash', 'text', true),
      plain('public', 'bool'),
      rel('storage_root', 'storage_root', true),
    ]),
    table('file_type', [text('name', true), text('extension', true)]),
    table('author', [text('name'), text('identifier'), uuid]),
    table('user_author', [rel('user', 'users', true), rel('author', 'author', true)]),
    table('object', [
      text('description'),
      rel('storage_location', 'storage_location'),
      rel('file_type', 'file_type'),
      uuid,
      many('authors', 'author', 'object_authors', 'object_id', 'author_id'),
      reverse('components', 'object_component', 'object_id'),
      reverse('data_products', 'data_product', 'object_id'),
      reverse('code_repo_release', 'code_repo_release', 'object_id', true),
      reverse('quality_control', 'quality_controlled', 'object_id', true),
      reverse('licences', 'licence', 'object_id'),
      reverse('keywords', 'keyword', 'object_id'),
    ]),
    table('object_component', [
      rel('object', 'object', true),
      text('name', true),
      text('description'),
      plain('whole_object', 'bool'),
      many('issues', 'issue', 'issue_component_issues', 'object_component_id', 'issue_id'),
      manyReverse('inputs_of', 'code_run', 'code_run_inputs', 'object_component_id', 'code_run_id'),
      manyReverse('outputs_of', 'code_run', 'code_run_outputs', 'object_component_id', 'code_run_id'),
    ]),
    table(
      'issue',
      [
        plain('severity', 'int', true),
        text('description', true),
        uuid,
        many(
          'component_issues',
          'object_component',
          'issue_component_issues',
          'issue_id',
          'object_component_id',
        ),
      ],
      { patchable: true },
    ),
    table('namespace', [text('name', true), text('full_name'), text('website')]),
    table(
      'data_product',
      [
        rel('object', 'object', true),
        rel('namespace', 'namespace', true),
        text('name', true),
        text('version', true),
        reverse('external_object', 'external_object', 'data_product_id', true),
      ],
      { patchable: true },
    ),
    table('external_object', [
      rel('data_product', 'data_product', true),
      text('identifier'),
      text('alternate_identifier'),
      text('alternate_identifier_type'),
      // The column is fairpod's `primary`; the REST name is the FAIR registry's.
      { name: 'primary_not_supplement', kind: 'bool', column: 'primary' },
      plain('release_date', 'date', true),
      text('title', true),
      text('description'),
      rel('original_store', 'storage_location'),
      // The FAIR registry stores the data product's version on the row; fairpod reads it from there.
      {
        name: 'version',
        kind: 'text',
        readOnly: true,
        lookup: { via: 'data_product_id', table: 'data_product', column: 'version' },
      },
    ]),
    table(
      'code_run',
      [
        plain('run_date', 'date', true),
        text('description'),
        rel('model_config', 'object'),
        rel('submission_script', 'object'),
        rel('code_repo', 'object'),
        uuid,
        many('inputs', 'object_component', 'code_run_inputs', 'code_run_id', 'object_component_id'),
        many('outputs', 'object_component', 'code_run_outputs', 'code_run_id', 'object_component_id'),
        // fairpod's additions: a run posted by a plain FAIR client gets a run id derived from its uuid.
        { name: 'run_id', kind: 'text', column: 'run_id', generated: true },
        plain('status', 'text'),
        plain('finished_at', 'date'),
        text('host'),
        plain('pid', 'int'),
      ],
      { patchable: true },
    ),
    table('keyword', [rel('object', 'object', true), text('keyphrase', true), text('identifier')]),
    table('licence', [rel('object', 'object', true), text('licence_info', true), text('identifier')]),
    table('key_value', [rel('object', 'object', true), text('key', true), text('value', true)]),
    table('code_repo_release', [
      text('name', true),
      text('version', true),
      rel('object', 'object', true),
      text('website'),
    ]),
    table('quality_controlled', [rel('object', 'object', true)]),
  ].map((t) => [t.name, t]),
);
