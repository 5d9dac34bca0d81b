import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { attributeRow, crawlAttributes } from '../../src/catalog/attributeCrawl.js';
import { crawl } from '../../src/catalog/crawl.js';
import { explainMismatch, loadTemplate } from '../../src/catalog/templates.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { newestVersion } from '../../src/core/tieBreakers.js';
import { NetcdfWriter } from '../../src/preprocess/netcdfWriter.js';
import { runCli } from '../../src/cli/program.js';
import { capture, isolateIndexCache, tempDir, writeTree } from './support.js';

/**
 * Paths shaped like intake-esm's CMIP6 sample tree (tests/sample_data/cmip/CMIP6): an extra <variable_id>
 * folder below the version, as on NCAR's GLADE, and GISS file names with experiment before model.
 */
const INTAKE_ESM_SAMPLE = [
  'CMIP/BCC/BCC-CSM2-MR/abrupt-4xCO2/r1i1p1f1/Amon/tasmax/gn/v20181016/tasmax/tasmax_Amon_BCC-CSM2-MR_abrupt-4xCO2_r1i1p1f1_gn_185001-200012.nc',
  'CMIP/CNRM-CERFACS/CNRM-CM6-1/historical/r4i1p1f2/Amon/prsn/gr/v20190125/prsn/prsn_Amon_CNRM-CM6-1_historical_r4i1p1f2_gr_185001-201412.nc',
  'CMIP/IPSL/IPSL-CM6A-LR/abrupt-4xCO2/r2i1p1f1/Omon/prra/gr/v20180914/prra/prra_Omon_IPSL-CM6A-LR_abrupt-4xCO2_r2i1p1f1_gr_185002-185501.nc',
  'CMIP/NASA-GISS/GISS-E2-1-G/historical/r10i1p1f1/Lmon/gpp/gn/v20181015/gpp/gpp_Lmon_historical_GISS-E2-1-G_r10i1p1f1_gn_200101-201412.nc',
  'CMIP/MRI/MRI-ESM2-0/historical/r1i1p1f1/Amon/tasmax/gn/v20190222/tasmax/tasmax_Amon_MRI-ESM2-0_historical_r1i1p1f1_gn_185001-201412.nc',
];

async function collect(
  rows: AsyncGenerator<CatalogRow>,
  unmatched: [string, string][],
): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const row of rows) out.push(row);
  unmatched.sort((a, b) => a[0].localeCompare(b[0]));
  return out.sort((a, b) => String(a.path).localeCompare(String(b.path)));
}

/** A small CMIP6-like netCDF file whose facets are only in its global attributes. */
async function writeCmipFile(file: string, attrs: Record<string, string>, months = 24): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const w = await NetcdfWriter.create(file, { Conventions: 'CF-1.7 CMIP-6.2', ...attrs });
  w.defineDimension({ name: 'time', size: months });
  w.defineDimension({ name: 'lat', size: 2 });
  w.defineDimension({ name: 'bnds', size: 2 });
  w.defineVariable({
    name: 'time',
    dtype: 'f8',
    dimensions: ['time'],
    data: Array.from({ length: months }, (_, i) => 15 + 30 * i),
    attributes: { units: 'days since 1980-01-01', calendar: '360_day', axis: 'T', bounds: 'time_bnds' },
  });
  w.defineVariable({
    name: 'time_bnds',
    dtype: 'f8',
    dimensions: ['time', 'bnds'],
    data: Array.from({ length: months * 2 }, (_, i) => 30 * Math.ceil(i / 2)),
  });
  w.defineVariable({ name: 'lat', dtype: 'f4', dimensions: ['lat'], data: [-45, 45] });
  w.defineVariable({
    name: attrs.variable_id ?? 'tas',
    dtype: 'f4',
    dimensions: ['time', 'lat'],
    data: Array.from({ length: months * 2 }, () => 280),
    attributes: { units: 'K' },
  });
  await w.close();
}

