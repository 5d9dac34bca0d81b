import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { seedDataProducts, type SeedProduct } from '../../plugins/registry/contract.js';
import type { RunReport } from '../../src/core/report.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { RegistryClient } from '../../src/registry/client/client.js';
import { Project } from '../../src/registry/project.js';
import { demoCase, fairpod } from '../support/cli.js';
import { serveFreshRegistry, type ServedRegistry } from '../registry/restServer.js';
import { RegistryLocations } from '../registry/backends.js';

/** Every file under `dir`, relative to it. */
async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = path.posix.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await walk(dir, child)));
    else out.push(child);
  }
  return out;
}

/**
 * The demo dataset's files as CMIP6-named data products, versions from their directories; the DRS is
 * activity/institution/source/experiment/member/table/variable/grid/version/file.nc.
 */
async function demoProducts(dataRoot: string): Promise<SeedProduct[]> {
  const products: SeedProduct[] = [];
  for (const f of (await walk(dataRoot)).filter((x) => x.endsWith('.nc'))) {
    const [, , source, experiment, member, table, variable, grid, version] = f.split('/');
    products.push({
      name: `cmip6/${source}/${experiment}/${member}/${table}/${variable}/${grid}`,
      version: version!,
      path: f,
      hash: createHash('sha1')
        .update(await fs.readFile(path.join(dataRoot, f)))
        .digest('hex'),
    });
  }
  return products;
}

/** A served registry listing the demo dataset (one chunk per variable) under a file:// or its own /data/ root. */
interface DemoRegistry {
  dir: string;
  dataRoot: string;
  served: ServedRegistry;
  close(): Promise<void>;
}

