import { expect } from 'chai';
import { FairpodError } from '../../src/core/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { describeOnBackends } from './backends.js';

// Opening an up-to-date registry skips knex's migrator (one read instead); these check that the shortcut
// is taken only when the applied migrations are exactly the code's.
describeOnBackends('Registry.open and migrations', (locations) => {
  it('an up-to-date registry opens without taking the migration lock, even while another holds it', async () => {
    const location = await locations.create();
    const first = await Registry.open(location);
    // A held lock makes knex's migrator fail ("Migration table is already locked"): an open that went
    // through it could not succeed.
    await first.knex('knex_migrations_lock').update({ is_locked: 1 });
    try {
      const second = await Registry.open(location);
      expect(Number((await second.knex('code_run').count({ n: '*' }))[0]!.n)).to.equal(0);
      await second.close();
    } finally {
      await first.knex('knex_migrations_lock').update({ is_locked: 0 });
      await first.close();
    }
  });

  it('a registry with a migration this code does not know still fails to open, naming it', async () => {
    const location = await locations.create();
    const registry = await Registry.open(location);
    await registry
      .knex('knex_migrations')
      .insert({ name: '999_from_a_newer_fairpod', batch: 99, migration_time: new Date() });
    await registry.close();
    const err = await Registry.open(location).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FairpodError);
    expect((err as Error).message).to.include('999_from_a_newer_fairpod');
  });
});
