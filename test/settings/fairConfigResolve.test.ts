import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ValidationError, ValidationErrors } from '../../src/core/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { parseFairConfig } from '../../src/settings/fairConfig.js';
import {
  resolveFairConfig,
  workingConfigYaml,
  type ResolveContext,
} from '../../src/settings/fairConfigResolve.js';
import { describeOnBackends } from '../registry/backends.js';

describeOnBackends('FAIR config resolution', (locations) => {
  let registry: Registry;
  let ctx: ResolveContext;

  beforeEach(async () => {
    registry = await Registry.open(await locations.create());
    await registry.write(async (trx) => {
      const ns = await registry.namespace(trx, 'alice');
      for (const [name, version] of [
        ['cmip6/tas', '1.9.0'],
        ['cmip6/tas', '1.10.0'],
        ['cmip6/pr', '2.0.0'],
        ['obs/tas', '0.1.0'],
      ]) {
        const { objectId } = await registry.createObject(trx, {});
        await trx('data_product').insert({
          object_id: objectId,
          namespace_id: ns,
          name,
          version,
          last_updated: 'x',
        });
      }
    });
    ctx = {
      registry,
      runDate: new Date('2026-03-04T05:06:07Z'),
      runId: 'f'.repeat(40),
      namespace: 'alice',
      dataStore: '/store/',
      registryLocation: '/reg.db',
      user: 'alice',
    };
  });
  afterEach(() => registry.close());

  it('substitutes variables, expands globs, resolves versions and makes every default explicit', async () => {
    const config = parseFairConfig(
      [
        'run_metadata:',
        '  description: run ${{DATE}} by ${{USER}} (${{RUN_ID}})',
        '  script: python ${{CONFIG_DIR}}run.py',
        'read:',
        '  - data_product: cmip6/*',
        '  - data_product: obs/tas',
        '    use:',
        '      version: 0.1.0',
        'write:',
        '  - data_product: cmip6/tas',
        '    file_type: nc',
        '    use:',
        '      version: ${{MAJOR}}',
        '  - data_product: new/thing',
        '    file_type: csv',
        '',
      ].join('\n'),
      '/proj/config.yaml',
    );
    const w = await resolveFairConfig(config, ctx);
    expect(w.run_metadata.description).to.equal(`run 20260304 by alice (${'f'.repeat(40)})`);
    expect(w.run_metadata.script).to.equal('python /proj/run.py');
    expect(w.run_metadata).to.include({
      default_input_namespace: 'alice',
      default_read_version: '${{LATEST}}',
      write_data_store: '/store/',
      public: true,
    });
    expect(w.read.map((r) => `${r.use.namespace}:${r.use.data_product}@${r.use.version}`)).to.deep.equal([
      'alice:cmip6/pr@2.0.0',
      'alice:cmip6/tas@1.10.0',
      'alice:obs/tas@0.1.0',
    ]);
    expect(w.write.map((r) => `${r.use.data_product}@${r.use.version}`)).to.deep.equal([
      'cmip6/tas@2.0.0',
      'new/thing@0.0.1',
    ]);
  });

  it('names file, line and key for an unknown variable and a missing data product', async () => {
    const config = parseFairConfig(
      'run_metadata:\n  description: ${{NOPE}}\nread:\n  - data_product: missing/thing\n',
      '/proj/config.yaml',
    );
    const err = await resolveFairConfig(config, ctx).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ValidationErrors);
    const errors = (err as ValidationErrors).errors as ValidationError[];
    expect(errors.map((e) => [e.location.file, e.location.line, e.location.key])).to.deep.equal([
      ['/proj/config.yaml', 2, 'run_metadata.description'],
      ['/proj/config.yaml', 4, 'read[0].data_product'],
    ]);
  });

  it('writes a working config back in FAIR shape that validates again', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-resolve-'));
    try {
      const config = parseFairConfig(
        'run_metadata:\n  script: echo\nregister:\n  - data_product: a/b\n    root: data\n    path: x.csv\n    version: "1.0.0"\nread:\n  - data_product: a/b\n',
        path.join(dir, 'config.yaml'),
      );
      const w = await resolveFairConfig(config, ctx);
      expect(w.register).to.deep.equal([
        { data_product: 'a/b', root: path.join(dir, 'data') + path.sep, path: 'x.csv', version: '1.0.0' },
      ]);
      expect(w.read[0]!.use.version).to.equal('1.0.0');
      // FAIR-CLI's file: no register block (its items are reads, a read of the same version not repeated),
      // no default versions, the script as script_path.
      const withScript = await resolveFairConfig(config, { ...ctx, scriptPath: '/job/script.sh' });
      const file = YAML.parse(workingConfigYaml(withScript)) as Record<string, Record<string, unknown>>;
      expect(Object.keys(file)).to.deep.equal(['run_metadata', 'read']);
      expect(file.run_metadata).to.include({ script_path: '/job/script.sh' });
      expect(file.run_metadata).to.not.have.any.keys(
        'script',
        'default_read_version',
        'default_write_version',
      );
      expect(file.read).to.deep.equal([
        { data_product: 'a/b', use: { namespace: 'alice', data_product: 'a/b', version: '1.0.0' } },
      ]);
      const onlyRegistered = await resolveFairConfig(
        parseFairConfig(
          'run_metadata:\n  script: echo\nregister:\n  - external_object: c/d\n    root: data\n    path: y.csv\n    title: T\n    description: an external object\n',
          path.join(dir, 'config.yaml'),
        ),
        ctx,
      );
      expect(onlyRegistered.read).to.deep.equal([
        {
          data_product: 'c/d',
          description: 'an external object',
          use: { namespace: 'alice', data_product: 'c/d', version: '0.0.1' },
        },
      ]);
      expect(parseFairConfig(workingConfigYaml(w), path.join(dir, 'working.yaml')).warnings).to.deep.equal(
        [],
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