async function serveDemoRegistry(filesOverHttp: boolean): Promise<DemoRegistry> {
  const locations = new RegistryLocations('sqlite');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-registry-plugin-'));
  const dataRoot = path.join(dir, 'data');
  // One time chunk per variable: a data product is one file.
  await writeDemoDataset(dataRoot, { chunks: [[1985, 1989]] });
  const served = await serveFreshRegistry(locations, filesOverHttp ? { dataStore: dataRoot } : {});
  const products = await demoProducts(dataRoot);
  expect(products.length).to.be.greaterThan(8);
  await seedDataProducts(new RegistryClient(served.url, { token: served.token }), {
    root: filesOverHttp ? `${served.url}/data/` : pathToFileURL(dataRoot + path.sep).href,
    namespace: 'esgf',
    products,
  });
  return {
    dir,
    dataRoot,
    served,
    close: async () => {
      await served.close();
      await locations.cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

describe('the registry data manager on a fairpod registry served on 127.0.0.1', function () {
  let demo: DemoRegistry;
  let dir: string;
  let served: ServedRegistry;
  let dataRoot: string;
  const caseArgs = (...extra: string[]) => [
    '-m',
    'fair-registry',
    '--registry-url',
    `${served.url}/api/`,
    // The registry's files are on this machine: fairpod reads them in place only under the root named here.
    '--data-root',
    dataRoot,
    ...demoCase(),
    ...extra,
  ];

  before(async () => {
    demo = await serveDemoRegistry(false);
    ({ dir, served, dataRoot } = demo);
  });
  after(() => demo.close());

  it('plan selects among data products by their name facets and versions, with tie-breakers', async () => {
    const r = await fairpod('plan', 'demo_alternate', ...caseArgs('--json'));
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as RunReport;
    const vars = Object.fromEntries(report.pods[0]!.variables.map((v) => [v.name, v]));
    expect(vars.ts!.experiment).to.include({
      member_id: 'r1i1p1f1',
      version: 'v20200101',
      namespace: 'esgf',
    });
    expect(vars.ts!.files).to.have.length(1);
    expect(vars.ts!.files[0]!.period).to.equal('1985-01..1989-12');
    expect(vars.pr!.decisions.join('\n')).to.match(/tie-breaker "newest version"/);
  });

  it('a recorded run reads the data products, not bare files: its inputs are their objects, uuids kept', async () => {
    const project = path.join(dir, 'project');
    expect((await fairpod('init', project, '--user', 'carol', '--namespace', 'carol')).code).to.equal(0);
    const r = await fairpod(
      'run',
      'demo_plev',
      ...caseArgs('--work-dir', path.join(dir, 'work-recorded'), '--project', project, '--json'),
    );
    expect(r.code, r.stderr).to.equal(0);
    const runId = (JSON.parse(r.stdout) as RunReport).pods[0]!.codeRun!;
    const opened = await Project.open(project);
    try {
      const read = (await opened.registry
        .knex('code_run as r')
        .join('code_run_inputs as i', 'i.code_run_id', 'r.id')
        .join('object_component as c', 'c.id', 'i.object_component_id')
        .join('object as o', 'o.id', 'c.object_id')
        .join('data_product as d', 'd.object_id', 'o.id')
        .join('namespace as n', 'n.id', 'd.namespace_id')
        .where('r.run_id', runId)
        .select('n.name as namespace', 'd.name', 'd.version', 'o.uuid', 'c.whole_object')) as Array<{
        namespace: string;
        name: string;
        version: string;
        uuid: string;
      }>;
      expect(read, 'the ua850 file is read as its data product').to.have.length(1);
      const [input] = read;
      expect(input).to.include({ namespace: 'esgf', version: 'v20200101' });
      expect(input!.name).to.match(/^cmip6\/DEMO-ESM1\/historical\/r1i1p1f1\/Amon\/ua850\/gn$/);
      const client = new RegistryClient(served.url);
      const remote = [];
      for await (const d of client.list('data_product', { name: input!.name, version: input!.version }))
        remote.push(d);
      expect(remote).to.have.length(1);
      expect((await client.getUrl(String(remote[0]!.object))).uuid).to.equal(input!.uuid);
    } finally {
      await opened.close();
    }
  });

  it('run preprocesses real netCDF files read in place, and a file changed after registration is refused', async () => {
    const workDir = path.join(dir, 'work');
    const r = await fairpod('run', 'demo_plev', ...caseArgs('--work-dir', workDir, '--no-record', '--json'));
    expect(r.code, r.stderr).to.equal(0);
    const summary = await fs.readFile(path.join(workDir, 'demo_plev', 'output', 'summary.txt'), 'utf8');
    expect(summary).to.match(/u850 \(u850 in DEMO\.u850\.mon\.nc\): shape 60x8x16/);

    // Alter the chosen file: the next run drops it (hash mismatch) and falls back to another version.
    const report = JSON.parse(r.stdout) as RunReport;
    const chosen = report.pods[0]!.variables.find((v) => v.name === 'u850')!.experiment!;
    const bad = (await walk(dataRoot)).find(
      (f) =>
        f.includes(`/${chosen.member_id}/`) &&
        f.includes('/ua850/') &&
        f.includes(`/${chosen.version}/`) &&
        f.includes(`/${chosen.source_id}/`),
    )!;
    await fs.chmod(path.join(dataRoot, bad), 0o644);
    await fs.appendFile(path.join(dataRoot, bad), 'tampered');
    const again = await fairpod(
      'run',
      'demo_plev',
      ...caseArgs('--work-dir', path.join(dir, 'work2'), '--no-record', '--json'),
    );
    const second = JSON.parse(again.stdout) as RunReport;
    const u850 = second.pods[0]!.variables.find((v) => v.name === 'u850')!;
    expect(u850.decisions.join('\n')).to.match(/does not match the registry's hash/);
    expect(u850.experiment).to.not.deep.equal(chosen);
  });

  it('without --data-root (or with another one) a file:// storage root is refused and no file is read', async () => {
    for (const extra of [[], ['--data-root', path.join(dir, 'elsewhere')]]) {
      const r = await fairpod(
        'plan',
        'demo_plev',
        '-m',
        'fair-registry',
        '--registry-url',
        `${served.url}/api/`,
        ...extra,
        ...demoCase(),
        '--json',
      );
      expect(r.code, r.stderr).to.equal(1);
      const report = JSON.parse(r.stdout) as RunReport;
      const u850 = report.pods[0]!.variables.find((v) => v.name === 'u850')!;
      expect(u850.failures.join('\n'))
        .to.include('the registry names the local directory')
        .and.include('--data-root');
    }
  });

  it('refuses a --facet that is not in the name template, naming the facets it has', async () => {
    const r = await fairpod('plan', 'demo_plev', ...caseArgs('--facet', 'realm=atmos'));
    expect(r.stdout + r.stderr)
      .to.match(/no facet "realm"/)
      .and.match(/source_id/);
  });
});

describe('the registry data manager on a registry serving its files over HTTP (/data/)', function () {
  let demo: DemoRegistry;
  before(async () => {
    demo = await serveDemoRegistry(true);
  });
  after(() => demo.close());

  it('fairpod run downloads the chosen files into the store of the project it records in', async () => {
    const project = path.join(demo.dir, 'project');
    const r = await fairpod(
      'run',
      'demo_plev',
      '-m',
      'registry',
      '--registry-url',
      `${demo.served.url}/api/`,
      ...demoCase(),
      '--work-dir',
      path.join(demo.dir, 'work'),
      '--project',
      project,
      '--json',
    );
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as RunReport;
    const u850 = report.pods[0]!.variables.find((v) => v.name === 'u850')!;
    expect(u850.files, JSON.stringify(u850)).to.have.length(1);
    const stored = (await walk(path.join(project, '.fairpod', 'store'))).filter((f) => f.endsWith('.nc'));
    expect(stored.some((f) => f.includes('ua850'))).to.equal(true, stored.join('\n'));
  });
});
