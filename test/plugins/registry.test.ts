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
