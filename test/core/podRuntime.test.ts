import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { RunReport } from '../../src/core/report.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { browseResults } from '../support/browser.js';
import { demoCase, fairpod } from '../support/cli.js';
import { saveEnv } from '../support/env.js';

/** A small PostScript figure, as a POD's plotting library would write it. */
const FIGURE_PS = `%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 200 100
0 0.5 0 setrgbcolor 10 10 180 80 rectfill showpage
`;

/**
 * A POD the test writes: a bash driver that dumps its environment, reads its obs data, and writes a PS figure
 * in model/PS; its page template links the PNG fairpod makes of it (and, with `extraLink`, a file never made).
 */
async function writePod(dir: string, name: string, extraLink = ''): Promise<string> {
  const home = path.join(dir, 'pods', name);
  await fs.mkdir(path.join(home, 'lib'), { recursive: true });
  await fs.writeFile(
    path.join(home, 'settings.jsonc'),
    // RATIO is written 1.0, as a float, which Python keeps apart from the int 1.
    JSON.stringify({
      settings: {
        driver: 'driver.sh',
        long_name: `runtime test ${name}`,
        description: `Runtime test POD ${name}`,
        convention: 'cmip',
        pod_env_vars: { YEARS: 1979, RATIO: 1, MONTHS: [12, 1, 2], SAVE: false, API_TOKEN: 's3cret' },
        runtime_requirements: { bash: [] },
      },
      data: { frequency: 'mon' },
      dimensions: {
        lat: { standard_name: 'latitude', units: 'degrees_north', axis: 'Y' },
        lon: { standard_name: 'longitude', units: 'degrees_east', axis: 'X' },
        time: { standard_name: 'time' },
      },
      varlist: {
        tas: {
          standard_name: 'air_temperature',
          modifier: 'atmos_height',
          realm: 'atmos',
          units: 'K',
          dimensions: ['time', 'lat', 'lon'],
          alternates: ['ts'],
        },
        ts: {
          standard_name: 'surface_temperature',
          realm: 'atmos',
          units: 'K',
          dimensions: ['time', 'lat', 'lon'],
          requirement: 'alternate',
          path_variable: 'TS_INPUT',
        },
      },
    }).replace('"RATIO":1,', '"RATIO":1.0,'),
  );
  await fs.writeFile(
    path.join(home, 'driver.sh'),
    [
      'set -e',
      'env | sort > "$WORK_DIR/env.txt"',
      'cat "$OBS_DATA/clim.txt"',
      'source "$POD_HOME/lib/figure.sh"',
      '[ -f "$TAS_FILE" ] && echo "tas given" || echo "tas not given"',
      'echo "ts in $TS_INPUT"',
    ].join('\n'),
  );
  await fs.writeFile(
    path.join(home, 'lib', 'figure.sh'),
    `cat > "$WORK_DIR/model/PS/fig.eps" <<'EOF'\n${FIGURE_PS}EOF\n`,
  );
  await fs.writeFile(
    path.join(home, `${name}.html`),
    `<title>{{long_name}}</title>\n<h3>{{ CASENAME }} {{startdate}}-{{enddate}} ({{convention}}), months {{MONTHS}}, {{UNKNOWN}}</h3>\n` +
      `<a href=model/fig.png>figure</a>${extraLink}\n`,
  );
  return home;
}

