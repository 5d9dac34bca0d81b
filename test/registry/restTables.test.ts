import { expect } from 'chai';
import type { Knex } from 'knex';
import { FAIR_TABLES } from '../../src/registry/migrations.js';
import { Registry } from '../../src/registry/registry.js';
import { REST_TABLES, type FieldKind, type FieldSpec } from '../../src/registry/rest/tables.js';
import { describeOnBackends } from './backends.js';

// `rest/tables.ts` is written by hand beside `migrations.ts`; these tests hold the two together on both
// backends, reading the columns of the migrated database, so that neither can change without the other.

/** The column types (as each backend reports them) a REST field kind may be stored in. */
const STORED_AS: Record<Exclude<FieldKind, 'many' | 'reverse'>, readonly string[]> = {
  int: ['integer'],
  relation: ['integer'],
  bool: ['boolean'],
  text: ['varchar', 'text', 'character varying'],
  date: ['varchar', 'character varying'],
  uuid: ['uuid', 'char'],
};

/** A field stored in a column of its own table (not a link table, another table's rows, or a lookup). */
function ownColumn(field: FieldSpec): string | undefined {
  return field.kind === 'many' || field.kind === 'reverse' || field.lookup ? undefined : field.column;
}

describeOnBackends('REST tables against the migrations', (locations) => {
  let registry: Registry;
  let columns: (table: string) => Promise<Record<string, Knex.ColumnInfo>>;
  beforeEach(async () => {
    registry = await Registry.open(await locations.create());
    columns = async (table) => {
      const info = await registry.knex(table).columnInfo();
      expect(Object.keys(info), `table ${table} exists`).to.have.length.above(0);
      return info;
    };
  });
  afterEach(() => registry.close());

  it('serves every FAIR table of the migrations, and no other', () => {
    expect([...REST_TABLES.keys()]).to.deep.equal([...FAIR_TABLES]);
  });

  for (const spec of REST_TABLES.values()) {
    it(`${spec.name}: every column is a field, of its kind; required exactly where NOT NULL has no default`, async () => {
      const info = await columns(spec.name);
      const fieldColumns = spec.fields.map(ownColumn).filter((c) => c !== undefined);
      expect([...fieldColumns].sort(), 'the columns the REST fields name').to.deep.equal(
        Object.keys(info).sort(),
      );
      for (const field of spec.fields) {
        const column = ownColumn(field);
        if (column === undefined || field.kind === 'many' || field.kind === 'reverse') continue;
        const { type, nullable, defaultValue } = info[column]!;
        expect(
          STORED_AS[field.kind],
          `${spec.name}.${column} is ${type}, the field ${field.kind}`,
        ).to.include(type.replace(/\(.*$/, ''));
        const mustBeGiven = !nullable && defaultValue === null && !field.readOnly && !field.generated;
        expect(Boolean(field.required), `${spec.name}.${field.name} required`).to.equal(mustBeGiven);
      }
      expect(spec.tracked, 'tracked').to.equal('last_updated' in info && 'updated_by' in info);
    });
  }

  it('the link tables, reverse relations and lookups name columns that exist', async () => {
    for (const spec of REST_TABLES.values()) {
      for (const field of spec.fields) {
        const where = `${spec.name}.${field.name}`;
        if (field.target) expect(REST_TABLES.has(field.target), `${where} → ${field.target}`).to.equal(true);
        if (field.link) {
          const link = await columns(field.link.table);
          expect(Object.keys(link), where).to.include.members([field.link.self, field.link.other]);
        }
        if (field.reverse) expect(await columns(field.target!), where).to.have.property(field.reverse.column);
        if (field.lookup) {
          expect(await columns(spec.name), where).to.have.property(field.lookup.via);
          expect(await columns(field.lookup.table), where).to.have.property(field.lookup.column);
        }
      }
    }
  });
});
