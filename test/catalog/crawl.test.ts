import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { crawl } from '../../src/catalog/crawl.js';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import {
  compileTemplate,
  listTemplates,
  loadTemplate,
  matchTemplate,
  templateHeader,
} from '../../src/catalog/templates.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import { ValidationError } from '../../src/core/errors.js';
import { isolateIndexCache, tempDir, writeTree } from './support.js';

const CMIP6_DIR = 'CMIP/NOAA-GFDL/GFDL-CM4/historical/r1i1p1f1/Amon/tas/gr1/v20180701';
const CMIP6_FILES = {
  [`${CMIP6_DIR}/tas_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_185001-194912.nc`]: '',
  [`${CMIP6_DIR}/tas_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_195001-201412.nc`]: '',
  'CMIP/NOAA-GFDL/GFDL-CM4/historical/r1i1p1f1/fx/areacella/gr1/v20180701/areacella_fx_GFDL-CM4_historical_r1i1p1f1_gr1.nc':
    '',
  'CMIP/NOAA-GFDL/GFDL-CM4/historical/r1i1p1f1/3hr/pr/gr1/v20180701/pr_3hr_GFDL-CM4_historical_r1i1p1f1_gr1_198001010130-198412312230.nc':
    '',
  // Unmatched: a stray file, a variable name that disagrees with its folder, and a date that is no date.
  'README.md': 'x',
  [`${CMIP6_DIR}/pr_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_185001-194912.nc`]: '',
  [`${CMIP6_DIR}/tas_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_185013-194912.nc`]: '',
};

async function collect(root: string, template: string): Promise<{ rows: CatalogRow[]; unmatched: string[] }> {
  const unmatched: string[] = [];
  const rows: CatalogRow[] = [];
  for await (const row of crawl(root, loadTemplate(template), {
    concurrency: 3,
    onUnmatched: (rel) => unmatched.push(rel),
  }))
    rows.push(row);
  rows.sort((a, b) => String(a.path).localeCompare(String(b.path)));
  return { rows, unmatched: unmatched.sort() };
}

