import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { runConfigSession } from '../../src/cli/session.js';
import { ValidationError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import {
  listCoreComponents,
  readArrayComponent,
  readTableComponent,
  writeArrayComponent,
  writeTableComponent,
  type CoreArray,
  type CoreTable,
} from '../../src/registry/coreFormats.js';
import { Project } from '../../src/registry/project.js';
import { codeRunInfo, listCodeRuns, resolveTarget } from '../../src/registry/queries.js';

const sessionModule = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', 'registry', 'session.js')).href;

const temperature: CoreArray = {
  data: [280.5, 281.25, 282, 279.75, 280, 283.5],
  shape: [2, 3],
  dimensions: [
    { title: 'site', names: ['north', 'süd'], units: 'id' },
    { title: 'time', names: ['jan', 'feb', 'mar'], units: 'days since 2000-01-01', values: [15, 45, 74] },
  ],
  units: 'K',
};

const people: CoreTable = {
  columns: { age: [31, 47.5, 8], name: ['ann', 'bo', 'chloé'] },
  columnUnits: { age: 'years', name: '' },
  rowNames: ['r1', 'r2', 'r3'],
};

describe('FAIR HDF5 core formats (arrays and tables as components)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-core-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('round-trips a 2-D array with dimension metadata and a table with numeric and string columns in one file', async () => {
    const file = path.join(dir, 'out.h5');
    await writeArrayComponent(file, 'grid/temperature', temperature);
    await writeTableComponent(file, 'people', people);

    const array = await readArrayComponent(file, 'grid/temperature');
    expect(array.shape).to.deep.equal([2, 3]);
    expect(Array.from(array.data)).to.deep.equal(temperature.data);
    expect(array.dimensions).to.deep.equal(temperature.dimensions);
    expect(array.units).to.equal('K');
    expect(await readTableComponent(file, 'people')).to.deep.equal(people);
    expect(await listCoreComponents(file)).to.deep.equal(['grid/temperature', 'people']);
  });

  it('writes the FAIR layout that h5dump (the HDF Group tools) reads', async () => {
    const file = path.join(dir, 'out.h5');
    await writeArrayComponent(file, 'grid/temperature', temperature);
    await writeTableComponent(file, 'people', people);
    const dump = async (...args: string[]): Promise<string> =>
      (await promisify(execFile)('h5dump', [...args, file], { encoding: 'utf8' })).stdout;

    expect(await dump('-d', '/grid/temperature/array')).to.match(
      /H5T_IEEE_F64LE[\s\S]*\( 2, 3 \)[\s\S]*\(0,0\): 280\.5, 281\.25, 282,\s*\(1,0\): 279\.75, 280, 283\.5/,
    );
    expect(await dump('-d', '/grid/temperature/Dimension_2_names')).to.match(/"jan", "feb", "mar"/);
    expect(await dump('-d', '/grid/temperature/Dimension_2_values')).to.match(/15, 45, 74/);
    expect(await dump('-d', '/grid/temperature/Dimension_1_title')).to.match(/"site"/);
    expect(await dump('-d', '/grid/temperature/units')).to.match(/"K"/);
    const table = await dump('-d', '/people/table');
    expect(table).to.match(/H5T_COMPOUND[\s\S]*H5T_IEEE_F64LE "age"[\s\S]*} "name"/);
    expect(table).to.match(/47\.5,\s*"bo/);
    expect(await dump('-d', '/people/column_units')).to.match(/"years", ""/);
  });

  it('refuses bad input with a located error and leaves the file as it was', async () => {
    const file = path.join(dir, 'out.h5');
    await writeArrayComponent(file, 'grid/temperature', temperature);
    const before = await fs.readFile(file);
    const refused = async (write: Promise<void>, message: RegExp): Promise<void> => {
      const err = await write.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ValidationError);
      expect((err as ValidationError).message).to.match(message);
      expect((err as ValidationError).location.file).to.equal(file);
    };
    await refused(
      writeArrayComponent(file, 'grid/other', { data: [1, 2, 3], shape: [2, 2] }),
      /3 values but shape \[2, 2\] needs 4/,
    );
    await refused(
      writeArrayComponent(file, 'grid/other', { ...temperature, dimensions: [{ names: ['a'] }] }),
      /dimension 1 has 1 names but axis 1 has length 2/,
    );
    await refused(writeArrayComponent(file, 'grid/temperature', temperature), /already exists/);
    await refused(writeArrayComponent(file, '../x', temperature), /invalid component name/);
    await refused(
      writeTableComponent(file, 'people', { columns: { a: [1, 2], b: ['x'] } }),
      /column b has 1 rows/,
    );
    await refused(
      writeTableComponent(file, 'people', { columns: { a: [1, 'x'] as number[] } }),
      /mixes numbers and strings/,
    );
    expect(await fs.readFile(file)).to.deep.equal(before);
    expect(await fs.readdir(dir)).to.deep.equal(['out.h5']);
    const missing = await readArrayComponent(file, 'grid/nope').catch((e: Error) => e);
    expect(String(missing)).to.match(/no array component grid\/nope/);
  });

  it('session scripts write several components to one HDF5 data product, and a later run reads them back', async () => {
    (await Project.init(dir, { user: 'alice', namespace: 'alice' })).close();
    const script = (body: string): string =>
      `import { initialise, readArray, writeArray, readTable, writeTable, linkWrite, finalise } from ${JSON.stringify(sessionModule)};
       import fs from 'node:fs/promises';
       const handle = await initialise();
       ${body}
       await finalise(handle);`;
    await fs.writeFile(
      path.join(dir, 'write.mjs'),
      script(
        `await writeArray(handle, 'model/state', 'grid/temperature', ${JSON.stringify(temperature)});
         await writeTable(handle, 'model/state', 'people', ${JSON.stringify(people)});`,
      ),
    );
    await fs.writeFile(
      path.join(dir, 'read.mjs'),
      script(
        `const a = await readArray(handle, 'model/state', 'grid/temperature');
         const t = await readTable(handle, 'model/state', 'people');
         await fs.writeFile(await linkWrite(handle, 'model/summary'),
           JSON.stringify([a.shape, Math.max(...a.data), a.dimensions[1].names, a.units, t.columns.name, t.columnUnits.age]));`,
      ),
    );
    const node = JSON.stringify(process.execPath);
    await fs.writeFile(
      path.join(dir, 'write.yaml'),
      `run_metadata:\n  script: |\n    ${node} write.mjs\nwrite:\n  - data_product: model/state\n    file_type: h5\n`,
    );
    await fs.writeFile(
      path.join(dir, 'read.yaml'),
      `run_metadata:\n  script: |\n    ${node} read.mjs\nread:\n  - data_product: model/state\nwrite:\n  - data_product: model/summary\n    file_type: json\n`,
    );
    const first = await runConfigSession(path.join(dir, 'write.yaml'), { project: dir, stdio: 'pipe' });
    expect(first.exitCode, first.stderr).to.equal(0);
    const second = await runConfigSession(path.join(dir, 'read.yaml'), { project: dir, stdio: 'pipe' });
    expect(second.exitCode, second.stderr).to.equal(0);

    const project = await Project.open(dir);
    try {
      const state = await resolveTarget(project.registry, project.store, 'alice:model/state@0.0.1');
      expect(state.kind).to.equal('data_product');
      const components = await project.registry
        .knex('object_component')
        .where({ object_id: state.kind === 'data_product' ? state.objectId : -1 })
        .orderBy('name')
        .pluck('name');
      expect(components).to.deep.equal(['grid/temperature', 'people', 'whole_object']);
      const [readRun, writeRun] = await listCodeRuns(project.registry);
      // The file's whole object and each of its components are outputs of the run.
      expect([writeRun!.status, writeRun!.inputs, writeRun!.outputs]).to.deep.equal(['succeeded', 0, 3]);
      expect([readRun!.status, readRun!.outputs]).to.deep.equal(['succeeded', 1]);
      const info = await codeRunInfo(project.registry, readRun!.id);
      expect(info.inputs.flatMap((i) => i.dataProducts)).to.include('alice:model/state@0.0.1');
      expect(JSON.parse(await fs.readFile(info.outputs[0]!.location, 'utf8'))).to.deep.equal([
        [2, 3],
        283.5,
        ['jan', 'feb', 'mar'],
        'K',
        ['ann', 'bo', 'chloé'],
        'years',
      ]);
    } finally {
      await project.close();
    }
  });
});