describe('crawling real trees', () => {
  isolateIndexCache();

  it("the cmip6 template matches every file of a tree shaped like intake-esm's CMIP6 sample data", async () => {
    const root = tempDir();
    writeTree(root, Object.fromEntries(INTAKE_ESM_SAMPLE.map((p) => [p, ''])));
    const unmatched: [string, string][] = [];
    const rows = await collect(
      crawl(root, loadTemplate('cmip6'), { onUnmatched: (r, why) => unmatched.push([r, why]) }),
      unmatched,
    );
    expect(unmatched).to.deep.equal([]);
    expect(rows).to.have.length(INTAKE_ESM_SAMPLE.length);
    const giss = rows.find((r) => r.institution_id === 'NASA-GISS')!;
    expect(giss).to.include({
      source_id: 'GISS-E2-1-G',
      experiment_id: 'historical',
      member_id: 'r10i1p1f1',
      table_id: 'Lmon',
      variable_id: 'gpp',
      grid_label: 'gn',
      version: 'v20181015',
      start_time: '2001-01',
      end_time: '2014-12',
    });
    expect(Object.keys(giss)).to.not.include('_source_experiment');
  });

  it('the cmip6 template takes the plain DRS, `latest` and versions without v', async () => {
    const root = tempDir();
    writeTree(root, {
      'CMIP/NCAR/CESM2/historical/r1i1p1f1/Amon/tas/gn/latest/tas_Amon_CESM2_historical_r1i1p1f1_gn_185001-201412.nc':
        '',
      'CMIP/NCAR/CESM2/historical/r1i1p1f1/Amon/pr/gn/20190308/pr_Amon_CESM2_historical_r1i1p1f1_gn_185001-201412.nc':
        '',
    });
    const rows = await collect(crawl(root, loadTemplate('cmip6')), []);
    expect(rows.map((r) => [r.variable_id, r.version])).to.deep.equal([
      ['pr', '20190308'],
      ['tas', 'latest'],
    ]);
    const newest = newestVersion('version');
    expect(['v20190308', 'latest', '20200101'].sort(newest.compare)).to.deep.equal([
      'latest',
      '20200101',
      'v20190308',
    ]);
  });

  it('says why each file does not match a template', () => {
    const t = loadTemplate('cmip6');
    const dir = 'CMIP/NCAR/CESM2/historical/r1i1p1f1/Amon/tas/gn/v20190308';
    expect(explainMismatch(t, 'README.md')).to.equal(
      "0 directory level(s) below the root; template 'cmip6' has 9 to 10",
    );
    expect(explainMismatch(t, `${dir}/tas.json`)).to.equal("not a .nc file (template 'cmip6')");
    expect(explainMismatch(t, `${dir}/pr_Amon_CESM2_historical_r1i1p1f1_gn_185001-201412.nc`)).to.equal(
      `variable_id is "tas" in one part of the path and "pr" in another (template 'cmip6')`,
    );
    expect(explainMismatch(t, `${dir}/tas_Amon_CESM2_historical_r1i1p1f1_gn_185013-201412.nc`)).to.equal(
      "period 185013-201412 is not a date range (template 'cmip6')",
    );
  });

  it('without a template, takes facets from global attributes and periods from names or the time axis', async () => {
    const root = tempDir();
    const cmip = {
      activity_id: 'CMIP',
      institution_id: 'NCAR',
      source_id: 'CESM2',
      experiment_id: 'historical',
      variant_label: 'r1i1p1f1',
      sub_experiment_id: 'none',
      table_id: 'Amon',
      variable_id: 'tas',
      grid_label: 'gn',
      frequency: 'mon',
      realm: 'atmos',
    };
    await writeCmipFile(
      path.join(root, 'anywhere', 'v20190308', 'tas_Amon_CESM2_historical_r1i1p1f1_gn_198001-198112.nc'),
      cmip,
    );
    // MDTF's layout names no period: it comes from the time axis (monthly, so at month precision).
    await writeCmipFile(path.join(root, 'CASE1', 'mon', 'CASE1.ts.mon.nc'), {
      case: 'CASE1',
      frequency: 'mon',
    });
    writeTree(root, { 'notes.txt': 'x', 'broken.nc': 'not netCDF at all' });
    const unmatched: [string, string][] = [];
    const rows = await collect(
      crawlAttributes(root, { onUnmatched: (r, why) => unmatched.push([r, why]) }),
      unmatched,
    );
    expect(rows).to.have.length(2);
    const cesm = rows.find((r) => r.source_id === 'CESM2');
    const mdtf = rows.find((r) => r.case === 'CASE1');
    expect(cesm).to.include({
      source_id: 'CESM2',
      member_id: 'r1i1p1f1',
      variable_id: 'tas',
      version: 'v20190308',
      start_time: '1980-01',
      end_time: '1981-12',
      time_range: '198001-198112',
    });
    expect(mdtf).to.include({
      case: 'CASE1',
      variable_id: 'tas',
      start_time: '1980-01',
      end_time: '1981-12',
    });
    expect(unmatched.map(([r]) => r)).to.deep.equal(['broken.nc', 'notes.txt']);
    expect(unmatched[0]![1]).to.match(/^cannot be read as netCDF: /);
    expect(unmatched[1]![1]).to.equal('not a netCDF file (by its extension)');
    expect(await attributeRow('x.nc', path.join(root, 'missing.nc'))).to.match(/^cannot be read as netCDF/);
  });

  it('`catalog build --template cmip6` and `--attributes` from the CLI, each unmatched file listed with its reason', async () => {
    const root = tempDir();
    writeTree(root, { ...Object.fromEntries(INTAKE_ESM_SAMPLE.map((p) => [p, ''])), 'README.md': 'x' });
    const out = path.join(tempDir(), 'sample.json');
    const cli = (...args: string[]) => capture(() => runCli(['node', 'fairpod', 'catalog', ...args]));
    const built = await cli('build', root, '--template', 'cmip6', '-o', out);
    expect(built.result, built.stderr).to.equal(0);
    expect(built.stderr).to.match(new RegExp(`wrote ${INTAKE_ESM_SAMPLE.length} rows`));
    expect(built.stderr)
      .to.include('1 file not in the catalog')
      .and.include('README.md: 0 directory level(s)');
    expect(fs.readFileSync(out.replace(/json$/, 'unmatched.txt'), 'utf8')).to.match(/^README\.md: /);
    const found = await cli('search', out, 'institution_id=NASA-GISS');
    expect(found.stdout).to.include('gpp_Lmon_historical_GISS-E2-1-G');

    const ncRoot = tempDir();
    await writeCmipFile(path.join(ncRoot, 'a', 'pr_1980.nc'), { variable_id: 'pr', source_id: 'M' });
    const attrs = await cli('build', ncRoot, '--attributes', '-o', path.join(tempDir(), 'attrs.json'));
    expect(attrs.result, attrs.stderr).to.equal(0);
    expect(attrs.stderr).to.match(/wrote 1 rows/);
    const neither = await cli('build', ncRoot, '-o', path.join(tempDir(), 'x.json'));
    expect(neither.result).to.equal(2);
    expect(neither.stderr).to.include('give --template NAME or --attributes');
  });
});
