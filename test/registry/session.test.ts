import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runConfigSession } from '../../src/cli/session.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { Project } from '../../src/registry/project.js';
import { codeRunInfo, describeComponents, listCodeRuns, resolveTarget } from '../../src/registry/queries.js';
import { describeOnBackends } from './backends.js';

const sessionModule = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', 'registry', 'session.js')).href;

describeOnBackends('FAIR config sessions (fairpod run CONFIG)', (locations) => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-session-'));
    await fs.mkdir(path.join(dir, 'data'));
    await fs.writeFile(path.join(dir, 'data', 'params.csv'), 'beta,gamma\n0.3,0.1\n');
    (
      await Project.init(dir, { user: 'alice', namespace: 'alice', registry: await locations.create() })
    ).close();
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const config = (script: string): string =>
    [
      'run_metadata:',
      '  description: model run',
      '  script: |',
      ...script.split('\n').map((l) => `    ${l}`),
      'register:',
      '  - data_product: model/params',
      '    root: data',
      '    path: params.csv',
      '    file_type: csv',
      '    version: "1.0.0"',
      'read:',
      '  - data_product: model/params',
      'write:',
      '  - data_product: model/result',
      '    file_type: csv',
      '',
    ].join('\n');

  it('runs the script with the FAIR environment, records its reads and writes, and versions its outputs', async () => {
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(
      file,
      config(
        'set -e\ntest -f "$FDP_CONFIG_DIR/config.yaml"\nin=$(fairpod link read model/params)\nout=$(fairpod link write model/result)\ntr a-z A-Z < "$in" > "$out"',
      ),
    );
    const first = await runConfigSession(file, { project: dir, stdio: 'pipe' });
    expect(first.exitCode, first.stderr).to.equal(0);
    const second = await runConfigSession(file, { project: dir, stdio: 'pipe' });
    expect(second.exitCode, second.stderr).to.equal(0);

    const project = await Project.open(dir);
    try {
      const runs = await listCodeRuns(project.registry);
      expect(runs.map((r) => [r.run_id, r.status, r.inputs, r.outputs])).to.deep.equal([
        [second.runId, 'succeeded', 1, 1],
        [first.runId, 'succeeded', 1, 1],
      ]);
      // ${{PATCH}} (the default write version, as FAIR-CLI's) bumps past the version the first run wrote.
      const v2 = await resolveTarget(project.registry, project.store, 'alice:model/result');
      expect(v2.label).to.equal('alice:model/result@0.0.2');
      const info = await codeRunInfo(project.registry, runs[1]!.id);
      expect(info.inputs[0]!.dataProducts).to.deep.equal(['alice:model/params@1.0.0']);
      expect(info.outputs[0]!.dataProducts).to.deep.equal(['alice:model/result@0.0.1']);
      expect(await fs.readFile(info.outputs[0]!.location, 'utf8')).to.equal('BETA,GAMMA\n0.3,0.1\n');
      expect(info.modelConfig!.location).to.match(/alice\/config\/[0-9a-f]{40}\.yaml$/);
      expect(info.submissionScript!.location).to.match(/\.sh$/);
    } finally {
      await project.close();
    }
  });

  it('a failing script leaves a failed run that shows what it touched, with no new data product version', async () => {
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(
      file,
      config(
        'fairpod link read model/params >/dev/null\nout=$(fairpod link write model/result)\necho partial > "$out"\nexit 3',
      ),
    );
    const result = await runConfigSession(file, { project: dir, stdio: 'pipe' });
    expect(result.exitCode).to.equal(3);
    const project = await Project.open(dir);
    try {
      const [run] = await listCodeRuns(project.registry);
      expect([run!.status, run!.inputs, run!.outputs]).to.deep.equal(['failed', 1, 1]);
      expect(
        await project.registry.knex('data_product').where({ name: 'model/result' }).first('id'),
      ).to.equal(undefined);
    } finally {
      await project.close();
    }
  });

  it('a TypeScript/JavaScript script uses initialise, linkRead, linkWrite and finalise', async () => {
    await fs.writeFile(
      path.join(dir, 'model.mjs'),
      `import fs from 'node:fs/promises';
       import { initialise, linkRead, linkWrite, finalise } from ${JSON.stringify(sessionModule)};
       const handle = await initialise();
       const text = await fs.readFile(await linkRead(handle, 'model/params'), 'utf8');
       await fs.writeFile(await linkWrite(handle, 'model/result'), text.split('\\n')[1]);
       await finalise(handle);`,
    );
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, config(`${JSON.stringify(process.execPath)} model.mjs`));
    const result = await runConfigSession(file, { project: dir, stdio: 'pipe' });
    expect(result.exitCode, result.stderr).to.equal(0);
    const project = await Project.open(dir);
    try {
      const target = await resolveTarget(project.registry, project.store, 'alice:model/result@0.0.1');
      expect(target.kind).to.equal('data_product');
      const [run] = await listCodeRuns(project.registry);
      expect([run!.status, run!.inputs, run!.outputs]).to.deep.equal(['succeeded', 1, 1]);
    } finally {
      await project.close();
    }
  });

  it('writes point estimates as components of a TOML data product, and a later run reads them back', async () => {
    const script = (body: string): string =>
      `import { initialise, readEstimate, writeEstimate, linkWrite, finalise } from ${JSON.stringify(sessionModule)};
       import fs from 'node:fs/promises';
       const handle = await initialise();
       ${body}
       await finalise(handle);`;
    await fs.writeFile(
      path.join(dir, 'fit.mjs'),
      script(
        `await writeEstimate(handle, 'model/fit', 'beta', 0.25); await writeEstimate(handle, 'model/fit', 'gamma', 0.125, 'recovery rate');`,
      ),
    );
    await fs.writeFile(
      path.join(dir, 'use.mjs'),
      script(
        `await fs.writeFile(await linkWrite(handle, 'model/r0'), String(await readEstimate(handle, 'model/fit', 'beta') / await readEstimate(handle, 'model/fit', 'gamma')));`,
      ),
    );
    const fit = path.join(dir, 'fit.yaml');
    await fs.writeFile(
      fit,
      `run_metadata:\n  script: |\n    ${JSON.stringify(process.execPath)} fit.mjs\nwrite:\n  - data_product: model/fit\n    file_type: toml\n`,
    );
    const use = path.join(dir, 'use.yaml');
    await fs.writeFile(
      use,
      `run_metadata:\n  script: |\n    ${JSON.stringify(process.execPath)} use.mjs\nread:\n  - data_product: model/fit\nwrite:\n  - data_product: model/r0\n    file_type: txt\n`,
    );
    const first = await runConfigSession(fit, { project: dir, stdio: 'pipe' });
    expect(first.exitCode, first.stderr).to.equal(0);
    const second = await runConfigSession(use, { project: dir, stdio: 'pipe' });
    expect(second.exitCode, second.stderr).to.equal(0);
    const project = await Project.open(dir);
    try {
      const fitProduct = await resolveTarget(project.registry, project.store, 'alice:model/fit');
      const components = await project.registry
        .knex('object_component')
        .where({ object_id: fitProduct.kind === 'data_product' ? fitProduct.objectId : -1 })
        .orderBy('name')
        .pluck('name');
      expect(components).to.deep.equal(['beta', 'gamma', 'whole_object']);
      const r0 = await resolveTarget(project.registry, project.store, 'alice:model/r0@0.0.1');
      const [info] = await describeComponents(
        project.registry,
        [r0.kind === 'data_product' ? r0.objectId : -1],
        true,
      );
      expect(await fs.readFile(info!.location, 'utf8')).to.equal('2');
    } finally {
      await project.close();
    }
  });
});
