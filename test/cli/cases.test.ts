import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import { writeEsmCatalog } from '../../src/catalog/write.js';
import type { RunReport } from '../../src/core/report.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';
import { fairpod } from '../support/cli.js';

/** A CMIP-convention POD reading surface temperature and precipitation. */
const CMIP_POD = {
  settings: { driver: 'pod.sh', long_name: 'CMIP POD', convention: 'cmip' },
  data: { frequency: 'mon' },
  dimensions: {
    lat: { standard_name: 'latitude', units: 'degrees_north', axis: 'Y' },
    lon: { standard_name: 'longitude', units: 'degrees_east', axis: 'X' },
    time: { standard_name: 'time' },
  },
  varlist: {
    ts: { standard_name: 'surface_temperature', units: 'K', dimensions: ['time', 'lat', 'lon'] },
  },
};

/** The same request written as a CESM-convention POD: CESM names, precipitation as a rate in mm/day. */
const CESM_POD = {
  ...CMIP_POD,
  settings: { driver: 'pod.sh', long_name: 'CESM POD', convention: 'cesm' },
  varlist: {
    TS: { standard_name: 'surface_temperature', units: 'K', dimensions: ['time', 'lat', 'lon'] },
    PRECT: { standard_name: 'precipitation_rate', units: 'mm day-1', dimensions: ['time', 'lat', 'lon'] },
  },
};

