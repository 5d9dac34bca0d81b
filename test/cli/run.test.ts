import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../src/core/report.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { parseStageTimes, STAGES } from '../../src/core/stageTimes.js';
import { Project } from '../../src/registry/project.js';
import { demoCase, fairpod } from '../support/cli.js';

describe('fairpod run and plan on the demo dataset', function () {
  let dir: string;
  let catalog: string;
  const caseArgs = (...extra: string[]) => [
    '-m',
    'filesystem',
    '--catalog',
    catalog,
    ...demoCase(),
    ...extra,
  ];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-run-'));
    catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  async function plan(...args: string[]): Promise<{ code: number; report: RunReport; stderr: string }> {
    const r = await fairpod('plan', ...args, '--json');
    return {
      code: r.code,
      report: r.code === 70 ? ({} as RunReport) : (JSON.parse(r.stdout || '{}') as RunReport),
      stderr: r.stderr,
    };
  }

  it('plan explains the alternate, the chosen experiment and what was dropped, and writes nothing', async () => {
    const workDir = path.join(dir, 'plan-work');
    const { code, report } = await plan('demo_alternate', ...caseArgs('--work-dir', workDir));
    expect(code).to.equal(0);
    const vars = Object.fromEntries(report.pods[0]!.variables.map((v) => [v.name, v]));
    expect(vars.tas!.status).to.equal('FAILED');
    expect(vars.tas!.alternateUsed).to.deep.equal(['ts']);
    expect(vars.ts!.experiment).to.include({
      source_id: 'DEMO-ESM1',
      member_id: 'r1i1p1f1',
      version: 'v20200101',
    });
    expect(vars.ts!.files).to.have.length(1);
    expect(vars.ts!.files[0]!.period).to.equal('1985-01-01..1989-12-31');
    expect(vars.pr!.decisions.join('\n'))
      .to.match(/tie-breaker "lowest ensemble member"/)
      .and.match(/tie-breaker "newest version"/);
    expect(report.totals.files).to.equal(2);
    expect(report.totals.bytes).to.be.greaterThan(0);
    await fs.access(workDir).then(
      () => expect.fail('plan must not create the work directory'),
      () => undefined,
    );
  });

  it('plan prints one line per POD variable without --json: the experiment, the files, their period', async () => {
    const r = await fairpod('plan', 'demo_plev', ...caseArgs());
    expect(r.code).to.equal(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      /^ {2}u850 as ua850 \[required\] ACTIVE: .*source_id=DEMO-ESM1.*; 1 file\(s\) 1985-01-01\.\.1989-12-31$/,
    );
    expect(r.stdout).to.not.match(/query:|chosen:|file:|\(directory\)/);
    expect(r.stdout).to.match(/1 file\(s\), .* 0 B to fetch; 1 already local/);
    expect(r.stdout).to.match(/--verbose/);
  });

  it('plan --verbose prints the queries, decisions and files; --json the same as data', async () => {
    const r = await fairpod('plan', 'demo_plev', ...caseArgs('--verbose'));
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/u850 as ua850 \[required\] ACTIVE\n/);
    expect(r.stdout).to.match(/query: variable_id=ua850 .*period=1985\.\.1989: \d+ candidate file\(s\)/);
    expect(r.stdout).to.match(/chosen: .*source_id=DEMO-ESM1/);
    expect(r.stdout).to.match(/ {4}file: .*ua850.*\[1985-01-01\.\.1989-12-31\]/);
    const { report } = await plan('demo_plev', ...caseArgs('--verbose'));
    const v = report.pods[0]!.variables[0]!;
    expect(v.files).to.have.length(1);
    expect(v.decisions.join('\n')).to.match(/tie-breaker/);
  });

  it('--facet pins a column', async () => {
    const { code, report } = await plan('demo_plev', ...caseArgs('--facet', 'source_id=DEMO-ESM2'));
    expect(code).to.equal(0);
    expect(report.pods[0]!.variables[0]!.experiment!.source_id).to.equal('DEMO-ESM2');
  });

  it('an unknown --facet stops the whole command once (exit 2), before any variable or run', async () => {
    const project = path.join(dir, 'facet-project');
    for (const command of ['plan', 'run']) {
      const r = await fairpod(
        command,
        'demo_alternate',
        'demo_plev',
        ...caseArgs('--facet', 'sorce_id=DEMO-ESM2', ...(command === 'run' ? ['--project', project] : [])),
      );
      expect(r.code, command).to.equal(2);
      expect(r.stderr.match(/the catalog has no column "sorce_id"/g), command).to.have.length(1);
      expect(r.stderr).to.contain('source_id');
    }
    // Nothing recorded: no project made, or one without code runs.
    const made = await fs.stat(path.join(project, '.fairpod')).then(
      () => true,
      () => false,
    );
    if (made) {
      const opened = await Project.open(project);
      try {
        expect(await opened.registry.knex('code_run').count({ n: '*' }).first()).to.deep.include({ n: 0 });
      } finally {
        await opened.close();
      }
    }
  });

  it('--strict makes the ambiguous model choice an error', async () => {
    const r = await fairpod('plan', 'demo_plev', ...caseArgs('--strict'));
    expect(r.code).to.not.equal(0);
    expect(r.stderr)
      .to.match(/ambiguous experiment for the case/)
      .and.match(/--facet/);
  });

  it('--strict with every column pinned succeeds', async () => {
    const { code } = await plan(
      'demo_plev',
      ...caseArgs(
        '--strict',
        '--facet',
        'source_id=DEMO-ESM2',
        '--facet',
        'member_id=r2i1p1f1',
        '--facet',
        'version=v20190101',
      ),
    );
    expect(code).to.equal(0);
  });

  it("run places each variable where its POD expects it and runs the drivers with MDTF's environment", async () => {
    const workDir = path.join(dir, 'work');
    const project = path.join(dir, 'project');
    const r = await fairpod(
      'run',
      'demo_alternate',
      'demo_plev',
      ...caseArgs('--work-dir', workDir, '--project', project, '--json'),
    );
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.pods.map((p) => [p.name, p.ok, p.driver?.exitCode])).to.deep.equal([
      ['demo_alternate', true, 0],
      ['demo_plev', true, 0],
    ]);
    for (const f of [
      'demo_alternate/mon/DEMO.ts.mon.nc',
      'demo_alternate/mon/DEMO.pr.mon.nc',
      'demo_plev/mon/DEMO.u850.mon.nc',
    ]) {
      await fs.access(path.join(workDir, f));
    }
    const summary = await fs.readFile(path.join(workDir, 'demo_plev', 'output', 'summary.txt'), 'utf8');
    expect(summary)
      .to.match(/^case DEMO 1985-1989/)
      .and.match(/u850 \(u850 in DEMO\.u850\.mon\.nc\): shape 60x8x16/);
    const log = await fs.readFile(path.join(workDir, 'demo_alternate', 'demo_alternate.log'), 'utf8');
    expect(log).to.match(/demo_alternate: temperature and precipitation/);
    expect(
      (await fs.readdir(path.join(workDir, 'demo_alternate', 'mon'))).filter((n) => n.includes('partial')),
    ).to.deep.equal([]);
  });

  it('run records one finished code run per POD: settings and fetched files in, preprocessed files and outputs out', async () => {
    const project = path.join(dir, 'project');
    process.env.FAIRPOD_PROJECT = project;
    try {
      const log = await fairpod('log');
      expect(log.code, log.stderr).to.equal(0);
      const runs = log.stdout.trim().split('\n');
      expect(runs).to.have.length(2);
      expect(runs[0], log.stdout).to.match(
        // in: settings, page template, the fetched file (the driver is the script); out: the preprocessed file, summary.txt, the
        // log, the filled page, case_info.yml, the catalog of preprocessed data (.json, .csv), the data log.
        /succeeded +3 in, 8 out +fairpod run: POD demo_plev, case DEMO 1985-1989/,
      );
      expect(runs[1]).to.match(
        /succeeded +4 in, 9 out +fairpod run: POD demo_alternate, case DEMO 1985-1989/,
      );
      const info = await fairpod('info', runs[0]!.split(' ')[0]!);
      expect(info.stdout).to.include(path.join(dir, 'work', 'demo_plev', 'mon', 'DEMO.u850.mon.nc'));
      // What the POD produced is in the store, each file a data product of the POD and case.
      expect(info.stdout).to.match(
        /\.fairpod\/store\/\S+ +sha1 [0-9a-f]{40} +\(\S+:demo_plev\/DEMO\/output\/summary\.txt@0\.0\.1\)/,
      );
      expect(info.stdout).to.match(
        /ua850_Amon_DEMO-ESM1_historical_r1i1p1f1_gn_198501-198912\.nc +sha1 [0-9a-f]{40}/,
      );
    } finally {
      delete process.env.FAIRPOD_PROJECT;
    }
  });

  it('--timings prints the wall time of each stage on stderr; a plan spends none in the stages only a run has', async () => {
    const r = await fairpod(
      'run',
      'demo_plev',
      ...caseArgs(
        '--work-dir',
        path.join(dir, 'timed-work'),
        '--project',
        path.join(dir, 'timed-project'),
        '--json',
        '--timings',
      ),
    );
    expect(r.code, r.stderr).to.equal(0);
    expect((JSON.parse(r.stdout) as RunReport).pods[0]!.ok).to.equal(true);
    const run = parseStageTimes(r.stderr);
    expect(Object.keys(run)).to.deep.equal(['start-up', ...STAGES, 'other', 'total']);
    for (const stage of [
      'catalog load',
      'query',
      'preprocess',
      'POD drivers',
      'registry recording',
      'POD output',
    ])
      expect(run[stage], stage).to.be.greaterThan(0);
    const sum = Object.entries(run).reduce((n, [k, v]) => (k === 'total' ? n : n + v), 0);
    expect(sum).to.be.closeTo(run.total!, 0.01);
    const p = await fairpod('plan', 'demo_plev', ...caseArgs('--timings'));
    expect(p.code).to.equal(0);
    const plan = parseStageTimes(p.stderr);
    expect(plan.query).to.be.greaterThan(0);
    for (const stage of ['preprocess', 'POD drivers', 'registry recording', 'POD output'])
      expect(plan[stage], stage).to.equal(0);
    expect(parseStageTimes((await fairpod('plan', 'demo_plev', ...caseArgs())).stderr)).to.deep.equal({});
  });

  it('a file missing on disk fails its data key and another version is chosen', async () => {
    const { report } = await plan('demo_plev', ...caseArgs());
    const chosen = report.pods[0]!.variables[0]!.files[0]!.id;
    const copy = path.join(dir, 'moved.nc');
    await fs.rename(chosen, copy);
    try {
      const again = await plan('demo_plev', ...caseArgs());
      const v = again.report.pods[0]!.variables[0]!;
      expect(again.code).to.equal(0);
      expect(v.experiment!.version).to.equal('v20190101');
      expect(v.decisions.join('\n')).to.include(
        `dropped ${chosen}: file listed in the catalog is missing on disk`,
      );
    } finally {
      await fs.rename(copy, chosen);
    }
  });

  it('a chosen file that is not netCDF fails its data key in preprocessing, and another version is used', async () => {
    const { report } = await plan('demo_plev', ...caseArgs());
    const chosen = report.pods[0]!.variables[0]!.files[0]!.id;
    const original = await fs.readFile(chosen);
    await fs.writeFile(chosen, 'this is not netCDF');
    try {
      const workDir = path.join(dir, 'work-corrupt');
      const r = await fairpod(
        'run',
        'demo_plev',
        ...caseArgs('--work-dir', workDir, '--no-record', '--json'),
      );
      expect(r.code, r.stderr).to.equal(0);
      const v = (JSON.parse(r.stdout) as RunReport).pods[0]!.variables[0]!;
      expect(v.experiment!.version).to.equal('v20190101');
      expect(v.decisions.join('\n'))
        .to.include(`dropped ${chosen}:`)
        .and.match(/not a netCDF file/);
    } finally {
      await fs.writeFile(chosen, original);
    }
  });

  it('a POD whose driver fails is reported with its exit code and log', async () => {
    const podDir = path.join(dir, 'failing_pod');
    await fs.mkdir(podDir, { recursive: true });
    const settings = await fs.readFile(
      path.join(PACKAGE_ROOT, 'settings', 'pods', 'demo_plev', 'settings.jsonc'),
      'utf8',
    );
    await fs.writeFile(path.join(podDir, 'settings.jsonc'), settings.replace('demo_plev.js', 'fail.sh'));
    await fs.writeFile(path.join(podDir, 'fail.sh'), 'echo "u850 is $u850_var in $U850_FILE"; exit 3\n');
    const r = await fairpod(
      'run',
      podDir,
      ...caseArgs('--work-dir', path.join(dir, 'work-fail'), '--no-record'),
    );
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/POD failing_pod: FAILED \(driver exit 3/);
    const log = await fs.readFile(path.join(dir, 'work-fail', 'failing_pod', 'failing_pod.log'), 'utf8');
    expect(log).to.equal(
      `u850 is u850 in ${path.join(dir, 'work-fail', 'failing_pod', 'mon', 'DEMO.u850.mon.nc')}\n`,
    );
  });
});

