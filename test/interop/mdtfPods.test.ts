import { expect } from 'chai';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import type { RunReport } from '../../src/core/report.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { browseResults } from '../support/browser.js';
import { fairpod } from '../support/cli.js';
import { saveEnv } from '../support/env.js';
import { TAS, writeDailyDataset, writeObsMean } from '../support/mdtfData.js';
import { examplesDir } from './examples.js';

/** Debian's Python with python3-xarray, python3-matplotlib, python3-netcdf4 (.ci/setup.d/20, 50). */
const PYTHON = '/usr/bin/python3';
/**
 * example_multicase does `import intake` and calls intake-esm's `open_esm_datastore`, which Debian does not
 * ship: this directory holds a clearly marked stand-in `intake` module (pandas + xarray) put on PYTHONPATH.
 */
const INTAKE_STANDIN = path.join(PACKAGE_ROOT, 'test', 'interop', 'intake-standin');

describe("MDTF 4.2's example PODs run unchanged through fairpod run", function () {
  this.timeout(300_000);
  let dir: string;
  let report: RunReport;
  let work: string;
  const env = saveEnv('FAIRPOD_PROJECT', 'PYTHONPATH');

  before(async () => {
    if (!existsSync(PYTHON))
      throw new Error(`${PYTHON} not found: apt-get install python3-xarray (.ci/setup.d)`);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-mdtf-pods-'));
    work = path.join(dir, 'work');
    const catalog = await writeDailyDataset(path.join(dir, 'data'), [TAS], 1980, 1981);
    await writeObsMean(path.join(dir, 'obs', 'example', 'example_tas_means.nc'), 'mean_tas', TAS);
    expect((await fairpod('init', path.join(dir, 'project'))).code).to.equal(0);
    process.env.FAIRPOD_PROJECT = path.join(dir, 'project');
    process.env.PYTHONPATH = INTAKE_STANDIN;
    const r = await fairpod(
      'run',
      examplesDir('mdtf-pod-dirs', 'example'),
      examplesDir('mdtf-pod-dirs', 'example_multicase'),
      ...[
        '-m',
        'filesystem',
        '--catalog',
        catalog,
        '--case',
        'SYNTH',
        '--firstyr',
        '1980',
        '--lastyr',
        '1981',
      ],
      ...['--obs-data-root', path.join(dir, 'obs'), '--python', PYTHON, '--work-dir', work],
      ...['--project', path.join(dir, 'project'), '--json'],
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);
    report = JSON.parse(r.stdout) as RunReport;
  });
  after(async () => {
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('both drivers exit 0 and both PODs succeed', () => {
    expect(report.pods.map((p) => [p.name, p.ok, p.driver?.exitCode, p.failure])).to.deep.equal([
      ['example', true, 0, undefined],
      ['example_multicase', true, 0, undefined],
    ]);
  });

  it('example: its model and obs figures are converted to PNG and its page is filled in', async () => {
    for (const f of [
      'model/PS/example_model_plot.eps',
      'obs/PS/example_obs_plot.eps',
      'model/temp_means.nc',
    ]) {
      await fs.access(path.join(work, 'example', f));
    }
    for (const png of ['model/example_model_plot.png', 'obs/example_obs_plot.png']) {
      const head = await fs.readFile(path.join(work, 'example', png));
      expect(head.subarray(1, 4).toString()).to.equal('PNG');
    }
    const html = await fs.readFile(path.join(work, 'example', 'example.html'), 'utf8');
    expect(html)
      .to.include('favorite color is "blue."')
      .and.include('Time averages, 19800101-19811231')
      .and.include('<TH align=left>SYNTH');
    expect(html).to.not.match(/\{\{/);
    const log = await fs.readFile(path.join(work, 'example', 'example.log'), 'utf8');
    expect(log).to.include('Last log message by Example POD: finished successfully!');
  });

  it('example_multicase: reads case_info.yml and CATALOG_FILE through intake (stand-in) and plots', async () => {
    const caseInfo = YAML.parse(
      await fs.readFile(path.join(work, 'example_multicase', 'case_info.yml'), 'utf8'),
    ) as { CATALOG_FILE: string; CASE_LIST: Record<string, Record<string, string>> };
    expect(caseInfo.CATALOG_FILE).to.equal(
      path.join(work, 'example_multicase', 'MDTF_postprocessed_data.json'),
    );
    expect(caseInfo.CASE_LIST.SYNTH).to.include({
      tas_var: 'tas',
      time_coord: 'time',
      startdate: '19800101',
    });
    const png = await fs.readFile(
      path.join(work, 'example_multicase', 'model', 'example_multicase_plot.png'),
    );
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
  });

  it('index.html links both PODs; in headless Chromium every link resolves and every figure shows', async () => {
    const site = await browseResults(path.join(work, 'index.html'));
    expect(site.brokenLinks).to.deep.equal([]);
    expect(site.brokenImages).to.deep.equal([]);
    expect(site.pages.map((p) => path.relative(work, p))).to.include.members([
      'index.html',
      'example/example.html',
      'example_multicase/example_multicase.html',
    ]);
    expect(site.figures.map((f) => path.relative(work, f.file)).sort()).to.deep.equal([
      'example/model/example_model_plot.png',
      'example/obs/example_obs_plot.png',
      'example_multicase/model/example_multicase_plot.png',
    ]);
  });

  it('each run is recorded with all POD code, the obs file, the environment and every figure hashed', async () => {
    for (const p of report.pods) {
      const info = await fairpod('info', p.codeRun!);
      expect(info.code, info.stderr).to.equal(0);
      const home = examplesDir('mdtf-pod-dirs', p.name);
      for (const code of await fs.readdir(home, { recursive: true, withFileTypes: true })) {
        const file = path.join(code.parentPath, code.name);
        // The driver is recorded as the run's submission_script, every other file as an input.
        if (code.isFile() && code.name !== `${p.name === 'example' ? 'example_diag' : p.name}.py`) {
          expect(info.stdout).to.include(file);
        }
      }
      const figures =
        p.name === 'example'
          ? ['model/example_model_plot.png', 'obs/example_obs_plot.png', 'model/PS/example_model_plot.eps']
          : ['model/example_multicase_plot.png', 'model/PS/example_multicase_plot.eps'];
      for (const f of figures) {
        expect(info.stdout).to.match(new RegExp(`sha1 [0-9a-f]{40} +\\(\\S+:${p.name}/SYNTH/${f}@`));
      }
      if (p.name === 'example') {
        expect(info.stdout).to.include(path.join(dir, 'obs', 'example', 'example_tas_means.nc'));
      }
      expect(info.stdout).to.match(/succeeded/);
    }
  });
});

/** Two model runs, each in a directory named after its case, listed by one catalog (as MDTF's case match wants). */
async function writeTwoCases(dir: string, cases: [string, number, number][]): Promise<string> {
  const rows: CatalogRow[] = [];
  let header;
  for (const [name, first, last] of cases) {
    const cat = await loadEsmCatalog(await writeDailyDataset(path.join(dir, name), [TAS], first, last));
    header = cat.header;
    rows.push(...(await cat.search({})));
    await cat.close();
  }
  return (await writeEsmCatalog(path.join(dir, 'catalog.json'), header!, rows)).jsonPath;
}

/**
 * The text a matplotlib EPS draws: its PS backend writes each character of a text as `/<glyph name> glyphshow`
 * (Type 3 fonts), so the characters are read back from the glyph names of the Adobe Glyph List it uses.
 */
function epsText(eps: string): string {
  const names: Record<string, string> = { underscore: '_', period: '.', hyphen: '-', space: ' ' };
  const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  digits.forEach((d, i) => (names[d] = String(i)));
  return [...eps.matchAll(/\/(\w+) glyphshow/g)]
    .map((m) => (m[1]!.length === 1 ? m[1]! : (names[m[1]!] ?? '?')))
    .join('');
}

describe("MDTF 4.2's example_multicase runs unchanged ONCE with two cases", function () {
  this.timeout(300_000);
  let dir: string;
  let work: string;
  let reports: RunReport[];
  const env = saveEnv('FAIRPOD_PROJECT', 'PYTHONPATH');

  before(async () => {
    if (!existsSync(PYTHON))
      throw new Error(`${PYTHON} not found: apt-get install python3-xarray (.ci/setup.d)`);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-mdtf-multicase-'));
    work = path.join(dir, 'work');
    const catalog = await writeTwoCases(path.join(dir, 'data'), [
      ['SYNTH_A', 1981, 1982],
      ['SYNTH_B', 1985, 1986],
    ]);
    process.env.PYTHONPATH = INTAKE_STANDIN;
    const r = await fairpod(
      'run',
      examplesDir('mdtf-pod-dirs', 'example_multicase'),
      ...[
        '-m',
        'filesystem',
        '--catalog',
        catalog,
        '--case',
        'SYNTH_A:1981-1982',
        '--case',
        'SYNTH_B:1985-1986',
      ],
      ...['--python', PYTHON, '--work-dir', work, '--project', path.join(dir, 'project'), '--json'],
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);
    reports = JSON.parse(r.stdout) as RunReport[];
  });
  after(async () => {
    env.restore();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('each case gets its own files; the POD runs once, recorded as one code run', () => {
    expect(reports.map((r) => r.case.name)).to.deep.equal(['SYNTH_A', 'SYNTH_B']);
    for (const r of reports) {
      const files = r.pods[0]!.variables.flatMap((v) => v.files.map((f) => f.id));
      expect(files).to.have.length(1);
      expect(files[0]).to.include(`${path.sep}${r.case.name}${path.sep}`);
      expect(r.pods[0]!.ok, r.pods[0]!.failure).to.equal(true);
    }
    expect(reports[0]!.pods[0]!.codeRun).to.be.a('string').and.equal(reports[1]!.pods[0]!.codeRun);
  });

  it("case_info.yml lists both cases and CATALOG_FILE holds both cases' files", async () => {
    const podWork = path.join(work, 'example_multicase');
    const caseInfo = YAML.parse(await fs.readFile(path.join(podWork, 'case_info.yml'), 'utf8')) as {
      CATALOG_FILE: string;
      CASE_LIST: Record<string, Record<string, string>>;
    };
    expect(Object.keys(caseInfo.CASE_LIST)).to.deep.equal(['SYNTH_A', 'SYNTH_B']);
    expect(caseInfo.CASE_LIST.SYNTH_B).to.include({
      startdate: '19850101',
      enddate: '19861231',
      TAS_FILE: path.join(podWork, 'day', 'SYNTH_B.tas.day.nc'),
    });
    const table = await fs.readFile(caseInfo.CATALOG_FILE.replace(/\.json$/, '.csv'), 'utf8');
    expect(table).to.include(path.join(podWork, 'day', 'SYNTH_A.tas.day.nc'));
    expect(table).to.include(path.join(podWork, 'day', 'SYNTH_B.tas.day.nc'));
  });

  it('its plot has a line per case (the legend names both) and is converted to PNG', async () => {
    const podWork = path.join(work, 'example_multicase');
    const text = epsText(
      await fs.readFile(path.join(podWork, 'model', 'PS', 'example_multicase_plot.eps'), 'latin1'),
    );
    expect(text).to.include('SYNTH_A.').and.include('SYNTH_B.');
    const png = await fs.readFile(path.join(podWork, 'model', 'example_multicase_plot.png'));
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
    const log = await fs.readFile(path.join(podWork, 'example_multicase.log'), 'utf8');
    expect(log.match(/finished successfully!/g)).to.have.length(1);
  });
});