describe('fairpod run and plan with cases and data conventions', function () {
  let dir: string;
  let catalog: string;
  let cmipPod: string;
  let cesmPod: string;

  /** Two model runs in MDTF's layout, <root>/<CASE>/...: the same facets, one 1980-1984, the other 1985-1989. */
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-cases-'));
    const rows = [];
    let header;
    for (const [name, chunk] of [
      ['amip_A', [1980, 1984]],
      ['amip_B', [1985, 1989]],
    ] as const) {
      const demo = await writeDemoDataset(path.join(dir, 'runs', name), { chunks: [[...chunk]] });
      const cat = await loadEsmCatalog(demo.catalogJson);
      header = cat.header;
      rows.push(...(await cat.search({})));
      await cat.close();
    }
    catalog = (await writeEsmCatalog(path.join(dir, 'runs', 'catalog.json'), header!, rows)).jsonPath;
    for (const [name, settings] of [
      ['cmip_pod', CMIP_POD],
      ['cesm_pod', CESM_POD],
    ] as const) {
      const podDir = path.join(dir, 'pods', name);
      await fs.mkdir(podDir, { recursive: true });
      await fs.writeFile(path.join(podDir, 'settings.jsonc'), JSON.stringify({ ...settings }, null, 2));
      await fs.writeFile(
        path.join(podDir, 'pod.sh'),
        'env | grep -E "^(CASENAME|FIRSTYR|LASTYR|convention|case_env_file|CATALOG_FILE|[A-Za-z]+_(FILE|var))=" | sort > "$WK_DIR/env.txt"\n' +
          'echo ran >> "$WK_DIR/runs.txt"\n',
      );
      // MDTF fails a POD without its page.
      await fs.writeFile(path.join(podDir, `${name}.html`), '<html><body>{{CASENAME}}</body></html>\n');
    }
    cmipPod = path.join(dir, 'pods', 'cmip_pod');
    cesmPod = path.join(dir, 'pods', 'cesm_pod');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const plan = async (...args: string[]) => {
    const r = await fairpod('plan', cmipPod, '-m', 'filesystem', '--catalog', catalog, '--json', ...args);
    return { ...r, json: r.stdout ? (JSON.parse(r.stdout) as unknown) : undefined };
  };
  const files = (report: RunReport): string[] =>
    report.pods[0]!.variables.flatMap((v) => v.files.map((f) => f.id));

  it('--case picks the model run whose paths name it', async () => {
    const r = await plan('--case', 'amip_B', '--firstyr', '1986', '--lastyr', '1987');
    expect(r.code, r.stderr).to.equal(0);
    const chosen = files(r.json as RunReport);
    expect(chosen).to.have.length(1);
    expect(chosen[0]).to.include(`${path.sep}amip_B${path.sep}`);
  });

  it('refuses to stitch two model runs into one series when the case name does not tell them apart', async () => {
    const r = await plan('--case', 'other', '--firstyr', '1980', '--lastyr', '1989');
    expect(r.code).to.equal(1);
    const ts = (r.json as RunReport).pods[0]!.variables[0]!;
    expect(ts.status).to.equal('FAILED');
    expect(ts.files).to.deep.equal([]);
    expect(ts.failures.join()).to.match(/no experiment's files cover the analysis period/);
    const decisions = ts.decisions.join('\n');
    expect(decisions).to.include(`${path.sep}amip_A${path.sep}`).and.include(`${path.sep}amip_B${path.sep}`);
  });

  it('two --case in one run: two reports, each with its own period and its own run', async () => {
    const r = await plan('--case', 'amip_A:1981-1982', '--case', 'amip_B:1986-1988');
    expect(r.code, r.stderr).to.equal(0);
    const reports = r.json as RunReport[];
    expect(reports.map((x) => [x.case.name, x.case.firstYear, x.case.lastYear])).to.deep.equal([
      ['amip_A', 1981, 1982],
      ['amip_B', 1986, 1988],
    ]);
    expect(files(reports[0]!).every((f) => f.includes(`${path.sep}amip_A${path.sep}`))).to.equal(true);
    expect(files(reports[1]!).every((f) => f.includes(`${path.sep}amip_B${path.sep}`))).to.equal(true);
  });

  it('a case list in MDTF runtime-config form gives each case its period, convention and facets', async () => {
    const list = path.join(dir, 'cases.jsonc');
    await fs.writeFile(
      list,
      `// MDTF 4.2 runtime config
{
  "pod_list": ["cmip_pod"],
  "case_list": {
    "amip_A": { "model": "DEMO-ESM1", "convention": "CMIP", "startdate": "19810101", "enddate": "19821231" },
    "amip_B": { "model": "DEMO-ESM2", "convention": "CMIP", "startdate": 19860101, "enddate": 19881231,
                "source_id": "DEMO-ESM2" }
  },
  "WORK_DIR": "../wkdir"
}
`,
    );
    const r = await plan('--case-list', list);
    expect(r.code, r.stderr).to.equal(0);
    const [a, b] = r.json as RunReport[];
    expect([a!.case.firstYear, a!.case.lastYear, a!.case.convention]).to.deep.equal([1981, 1982, 'CMIP']);
    expect(b!.case.facets).to.deep.equal({ source_id: 'DEMO-ESM2' });
    expect(b!.pods[0]!.variables[0]!.experiment!.source_id).to.equal('DEMO-ESM2');
    expect(files(b!).every((f) => f.includes(`${path.sep}amip_B${path.sep}`))).to.equal(true);
  });

  const run = (pod: string, workDir: string, ...args: string[]) =>
    fairpod(
      'run',
      pod,
      ...['-m', 'filesystem', '--catalog', catalog, ...args],
      ...['--convention', 'cmip', '--work-dir', workDir, '--no-record', '--json'],
    );
  const envOf = async (file: string) => (await fs.readFile(file, 'utf8')).split('\n');

  it('a CESM-convention POD runs on CMIP-convention data: CMIP names queried, units converted, POD names placed', async () => {
    const workDir = path.join(dir, 'work-cesm');
    const r = await run(cesmPod, workDir, '--case', 'amip_B:1986-1986');
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as RunReport;
    const vars = Object.fromEntries(report.pods[0]!.variables.map((v) => [v.name, v]));
    expect(vars.TS!.nativeName).to.equal('ts');
    expect(vars.TS!.query).to.match(/^variable_id=ts /);
    // CMIP has no precipitation rate: its flux pr is taken and converted, and placed as the POD's PRECT.
    expect(vars.PRECT!.alternateUsed).to.deep.equal(['PRECT_as_flux']);
    expect(vars.PRECT_as_flux!.nativeName).to.equal('pr');
    const prect = path.join(workDir, 'cesm_pod', 'mon', 'amip_B.PRECT.mon.nc');
    expect(vars.PRECT_as_flux!.outputPath).to.equal(prect);
    const nc = await openNetcdf(prect);
    try {
      expect(nc.hasVariable('pr')).to.equal(false);
      expect(nc.variable('PRECT').attributes.units).to.equal('mm day-1');
      // The demo's precipitation flux is about 3e-5 kg m-2 s-1, i.e. a few mm/day.
      expect(nc.read('PRECT')[0]).to.be.within(0.5, 20);
    } finally {
      nc.close();
    }
    // One case: the POD gets the case's variables in its environment, as MDTF 4.2 gives a single-run POD.
    const lines = await envOf(path.join(workDir, 'cesm_pod', 'env.txt'));
    expect(lines).to.include.members(['CASENAME=amip_B', 'FIRSTYR=1986', 'TS_var=TS']);
    expect(lines).to.include(`TS_FILE=${path.join(workDir, 'cesm_pod', 'mon', 'amip_B.TS.mon.nc')}`);
    // The converted flux reaches the POD under the rate's names, and the convention is the data's.
    expect(lines).to.include(`PRECT_FILE=${prect}`);
    expect(lines).to.include('PRECT_var=PRECT').and.include('convention=CMIP');
    expect(lines.filter((l) => l.startsWith('PRECT_AS_FLUX'))).to.deep.equal([]);
  });

  it('two cases: each its own data, then the POD runs ONCE with both in case_info.yml and CATALOG_FILE', async () => {
    const workDir = path.join(dir, 'work-two');
    const r = await run(cesmPod, workDir, '--case', 'amip_A:1981-1982', '--case', 'amip_B:1986-1986');
    expect(r.code, r.stderr).to.equal(0);
    const [a, b] = JSON.parse(r.stdout) as RunReport[];
    expect(files(a!).every((f) => f.includes(`${path.sep}amip_A${path.sep}`))).to.equal(true);
    expect(files(b!).every((f) => f.includes(`${path.sep}amip_B${path.sep}`))).to.equal(true);
    const podWork = path.join(workDir, 'cesm_pod');
    expect(await fs.readFile(path.join(podWork, 'runs.txt'), 'utf8')).to.equal('ran\n');
    expect(a!.pods[0]!.driver).to.deep.equal(b!.pods[0]!.driver);
    // As in MDTF 4.2, several cases reach the POD only through case_env_file and CATALOG_FILE.
    const lines = await envOf(path.join(podWork, 'env.txt'));
    expect(lines.filter((l) => /^(CASENAME|FIRSTYR|TS_FILE|PRECT_FILE)=/.test(l))).to.deep.equal([]);
    expect(lines).to.include(`case_env_file=${path.join(podWork, 'case_info.yml')}`);
    const caseInfo = YAML.parse(await fs.readFile(path.join(podWork, 'case_info.yml'), 'utf8')) as {
      CATALOG_FILE: string;
      CASE_LIST: Record<string, Record<string, string>>;
    };
    expect(Object.keys(caseInfo.CASE_LIST)).to.deep.equal(['amip_A', 'amip_B']);
    for (const [name, first, last] of [
      ['amip_A', '19810101', '19821231'],
      ['amip_B', '19860101', '19861231'],
    ] as const) {
      expect(caseInfo.CASE_LIST[name]).to.include({
        CASENAME: name,
        startdate: first,
        enddate: last,
        convention: 'CMIP',
        TS_var: 'TS',
        TS_FILE: path.join(podWork, 'mon', `${name}.TS.mon.nc`),
        PRECT_var: 'PRECT',
        PRECT_FILE: path.join(podWork, 'mon', `${name}.PRECT.mon.nc`),
      });
      await fs.access(caseInfo.CASE_LIST[name]!.PRECT_FILE!);
    }
    expect(caseInfo.CATALOG_FILE).to.equal(path.join(podWork, 'MDTF_postprocessed_data.json'));
    const cat = await loadEsmCatalog(caseInfo.CATALOG_FILE);
    try {
      const rows = await cat.search({});
      expect(rows.map((row) => [row.case_name, row.variable_id, row.path]).sort()).to.deep.equal(
        ['amip_A', 'amip_B'].flatMap((name) =>
          ['PRECT', 'TS'].map((v) => [name, v, path.join(podWork, 'mon', `${name}.${v}.mon.nc`)]),
        ),
      );
      expect(cat.header.aggregation_control?.groupby_attrs?.[0]).to.equal('case_name');
    } finally {
      await cat.close();
    }
  });

  it('a POD does not run when one of its cases lacks the data it requires', async () => {
    const workDir = path.join(dir, 'work-lacking');
    const r = await run(cesmPod, workDir, '--case', 'amip_A:1981-1982', '--case', 'amip_B:1995-1996');
    expect(r.code).to.equal(1);
    const [a, b] = JSON.parse(r.stdout) as RunReport[];
    expect(b!.pods[0]!.failure).to.match(/required variable TS/);
    expect(a!.pods[0]!.failure).to.equal(
      'POD cesm_pod was not run: it runs once with all cases, and case amip_B lacks data it requires',
    );
    await fs.access(path.join(workDir, 'cesm_pod', 'runs.txt')).then(
      () => expect.fail('the driver must not have run'),
      () => undefined,
    );
  });

  it('a single-case POD given several cases fails saying what MDTF 4.2 gives it then', async () => {
    const home = path.join(dir, 'pods', 'single_pod');
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(path.join(home, 'settings.jsonc'), JSON.stringify(CMIP_POD));
    await fs.writeFile(path.join(home, 'pod.sh'), 'test -f "$TS_FILE"\n');
    await fs.writeFile(path.join(home, 'single_pod.html'), '<html></html>\n');
    const r = await run(
      home,
      path.join(dir, 'work-single'),
      '--case',
      'amip_A:1981-1982',
      '--case',
      'amip_B:1986-1986',
    );
    expect(r.code).to.equal(1);
    const [a] = JSON.parse(r.stdout) as RunReport[];
    expect(a!.pods[0]!.failure)
      .to.match(/driver bash .*pod\.sh exited with 1/)
      .and.include('without CASENAME, startdate, enddate or <VAR>_FILE, as in MDTF 4.2');
  });

  describe('errors', () => {
    it('a case list with a bad date names the file, line and key', async () => {
      const list = path.join(dir, 'bad.yaml');
      await fs.writeFile(
        list,
        'case_list:\n  amip_A:\n    convention: CMIP\n    startdate: "1981-03-01"\n    enddate: "19821231"\n',
      );
      const r = await plan('--case-list', list);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`${list}:4:16: case_list.amip_A.startdate`).and.include('whole years');
    });

    it('the same case twice is refused, not silently merged', async () => {
      const r = await plan('--case', 'amip_A:1981-1982', '--case', 'amip_A:1983-1984');
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('--case: case amip_A is given twice');
    });

    it('a case without a period, or --convention counts that do not fit, are located errors', async () => {
      let r = await plan('--case', 'amip_A');
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(
        '--firstyr: --firstyr is required to run PODs: --case amip_A has no period',
      );
      r = await plan(
        '--case',
        'amip_A:1981-1982',
        '--case',
        'amip_B:1986-1987',
        ...['--convention', 'cmip'],
        ...['--convention', 'cesm'],
        ...['--convention', 'gfdl'],
      );
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('--convention: 3 --convention for 2 --case');
    });

    it('an unknown data convention lists the known ones', async () => {
      const r = await plan('--case', 'amip_A:1981-1982', '--convention', 'cmpi');
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('--convention: unknown convention `cmpi`').and.include('known conventions');
    });

    it("a case list's facet the catalog lacks is located at the case's entry", async () => {
      const list = path.join(dir, 'facet.jsonc');
      await fs.writeFile(
        list,
        '{"case_list": {\n  "amip_A": {"convention": "CMIP", "startdate": "1981", "enddate": "1982", "modle": "X"}\n}}\n',
      );
      const r = await plan('--case-list', list);
      // The whole command stops once, located at the entry, before any variable is tried.
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`${list}:2:3: case_list.amip_A.modle`).and.include('no column "modle"');
    });
  });
});
