import type { Knex } from 'knex';

/** One schema change: applied in name order, recorded by knex in `knex_migrations`. */
interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Columns every FAIR data registry table has: who changed a row last, and when (ISO 8601). */
function fairBase(t: Knex.CreateTableBuilder): void {
  t.increments('id').primary();
  t.integer('updated_by').nullable().references('id').inTable('users');
  t.string('last_updated', 32).notNullable();
}

/** A many-to-many link table as Django names them in the FAIR registry (`<table>_<field>`). */
function link(
  knex: Knex,
  table: string,
  left: [string, string],
  right: [string, string],
): Knex.SchemaBuilder {
  return knex.schema.createTable(table, (t) => {
    t.integer(left[0]).notNullable().references('id').inTable(left[1]).onDelete('CASCADE');
    t.integer(right[0]).notNullable().references('id').inTable(right[1]).onDelete('CASCADE');
    t.primary([left[0], right[0]]);
    t.index([right[0]]);
  });
}

/**
 * The FAIR data registry's tables (data_management/models.py of FAIRDataPipeline/data-registry), with its
 * names, fields and unique constraints, so that rows map one to one onto its REST resources. Date-times are
 * ISO 8601 strings on every backend. fairpod's own additions are marked.
 */
const fairSchema: Migration = {
  name: '001_fair_schema',
  async up(knex) {
    await knex.schema.createTable('users', (t) => {
      t.increments('id').primary();
      t.string('username', 150).notNullable().unique();
      t.string('full_name', 255);
      t.string('email', 255);
    });
    await knex.schema.createTable('storage_root', (t) => {
      fairBase(t);
      t.string('root', 1024).notNullable().unique();
      t.boolean('local').notNullable().defaultTo(false);
    });
    await knex.schema.createTable('storage_location', (t) => {
      fairBase(t);
      t.text('path').notNullable();
      t.string('hash', 128).notNullable();
      t.boolean('public').notNullable().defaultTo(true);
      t.integer('storage_root_id').notNullable().references('id').inTable('storage_root');
      t.unique(['storage_root_id', 'hash', 'public']);
    });
    await knex.schema.createTable('file_type', (t) => {
      fairBase(t);
      t.string('name', 255).notNullable().unique();
      t.string('extension', 255).notNullable();
    });
    await knex.schema.createTable('author', (t) => {
      fairBase(t);
      t.string('name', 255);
      t.string('identifier', 1024).unique();
      t.uuid('uuid').notNullable().unique();
    });
    await knex.schema.createTable('user_author', (t) => {
      fairBase(t);
      t.integer('user_id').notNullable().unique().references('id').inTable('users');
      t.integer('author_id').notNullable().references('id').inTable('author');
    });
    await knex.schema.createTable('object', (t) => {
      fairBase(t);
      t.text('description');
      t.integer('storage_location_id').references('id').inTable('storage_location');
      t.integer('file_type_id').references('id').inTable('file_type');
      t.uuid('uuid').notNullable().unique();
      t.index(['storage_location_id']);
    });
    await link(knex, 'object_authors', ['object_id', 'object'], ['author_id', 'author']);
    await knex.schema.createTable('object_component', (t) => {
      fairBase(t);
      t.integer('object_id').notNullable().references('id').inTable('object').onDelete('CASCADE');
      t.string('name', 1024).notNullable();
      t.text('description');
      t.boolean('whole_object').notNullable().defaultTo(false);
      t.unique(['object_id', 'name']);
    });
    await knex.schema.createTable('issue', (t) => {
      fairBase(t);
      t.integer('severity').notNullable();
      t.text('description').notNullable();
      t.uuid('uuid').notNullable().unique();
    });
    await link(
      knex,
      'issue_component_issues',
      ['issue_id', 'issue'],
      ['object_component_id', 'object_component'],
    );
    await knex.schema.createTable('namespace', (t) => {
      fairBase(t);
      t.string('name', 255).notNullable().unique();
      t.string('full_name', 1024);
      t.string('website', 1024);
    });
    await knex.schema.createTable('data_product', (t) => {
      fairBase(t);
      t.integer('object_id').notNullable().references('id').inTable('object').onDelete('CASCADE');
      t.integer('namespace_id').notNullable().references('id').inTable('namespace');
      t.string('name', 1024).notNullable();
      t.string('version', 128).notNullable();
      t.unique(['namespace_id', 'name', 'version']);
    });
    await knex.schema.createTable('external_object', (t) => {
      fairBase(t);
      t.integer('data_product_id')
        .notNullable()
        .unique()
        .references('id')
        .inTable('data_product')
        .onDelete('CASCADE');
      t.string('identifier', 1024);
      t.string('alternate_identifier', 1024);
      t.string('alternate_identifier_type', 255);
      t.boolean('primary').notNullable().defaultTo(false);
      t.string('release_date', 32).notNullable();
      t.string('title', 1024).notNullable();
      t.text('description');
      t.integer('original_store_id').references('id').inTable('storage_location');
    });
    await knex.schema.createTable('code_run', (t) => {
      fairBase(t);
      t.string('run_date', 32).notNullable();
      t.text('description');
      t.integer('model_config_id').references('id').inTable('object');
      t.integer('submission_script_id').references('id').inTable('object');
      t.integer('code_repo_id').references('id').inTable('object');
      t.uuid('uuid').notNullable().unique();
      // fairpod: the run id (SHA-1 of config content + date-time), and whether and how the run ended.
      t.string('run_id', 40).notNullable().unique();
      t.string('status', 16).notNullable().defaultTo('running');
      t.string('finished_at', 32);
      t.string('host', 255);
      t.integer('pid');
    });
    await link(
      knex,
      'code_run_inputs',
      ['code_run_id', 'code_run'],
      ['object_component_id', 'object_component'],
    );
    await link(
      knex,
      'code_run_outputs',
      ['code_run_id', 'code_run'],
      ['object_component_id', 'object_component'],
    );
    await knex.schema.createTable('keyword', (t) => {
      fairBase(t);
      t.integer('object_id').notNullable().references('id').inTable('object').onDelete('CASCADE');
      t.string('keyphrase', 255).notNullable();
      t.string('identifier', 1024);
      t.unique(['object_id', 'keyphrase']);
    });
    await knex.schema.createTable('licence', (t) => {
      fairBase(t);
      t.integer('object_id').notNullable().unique().references('id').inTable('object').onDelete('CASCADE');
      t.text('licence_info').notNullable();
      t.string('identifier', 1024);
    });
    await knex.schema.createTable('key_value', (t) => {
      fairBase(t);
      t.integer('object_id').notNullable().references('id').inTable('object').onDelete('CASCADE');
      t.string('key', 255).notNullable();
      t.text('value').notNullable();
      t.unique(['object_id', 'key']);
    });
    await knex.schema.createTable('code_repo_release', (t) => {
      fairBase(t);
      t.string('name', 255).notNullable();
      t.string('version', 128).notNullable();
      t.integer('object_id').notNullable().unique().references('id').inTable('object').onDelete('CASCADE');
      t.string('website', 1024);
      t.unique(['name', 'version']);
    });
    await knex.schema.createTable('quality_controlled', (t) => {
      fairBase(t);
      t.integer('object_id').notNullable().unique().references('id').inTable('object').onDelete('CASCADE');
    });
    // fairpod: what `add`/`commit` staged for push, and what was pushed where.
    await knex.schema.createTable('fairpod_commit', (t) => {
      t.increments('id').primary();
      t.text('message').notNullable();
      t.string('created_at', 32).notNullable();
    });
    await knex.schema.createTable('fairpod_staging', (t) => {
      t.increments('id').primary();
      t.string('entity', 32).notNullable();
      t.integer('entity_id').notNullable();
      t.string('state', 16).notNullable();
      t.integer('commit_id').references('id').inTable('fairpod_commit');
      t.string('remote', 1024);
      t.string('updated_at', 32).notNullable();
      t.unique(['entity', 'entity_id']);
    });
    // fairpod: one row every SQLite write transaction updates first, so it takes the write lock up front
    // (and waits on the busy timeout) instead of failing when a concurrent writer committed under its read.
    await knex.schema.createTable('fairpod_write_lock', (t) => {
      t.integer('id').primary();
      t.integer('n').notNullable();
    });
    await knex('fairpod_write_lock').insert({ id: 1, n: 0 });
  },
  async down(knex) {
    for (const table of [
      'fairpod_write_lock',
      'fairpod_staging',
      'fairpod_commit',
      'quality_controlled',
      'code_repo_release',
      'key_value',
      'licence',
      'keyword',
      'code_run_outputs',
      'code_run_inputs',
      'code_run',
      'external_object',
      'data_product',
      'namespace',
      'issue_component_issues',
      'issue',
      'object_component',
      'object_authors',
      'object',
      'user_author',
      'author',
      'file_type',
      'storage_location',
      'storage_root',
      'users',
    ]) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

/**
 * fairpod: the remotes each staged entity has been pushed to, so that pushing to a second remote does not
 * make the first one's push look undone (`fairpod_staging.remote` keeps the latest, for `status`).
 */
const pushedPerRemote: Migration = {
  name: '002_pushed_per_remote',
  async up(knex) {
    await knex.schema.createTable('fairpod_pushed', (t) => {
      t.integer('staging_id').notNullable().references('id').inTable('fairpod_staging').onDelete('CASCADE');
      t.string('remote', 1024).notNullable();
      t.string('pushed_at', 32).notNullable();
      t.primary(['staging_id', 'remote']);
    });
    await knex
      .insert(
        knex('fairpod_staging')
          .where({ state: 'pushed' })
          .whereNotNull('remote')
          .select('id as staging_id', 'remote', 'updated_at as pushed_at'),
      )
      .into('fairpod_pushed');
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('fairpod_pushed');
  },
};

/**
 * The FAIR registry keys a file type on name + extension (`unique_file_type_name_extension`): FAIR-CLI's own
 * list gives `h5` and `hdf5` one name.
 */
const fileTypeNameExtension: Migration = {
  name: '003_file_type_name_extension',
  async up(knex) {
    await knex.schema.alterTable('file_type', (t) => {
      t.dropUnique(['name']);
      t.unique(['name', 'extension']);
    });
  },
  async down(knex) {
    await knex.schema.alterTable('file_type', (t) => {
      t.dropUnique(['name', 'extension']);
      t.unique(['name']);
    });
  },
};

/** The migrations in order, served to knex from code (no directory scan, so they work from `dist/`). */
export const MIGRATIONS: readonly Migration[] = [fairSchema, pushedPerRemote, fileTypeNameExtension];

/** knex's migration source over `MIGRATIONS`. */
export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

/** The FAIR data registry tables, in an order where every table comes after those it references. */
export const FAIR_TABLES = [
  'users',
  'storage_root',
  'storage_location',
  'file_type',
  'author',
  'user_author',
  'object',
  'object_component',
  'issue',
  'namespace',
  'data_product',
  'external_object',
  'code_run',
  'keyword',
  'licence',
  'key_value',
  'code_repo_release',
  'quality_controlled',
] as const;