/** `COMMAND POD -m MANAGER --case C --firstyr 1 --lastyr 2 ...extra`. */
function caseCommand(command: 'plan' | 'run', pod: string, manager: string, ...extra: string[]): string[] {
  return [command, pod, '-m', manager, '--case', 'C', '--firstyr', '1', '--lastyr', '2', ...extra];
}

describe('fairpod run: bad input', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-badrun-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('an unknown data manager is an error listing the known ones', async () => {
    const r = await fairpod(...caseCommand('plan', 'demo_plev', 'nonesuch'));
    expect(r.code).to.equal(2);
    expect(r.stderr)
      .to.match(/unknown data manager "nonesuch"/)
      .and.match(/known data managers: filesystem/);
  });

  it('data manager names ignore case, `_`, `-` and spaces', async () => {
    const r = await fairpod(...caseCommand('plan', 'demo_plev', 'Local-Files'));
    expect(r.stderr).to.match(/the filesystem data manager needs --catalog/);
  });

  it('firstyr after lastyr is an error', async () => {
    const r = await fairpod(
      'plan',
      'demo_plev',
      '-m',
      'filesystem',
      '--case',
      'C',
      '--firstyr',
      '1990',
      '--lastyr',
      '1980',
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--firstyr 1990 is after --lastyr 1980/);
  });

  it('an unknown POD names the shipped ones', async () => {
    const r = await fairpod(...caseCommand('plan', 'no_such_pod', 'filesystem'));
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/shipped PODs: demo_alternate, demo_plev/);
  });

  it('a settings file with a missing comma fails with its line before any work', async () => {
    const bad = path.join(dir, 'bad.jsonc');
    const text = await fs.readFile(
      path.join(PACKAGE_ROOT, 'settings', 'pods', 'demo_plev', 'settings.jsonc'),
      'utf8',
    );
    await fs.writeFile(bad, text.replace('"realm": "atmos",', '"realm": "atmos"'));
    const line = text.split('\n').findIndex((l) => l.includes('"realm": "atmos",')) + 1;
    const r = await fairpod(
      ...caseCommand(
        'run',
        bad,
        'filesystem',
        '--catalog',
        'x.json',
        '--work-dir',
        path.join(dir, 'w'),
        '--no-record',
      ),
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include(`${bad}:${line}:`);
    await fs.access(path.join(dir, 'w')).then(
      () => expect.fail('nothing may be written for bad settings'),
      () => undefined,
    );
  });

  it('a malformed catalog row is a located error', async () => {
    const json = path.join(dir, 'cat.json');
    await fs.writeFile(
      json,
      JSON.stringify({
        esmcat_version: '0.1.0',
        attributes: [],
        assets: { column_name: 'path', format: 'netcdf' },
        catalog_file: 'cat.csv',
      }),
    );
    await fs.writeFile(path.join(dir, 'cat.csv'), 'variable_id,path\nua850,a.nc\nua850,b.nc,extra\n');
    const r = await fairpod(...caseCommand('plan', 'demo_plev', 'filesystem', '--catalog', json));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include(`${path.join(dir, 'cat.csv')}:3`);
  });
});

describe('fairpod plugins', () => {
  for (const args of [
    ['plan', '--help'],
    ['help', 'plan'],
  ]) {
    it(`fairpod ${args.join(' ')} lists the plugins' options, with the plugins that take them`, async () => {
      const r = await fairpod(...args);
      expect(r.code).to.equal(0);
      expect(r.stdout)
        .to.match(/--catalog-file <path> +table to use instead/)
        .and.match(/--max-connections <n> +downloads at once \(default: 8\) \[http\]/);
    });
  }

  it('lists the filesystem plugin with its aliases and options', async () => {
    const r = await fairpod('plugins');
    expect(r.code).to.equal(0);
    expect(r.stdout)
      .to.match(/^filesystem \(aliases: local, local_files, esm_catalog\)/m)
      .and.match(/--catalog <path> +ESM catalog.*\(path, required\)/);
  });
});
