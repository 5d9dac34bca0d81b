import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import type { DemoDataset } from '../../src/demo/dataset.js';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';

describe('demo dataset', function () {
  this.timeout(60000);
  let dir: string;
  let demo: DemoDataset;
  let rows: Record<string, string>[];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-demo-'));
    demo = await writeDemoDataset(dir);
    const header = JSON.parse(fs.readFileSync(demo.catalogJson, 'utf8')) as { catalog_file: string };
    rows = parse(fs.readFileSync(path.resolve(path.dirname(demo.catalogJson), header.catalog_file)), {
      columns: true,
    }) as Record<string, string>[];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes 2 models × 2 members × 2 versions × 4 variables × 3 chunks, and nothing else', () => {
    const ncFiles = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.nc'));
    expect(demo.files).to.equal(96);
    expect(ncFiles).to.have.length(96);
    expect(new Set(rows.map((r) => r.source_id))).to.have.property('size', 2);
    expect(new Set(rows.map((r) => r.variable_id))).to.deep.equal(new Set(['ts', 'pr', 'ua850', 'ua']));
  });

  it('catalogs every file once, at its CMIP6 DRS path, with its size', () => {
    expect(rows).to.have.length(96);
    expect(new Set(rows.map((r) => r.path)).size).to.equal(96);
    for (const r of rows) {
      const drs = [
        r.activity_id,
        r.institution_id,
        r.source_id,
        r.experiment_id,
        r.member_id,
        r.table_id,
        r.variable_id,
        r.grid_label,
        r.version,
      ];
      const name = `${r.variable_id}_${r.table_id}_${r.source_id}_${r.experiment_id}_${r.member_id}_${r.grid_label}_${r.time_range}.nc`;
      expect(r.path).to.equal(path.join(dir, ...drs, name));
      expect(fs.statSync(r.path).size).to.equal(Number(r.size));
    }
  });

  it('has no tas, so that a POD asking for it must use an alternate', () => {
    expect(rows.filter((r) => r.variable_id === 'tas')).to.have.length(0);
  });

  it('writes netCDF-4 that ncdump and CDO accept, with CF attributes', () => {
    const ua = rows.find((r) => r.variable_id === 'ua')!.path;
    const header = execFileSync('ncdump', ['-h', ua], { encoding: 'utf8' });
    expect(header).to.match(/time = UNLIMITED ; \/\/ \(60 currently\)/);
    expect(header).to.contain('float ua(time, plev, lat, lon)');
    expect(header).to.contain('ua:standard_name = "eastward_wind"');
    expect(header).to.contain('time:calendar = "noleap"');
    expect(header).to.contain(':Conventions = "CF-1.8"');
    const sinfo = execFileSync('cdo', ['-s', 'sinfo', ua], { encoding: 'utf8' });
    expect(sinfo).to.match(/pressure\s+: levels=4/);
    expect(sinfo).to.contain('1980-01-16');
  });

  it('stores ua850 as its own variable with a scalar plev coordinate equal to ua at 85000 Pa', async () => {
    const pick = (v: string) =>
      rows.find(
        (r) => r.variable_id === v && r.source_id === 'DEMO-ESM2' && r.time_range === '198501-198912',
      )!.path;
    const ua850 = await openNetcdf(pick('ua850'));
    const ua = await openNetcdf(pick('ua'));
    try {
      expect(ua850.variable('ua850').attributes.coordinates).to.equal('plev');
      expect(Array.from(ua850.read('plev'))).to.deep.equal([85000]);
      expect(Array.from(ua.read('plev'))).to.include(85000);
      const level = Array.from(ua.read('plev')).indexOf(85000);
      expect(
        Array.from(
          ua.read('ua', [
            [3, 4],
            [level, level + 1],
          ]),
        ),
      ).to.deep.equal(Array.from(ua850.read('ua850', [[3, 4]])));
    } finally {
      ua850.close();
      ua.close();
    }
  });
});