describe("POD runtime: MDTF 4.2's environment, output tree, figures, pages and index", function () {
  this.timeout(120_000);
  let dir: string;
  let catalog: string;
  let work: string;
  let report: RunReport;
  let code: number;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-runtime-'));
    catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
    await writePod(dir, 'rt_ok');
    await writePod(dir, 'rt_missing', '\n<a href="model/never_made.png">missing</a>');
    for (const pod of ['rt_ok', 'rt_missing']) {
      await fs.mkdir(path.join(dir, 'obs', pod), { recursive: true });
      await fs.writeFile(path.join(dir, 'obs', pod, 'clim.txt'), 'obs climatology\n');
    }
    work = path.join(dir, 'work');
    const r = await fairpod(
      'run',
      path.join(dir, 'pods', 'rt_ok'),
      path.join(dir, 'pods', 'rt_missing'),
      ...['-m', 'filesystem', '--catalog', catalog, ...demoCase()],
      ...[
        '--work-dir',
        work,
        '--obs-data-root',
        path.join(dir, 'obs'),
        '--project',
        path.join(dir, 'project'),
      ],
      '--json',
    );
    code = r.code;
    report = JSON.parse(r.stdout) as RunReport;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  async function inProject<T>(f: () => Promise<T>): Promise<T> {
    const saved = saveEnv('FAIRPOD_PROJECT');
    process.env.FAIRPOD_PROJECT = path.join(dir, 'project');
    try {
      return await f();
    } finally {
      saved.restore();
    }
  }

  async function envOf(pod: string): Promise<Record<string, string>> {
    const text = await fs.readFile(path.join(work, pod, 'env.txt'), 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  }

  it("sets MDTF 4.2's variables, keeps MDTF 3's, and stringifies pod_env_vars as Python's str()", async () => {
    const env = await envOf('rt_ok');
    const podWork = path.join(work, 'rt_ok');
    expect(env).to.include({
      WORK_DIR: podWork,
      WK_DIR: podWork,
      DATADIR: podWork,
      POD_HOME: path.join(dir, 'pods', 'rt_ok'),
      OBS_DATA: path.join(dir, 'obs', 'rt_ok'),
      CASENAME: 'DEMO',
      startdate: '19850101',
      enddate: '19891231',
      FIRSTYR: '1985',
      LASTYR: '1989',
      convention: 'CMIP',
      MPLBACKEND: 'Agg',
      RGB: path.join(dir, 'shared', 'rgb'),
      case_env_file: path.join(podWork, 'case_info.yml'),
      CATALOG_FILE: path.join(podWork, 'MDTF_postprocessed_data.json'),
      YEARS: '1979',
      RATIO: '1.0',
      MONTHS: '[12, 1, 2]',
      SAVE: 'False',
      time_coord: 'time',
      lat_coord: 'lat',
    });
  });

  it('sets variables for every varlist entry: the unused one gets the path it would have had; path_variable is honoured', async () => {
    const env = await envOf('rt_ok');
    expect(env.TAS_FILE).to.equal(path.join(work, 'rt_ok', 'mon', 'DEMO.tas.mon.nc'));
    expect(env.tas_var).to.equal('tas');
    expect(env.TS_INPUT).to.equal(path.join(work, 'rt_ok', 'mon', 'DEMO.ts.mon.nc'));
    expect(env).to.not.have.property('TS_FILE');
    const log = await fs.readFile(path.join(work, 'rt_ok', 'rt_ok.log'), 'utf8');
    expect(log)
      .to.include('obs climatology')
      .and.include('tas not given')
      .and.include(`ts in ${env.TS_INPUT}`);
    const caseInfo = YAML.parse(await fs.readFile(env.case_env_file!, 'utf8')) as {
      CATALOG_FILE: string;
      CASE_LIST: Record<string, Record<string, string>>;
    };
    expect(caseInfo.CATALOG_FILE).to.equal(env.CATALOG_FILE);
    expect(caseInfo.CASE_LIST.DEMO).to.include({ TS_INPUT: env.TS_INPUT, ts_var: 'ts', CASENAME: 'DEMO' });
    const table = await fs.readFile(path.join(work, 'rt_ok', 'MDTF_postprocessed_data.csv'), 'utf8');
    expect(table).to.include(env.TS_INPUT).and.include('DEMO-ESM1');
  });

  it("makes MDTF's output tree, converts the PS figure to PNG in model/ and fills the page", async () => {
    for (const d of ['model/PS', 'model/netCDF', 'obs/PS', 'obs/netCDF']) {
      expect((await fs.stat(path.join(work, 'rt_ok', d))).isDirectory()).to.equal(true);
    }
    const png = await fs.readFile(path.join(work, 'rt_ok', 'model', 'fig.png'));
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
    const page = await fs.readFile(path.join(work, 'rt_ok', 'rt_ok.html'), 'utf8');
    expect(page).to.include('<h3>DEMO 19850101-19891231 (CMIP), months [12, 1, 2], {{UNKNOWN}}</h3>');
    expect(page).to.include('<title>runtime test rt_ok</title>');
  });

  it('a POD that exits 0 but whose page links a missing figure is reported and recorded as failed', async () => {
    expect(code).to.equal(1);
    const byName = Object.fromEntries(report.pods.map((p) => [p.name, p]));
    expect(byName.rt_ok!.ok).to.equal(true);
    expect(byName.rt_missing!.ok).to.equal(false);
    expect(byName.rt_missing!.driver!.exitCode).to.equal(0);
    expect(byName.rt_missing!.failure).to.match(
      /exited 0 but 1 file\(s\) its page rt_missing\.html links are missing: model\/never_made\.png/,
    );
    const log = await inProject(() => fairpod('log'));
    const lines = log.stdout.split('\n');
    expect(lines.find((l) => l.includes('POD rt_missing'))).to.match(/failed/);
    expect(lines.find((l) => l.includes('POD rt_ok'))).to.match(/succeeded/);
  });

  it('records all POD code files (the driver as the script), the obs file, and the environment without secrets', async () => {
    const ok = report.pods.find((p) => p.name === 'rt_ok')!;
    const info = await inProject(() => fairpod('info', ok.codeRun!));
    expect(info.code, info.stderr).to.equal(0);
    // The driver is the run's submission_script; the POD's other files are its inputs.
    for (const f of ['lib/figure.sh', 'rt_ok.html', 'settings.jsonc']) {
      expect(info.stdout).to.include(path.join(dir, 'pods', 'rt_ok', f));
    }
    expect(info.stdout).to.include(path.join(dir, 'obs', 'rt_ok', 'clim.txt'));
    expect(info.stdout).to.match(/sha1 [0-9a-f]{40} +\(\S+:rt_ok\/DEMO\/model\/fig\.png@0\.0\.1\)/);
    const store = path.join(dir, 'project', '.fairpod', 'store');
    // The run's configuration is stored as `<namespace>/config/<sha1>.yaml`.
    const entries = await fs.readdir(store, { recursive: true, withFileTypes: true });
    const configs = entries.filter((e) => e.isFile() && e.name.endsWith('.yaml'));
    const texts = await Promise.all(configs.map((e) => fs.readFile(path.join(e.parentPath, e.name), 'utf8')));
    const config = texts.find((t) => t.includes('rt_ok') && t.includes('environment:'));
    expect(config, 'the run config with its environment').to.be.a('string');
    expect(config).to.include('MONTHS:').and.include('API_TOKEN: <redacted>').and.not.include('s3cret');
  });

  it('index.html links every POD with its status; in headless Chromium links resolve and figures show', async () => {
    const index = await fs.readFile(path.join(work, 'index.html'), 'utf8');
    expect(index)
      .to.match(/rt_ok\): <span class="status">succeeded/)
      .and.match(/rt_missing\): <span class="status">FAILED/);
    const site = await browseResults(path.join(work, 'index.html'));
    expect(site.brokenImages).to.deep.equal([]);
    // The failed POD's page links a file it never made; everything the index itself links resolves.
    expect(site.brokenLinks).to.deep.equal([path.join(work, 'rt_missing', 'model', 'never_made.png')]);
    expect(site.figures.map((f) => path.relative(work, f.file)).sort()).to.deep.equal([
      'rt_missing/model/fig.png',
      'rt_ok/model/fig.png',
    ]);
  });

  it("a later run into the same work dir replaces its PODs' entries of index.html and keeps the others", async () => {
    const entriesFile = path.join(work, 'fairpod-index.json');
    const before = JSON.parse(await fs.readFile(entriesFile, 'utf8')) as { name: string; finished: string }[];
    const r = await fairpod(
      'run',
      path.join(dir, 'pods', 'rt_ok'),
      ...[
        '-m',
        'filesystem',
        '--catalog',
        catalog,
        '--case',
        'LATER',
        '--firstyr',
        '1986',
        '--lastyr',
        '1987',
      ],
      ...['--work-dir', work, '--obs-data-root', path.join(dir, 'obs'), '--no-record'],
    );
    expect(r.code, r.stdout).to.equal(0);
    const after = JSON.parse(await fs.readFile(entriesFile, 'utf8')) as {
      name: string;
      ok: boolean;
      finished: string;
      cases: { name: string }[];
    }[];
    expect(after.map((e) => e.name)).to.deep.equal(before.map((e) => e.name));
    const ok = after.find((e) => e.name === 'rt_ok')!;
    expect(ok.cases.map((c) => c.name)).to.deep.equal(['LATER']);
    expect(after.find((e) => e.name === 'rt_missing')).to.deep.equal(
      before.find((e) => e.name === 'rt_missing'),
    );
    const index = await fs.readFile(path.join(work, 'index.html'), 'utf8');
    expect(index)
      .to.match(/rt_missing\): <span class="status">FAILED/)
      .and.include('Case: LATER (19860101-19871231, CMIP)');
  });

  it('a POD reading obs data without --obs-data-root fails before running, naming what it needs', async () => {
    const r = await fairpod(
      'run',
      path.join(dir, 'pods', 'rt_ok'),
      ...['-m', 'filesystem', '--catalog', catalog, ...demoCase()],
      ...['--work-dir', path.join(dir, 'work-noobs'), '--no-record'],
    );
    expect(r.code).to.equal(1);
    expect(r.stdout)
      .to.match(
        /POD rt_ok reads observational data but no --obs-data-root was given: \$OBS_DATA is used in driver\.sh:3/,
      )
      .and.match(
        /give --obs-data-root DIR with the POD's obs data in DIR\/rt_ok\/ \(expected there: clim\.txt\)/,
      );
    await fs.access(path.join(dir, 'work-noobs', 'rt_ok', 'rt_ok.log')).then(
      () => expect.fail('the driver must not have run'),
      () => undefined,
    );
  });
});