describe('crawling with DRS templates', () => {
  isolateIndexCache();

  it('ships the CMIP6, MDTF and GFDL pp templates', () => {
    expect(listTemplates()).to.include.members(['cmip6', 'mdtf', 'gfdl-pp']);
  });

  it('catalogs a CMIP6 DRS tree, periods from file names, and lists every file it could not match', async () => {
    const root = tempDir();
    writeTree(root, CMIP6_FILES);
    const { rows, unmatched } = await collect(root, 'cmip6');
    expect(
      rows.map((r) => [r.table_id, r.variable_id, r.start_time, r.end_time, r.time_range]),
    ).to.deep.equal([
      ['3hr', 'pr', '1980-01-01T01:30', '1984-12-31T22:30', '198001010130-198412312230'],
      ['Amon', 'tas', '1850-01', '1949-12', '185001-194912'],
      ['Amon', 'tas', '1950-01', '2014-12', '195001-201412'],
      ['fx', 'areacella', '', '', ''],
    ]);
    expect(rows[1]).to.include({
      activity_id: 'CMIP',
      institution_id: 'NOAA-GFDL',
      source_id: 'GFDL-CM4',
      experiment_id: 'historical',
      member_id: 'r1i1p1f1',
      grid_label: 'gr1',
      version: 'v20180701',
    });
    expect(rows[1].path).to.equal(
      path.join(root, `${CMIP6_DIR}/tas_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_185001-194912.nc`),
    );
    expect(unmatched).to.deep.equal([
      `${CMIP6_DIR}/pr_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_185001-194912.nc`,
      `${CMIP6_DIR}/tas_Amon_GFDL-CM4_historical_r1i1p1f1_gr1_185013-194912.nc`,
      'README.md',
    ]);
  });

  it('catalogs the MDTF sample-data layout', async () => {
    const root = tempDir();
    writeTree(root, {
      'CESM2_hist/mon/CESM2_hist.TS.mon.nc': '',
      'CESM2_hist/day/CESM2_hist.PRECT.day.nc': '',
      'CESM2_hist/day/OTHER.PRECT.day.nc': '',
    });
    const { rows, unmatched } = await collect(root, 'mdtf');
    expect(rows.map((r) => [r.case, r.frequency, r.variable])).to.deep.equal([
      ['CESM2_hist', 'day', 'PRECT'],
      ['CESM2_hist', 'mon', 'TS'],
    ]);
    expect(unmatched).to.deep.equal(['CESM2_hist/day/OTHER.PRECT.day.nc']);
  });

  it('catalogs the GFDL pp layout', async () => {
    const root = tempDir();
    writeTree(root, {
      'atmos/ts/monthly/5yr/atmos.198001-198412.tas.nc': '',
      'atmos/ts/daily/5yr/atmos.19800101-19841231.pr.nc': '',
      'atmos/av/monthly_5yr/atmos.1980-1984.ann.nc': '',
    });
    const { rows, unmatched } = await collect(root, 'gfdl-pp');
    expect(
      rows.map((r) => [r.component, r.frequency, r.chunk, r.variable, r.start_time, r.end_time]),
    ).to.deep.equal([
      ['atmos', 'daily', '5yr', 'pr', '1980-01-01', '1984-12-31'],
      ['atmos', 'monthly', '5yr', 'tas', '1980-01', '1984-12'],
    ]);
    expect(unmatched).to.deep.equal(['atmos/av/monthly_5yr/atmos.1980-1984.ann.nc']);
  });

  it('reports every file of a tree that the template does not describe', async () => {
    const root = tempDir();
    writeTree(root, { 'a/b.nc': '', 'c.nc': '' });
    const { rows, unmatched } = await collect(root, 'cmip6');
    expect(rows).to.deep.equal([]);
    expect(unmatched).to.deep.equal(['a/b.nc', 'c.nc']);
  });

  it('round-trips a crawl through write and load, every row preserved', async () => {
    const root = tempDir();
    const files: Record<string, string> = {};
    for (const model of ['M1', 'M2']) {
      for (const v of ['tas', 'pr', 'ua']) {
        for (const [s, e] of [
          ['1850', '1899'],
          ['1900', '1949'],
        ])
          files[
            `CMIP/I/${model}/hist/r1i1p1f1/Amon/${v}/gn/v1/${v}_Amon_${model}_hist_r1i1p1f1_gn_${s}01-${e}12.nc`
          ] = '';
      }
    }
    writeTree(root, files);
    const template = loadTemplate('cmip6');
    const out = path.join(tempDir(), 'built.json');
    const written = await writeEsmCatalog(out, templateHeader(template, 'built'), crawl(root, template), {
      columns: template.columns,
    });
    expect(written.rows).to.equal(12);
    const { rows } = await collect(root, 'cmip6');
    const cat = await loadEsmCatalog(out);
    const loaded = (await cat.search({})).sort((a, b) => String(a.path).localeCompare(String(b.path)));
    expect(loaded).to.deep.equal(rows);
    expect(cat.header.aggregation_control?.variable_column_name).to.equal('variable_id');
    const wanted = await cat.search(
      { source_id: 'M2', variable_id: ['tas', 'ua'] },
      { timeRange: { start: '1890', end: '1900' }, requireAllOn: ['source_id'] },
    );
    expect(wanted).to.have.length(4);
  });

  describe('template files', () => {
    const bad: [string, Record<string, unknown>, string][] = [
      ['no pattern', { name: 'x' }, 'pattern'],
      ['unbalanced [', { name: 'x', pattern: '<a>[_<start>-<end>.nc' }, 'pattern'],
      ['start without end', { name: 'x', pattern: '<a>_<start>.nc' }, 'pattern'],
      ['bad field regex', { name: 'x', pattern: '<a>.nc', fields: { a: '(' } }, 'fields.a'],
      ['reserved path', { name: 'x', pattern: '<path>.nc' }, 'pattern'],
    ];
    for (const [name, spec, key] of bad) {
      it(`rejects ${name} with the key`, () => {
        const err = (() => {
          try {
            compileTemplate(spec as never, 'my.yaml');
          } catch (e) {
            return e;
          }
        })();
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).location).to.include({ file: 'my.yaml', key });
      });
    }

    it('loads a user template from a file, with repeated fields that must agree', () => {
      const dir = tempDir();
      fs.writeFileSync(
        path.join(dir, 'mine.yaml'),
        'name: mine\npattern: "<exp>/<var>/<exp>_<var>[_<start>-<end>].nc"\n',
      );
      const t = loadTemplate(path.join(dir, 'mine.yaml'));
      expect(t.columns).to.deep.equal(['exp', 'var', 'start_time', 'end_time', 'time_range', 'path']);
      expect(matchTemplate(t, 'e1/tas/e1_tas_2000-2001.nc', '/x')).to.include({
        exp: 'e1',
        var: 'tas',
        start_time: '2000',
        end_time: '2001',
      });
      expect(matchTemplate(t, 'e1/tas/e1_tas.nc', '/x')).to.include({ exp: 'e1', start_time: '' });
      expect(matchTemplate(t, 'e1/tas/e2_tas.nc', '/x')).to.equal(undefined);
    });

    it('names the shipped templates when one is unknown, and locates YAML errors', () => {
      expect(() => loadTemplate('cmip7'))
        .to.throw(ValidationError, /no DRS template/)
        .with.property('hint')
        .that.matches(/cmip6/);
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'broken.yaml'), 'name: x\npattern: [unclosed\n');
      expect(() => loadTemplate(path.join(dir, 'broken.yaml')))
        .to.throw(ValidationError)
        .with.nested.property('location.line');
    });
  });
});