describe('POD runtime: runtime_requirements are checked before the run', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-requirements-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('a Python package the interpreter lacks, and an interpreter not on PATH, fail the POD before it runs', async () => {
    const catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
    const home = await writePod(dir, 'rt_reqs');
    const settingsFile = path.join(home, 'settings.jsonc');
    const settings = JSON.parse(await fs.readFile(settingsFile, 'utf8')) as {
      settings: { runtime_requirements: Record<string, string[]> };
    };
    settings.settings.runtime_requirements = {
      python3: ['json', 'no_such_module_fairpod'],
      no_such_interpreter_fairpod: [],
    };
    await fs.writeFile(settingsFile, JSON.stringify(settings));
    await fs.mkdir(path.join(dir, 'obs', 'rt_reqs'), { recursive: true });
    const r = await fairpod(
      'run',
      home,
      ...['-m', 'filesystem', '--catalog', catalog, ...demoCase()],
      ...['--work-dir', path.join(dir, 'work'), '--obs-data-root', path.join(dir, 'obs'), '--no-record'],
      ...['--python', '/usr/bin/python3'],
    );
    expect(r.code).to.equal(1);
    expect(r.stdout)
      .to.match(/POD rt_reqs was not run: its runtime_requirements are not met/)
      .and.match(/python3 packages missing from \/usr\/bin\/python3: no_such_module_fairpod \(/)
      .and.match(/no_such_interpreter_fairpod interpreter no_such_interpreter_fairpod is not on PATH/);
  });
});
