import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FairpodError } from '../../src/core/errors.js';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';
import type { NumericArray } from '../../src/preprocess/ncTypes.js';
import { editVarlist, preprocessVariable } from '../../src/preprocess/pipeline.js';
import type { PreprocessRequest } from '../../src/preprocess/steps/step.js';
import type { VarlistEntrySpec } from '../../src/settings/types.js';

/** Runs CDO, writing classic netCDF-3 (so that the comparison also exercises the netCDF-3 reader). */
function cdo(dir: string, name: string, ...args: string[]): string {
  const out = path.join(dir, `${name}.nc`);
  execFileSync('cdo', ['-s', '-O', '-f', 'nc', ...args, out]);
  return out;
}

async function readVar(
  file: string,
  name: string,
): Promise<{ values: NumericArray; dims: string[]; units: unknown }> {
  const r = await openNetcdf(file);
  try {
    const v = r.variable(name);
    return { values: r.read(name), dims: v.dimensions, units: v.attributes.units };
  } finally {
    r.close();
  }
}

/** Equal to float32 precision: each pair within a float32 ulp or two of their magnitude. */
function expectFloat32Close(actual: NumericArray, expected: NumericArray): void {
  expect(actual.length).to.equal(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tol = 2 * 2 ** -23 * Math.max(Math.abs(expected[i]), 1e-30);
    if (Math.abs(actual[i] - expected[i]) > tol)
      expect.fail(`value ${i}: ${actual[i]} vs CDO ${expected[i]}`);
  }
}

describe('preprocessing compared with CDO', function () {
  this.timeout(60000);
  let dir: string;
  let catalog: Record<string, string>[];
  const files = (variable: string, source = 'DEMO-ESM1') =>
    catalog
      .filter(
        (r) =>
          r.variable_id === variable &&
          r.source_id === source &&
          r.member_id === 'r1i1p1f1' &&
          r.version === 'v20200101',
      )
      .map((r) => r.path);
  const request = (over: Partial<PreprocessRequest>): PreprocessRequest => ({
    pod: 'POD',
    caseName: 'CASE',
    varName: 'v',
    frequency: 'mon',
    nativeName: 'ts',
    files: [],
    firstYear: 1983,
    lastYear: 1987,
    workDir: path.join(dir, 'work'),
    ...over,
  });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-pp-'));
    const demo = await writeDemoDataset(path.join(dir, 'data'), {
      chunks: [
        [1980, 1984],
        [1985, 1989],
        [1990, 1994],
      ],
    });
    const csv = fs
      .readFileSync(demo.catalogJson.replace(/\.json$/, '.csv'), 'utf8')
      .trim()
      .split('\n');
    const cols = csv[0].split(',');
    catalog = csv.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const source of ['DEMO-ESM1', 'DEMO-ESM2']) {
    it(`crops and concatenates chunks as cdo mergetime + seldate (${source === 'DEMO-ESM1' ? 'noleap' : 'standard'} calendar), K → degC as addc`, async () => {
      const ts = files('ts', source);
      const { outPath, history } = await preprocessVariable(
        request({ varName: 'tas', units: 'degC', files: [...ts].reverse() }),
      );
      expect(outPath).to.equal(path.join(dir, 'work', 'POD', 'mon', 'CASE.tas.mon.nc'));
      const ref = cdo(
        dir,
        `ts-${source}`,
        '-addc,-273.15',
        '-seldate,1983-01-01T00:00:00,1987-12-31T23:59:59',
        '-mergetime',
        ...ts,
      );
      const ours = await readVar(outPath, 'tas');
      const theirs = await readVar(ref, 'ts');
      expect(ours.dims).to.deep.equal(['time', 'lat', 'lon']);
      expect(ours.units).to.equal('degC');
      expectFloat32Close(ours.values, theirs.values);
      expect(Array.from((await readVar(outPath, 'time')).values)).to.deep.equal(
        Array.from((await readVar(ref, 'time')).values),
      );
      expect(Array.from((await readVar(outPath, 'lat')).values)).to.deep.equal(
        Array.from((await readVar(ref, 'lat')).values),
      );
      expect(execFileSync('cdo', ['-s', 'showtimestamp', outPath], { encoding: 'utf8' })).to.equal(
        execFileSync('cdo', ['-s', 'showtimestamp', ref], { encoding: 'utf8' }),
      );
      expect(history.map((h) => h.split(' ')[0])).to.deep.equal([
        'cropped',
        'concatenated',
        'converted',
        'renamed',
      ]);
    });
  }

  it('extracts 500 hPa as cdo sellevel, converting the level to hPa and renaming to the POD’s names', async () => {
    const ua = files('ua');
    const { outPath } = await preprocessVariable(
      request({
        varName: 'u500',
        nativeName: 'ua',
        units: 'm s-1',
        files: ua,
        scalarCoordinates: { lev: 500 },
        coordinates: { Z: { name: 'lev', units: 'hPa' } },
      }),
    );
    const ref = cdo(
      dir,
      'ua500',
      '-sellevel,50000',
      '-seldate,1983-01-01T00:00:00,1987-12-31T23:59:59',
      '-mergetime',
      ...ua,
    );
    const ours = await readVar(outPath, 'u500');
    expect(ours.dims).to.deep.equal(['time', 'lat', 'lon']);
    expectFloat32Close(ours.values, (await readVar(ref, 'ua')).values);
    const lev = await readVar(outPath, 'lev');
    expect(Array.from(lev.values)).to.deep.equal([500]);
    expect(lev.units).to.equal('hPa');
    const header = execFileSync('ncdump', ['-h', outPath], { encoding: 'utf8' });
    expect(header).to.contain('u500:coordinates = "lev"');
    expect(header).to.match(/:history = ".*extracted plev = 500 hPa \(exact\) from ua/);
  });

  it('takes the nearest level within a tolerance, and only then', async () => {
    const ua = files('ua');
    const near = await preprocessVariable(
      request({
        varName: 'u',
        nativeName: 'ua',
        files: ua,
        scalarCoordinates: { plev: { value: 845, units: 'hPa', tolerance: 10 } },
      }),
    );
    const ref = cdo(
      dir,
      'ua850',
      '-sellevel,85000',
      '-seldate,1983-01-01T00:00:00,1987-12-31T23:59:59',
      '-mergetime',
      ...ua,
    );
    expectFloat32Close((await readVar(near.outPath, 'u')).values, (await readVar(ref, 'ua')).values);
    expect(near.history.join('\n')).to.contain('nearest to 845 hPa');
    const err = await preprocessVariable(
      request({
        varName: 'u2',
        nativeName: 'ua',
        files: ua,
        scalarCoordinates: { plev: { value: 845, units: 'hPa', tolerance: 1 } },
      }),
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FairpodError);
    expect((err as FairpodError).message).to.contain(
      'level 845 hPa not found in plev of ua (levels: 100000, 85000, 50000, 25000 Pa)',
    );
  });

  it('turns a precipitation flux into a rate in mm/day as cdo mulc,86400', async () => {
    const pr = files('pr');
    const { outPath, history } = await preprocessVariable(
      request({ varName: 'prw', nativeName: 'pr', units: 'mm day-1', files: pr }),
    );
    const ref = cdo(
      dir,
      'pr',
      '-mulc,86400',
      '-seldate,1983-01-01T00:00:00,1987-12-31T23:59:59',
      '-mergetime',
      ...pr,
    );
    const ours = await readVar(outPath, 'prw');
    expect(ours.units).to.equal('mm day-1');
    expectFloat32Close(ours.values, (await readVar(ref, 'pr')).values);
    expect(history.join('\n')).to.contain('through the density of water');
  });

  it('keeps ua850 (a level stored as its own variable) after checking its scalar level', async () => {
    const { outPath, history } = await preprocessVariable(
      request({
        varName: 'u850',
        nativeName: 'ua850',
        files: files('ua850'),
        scalarCoordinates: { lev: 850 },
      }),
    );
    const ref = cdo(
      dir,
      'ua850own',
      '-seldate,1983-01-01T00:00:00,1987-12-31T23:59:59',
      '-mergetime',
      ...files('ua850'),
    );
    expectFloat32Close((await readVar(outPath, 'u850')).values, (await readVar(ref, 'ua850')).values);
    expect(history).to.include('checked ua850 is at plev = 85000 Pa');
  });

  it('runs the steps in a configured order, and rejects unknown steps', async () => {
    const ts = files('ts');
    const { history } = await preprocessVariable(request({ varName: 'o', units: 'degC', files: ts }), {
      order: ['units', 'concatenate', 'crop', 'rename'],
    });
    expect(history.map((h) => h.split(' ')[0])).to.deep.equal([
      'converted',
      'concatenated',
      'cropped',
      'renamed',
    ]);
    const err = await preprocessVariable(request({ varName: 'o2', files: ts }), {
      order: ['crop', 'regrid'],
    }).catch((e: unknown) => e);
    expect((err as FairpodError).format()).to.contain('unknown preprocessing step "regrid"');
  });

  it('offers a precipitation rate as alternate of a flux (editRequest)', () => {
    const pr: VarlistEntrySpec = {
      name: 'pr',
      standard_name: 'precipitation_flux',
      units: 'kg m-2 s-1',
      dimensions: ['time', 'lat', 'lon'],
      scalar_coordinates: {},
      requirement: 'required',
      alternates: [],
      use_exact_name: false,
    };
    const edited = editVarlist([pr]);
    expect(edited.map((v) => v.name)).to.deep.equal(['pr', 'pr_as_rate']);
    expect(edited[0].alternates).to.deep.equal([['pr_as_rate']]);
    expect(edited[1]).to.include({
      standard_name: 'precipitation_rate',
      stands_for: 'pr',
      requirement: 'alternate',
      units: 'kg m-2 s-1',
    });
    expect(pr.alternates).to.deep.equal([]);
  });

  describe('bad input fails that data key, naming file and variable, leaving nothing behind', () => {
    const cases: [string, () => Partial<PreprocessRequest>, RegExp][] = [
      [
        'a file that is not netCDF',
        () => ({ files: [writeText('not.nc', 'hello')] }),
        /not\.nc is not a netCDF file/,
      ],
      [
        'a variable missing from the file',
        () => ({ nativeName: 'tas', files: files('ts') }),
        /variable tas not found in .*ts_Amon/,
      ],
      [
        'units that cannot convert',
        () => ({ units: 'm s-1', files: files('ts') }),
        /cannot convert ts from "K" to "m s-1"/,
      ],
      [
        'a requested level not present',
        () => ({ nativeName: 'ua', files: files('ua'), scalarCoordinates: { lev: 700 } }),
        /level 700 hPa not found in plev of ua/,
      ],
      [
        'a calendar fairpod does not know',
        () => ({ files: [withCalendar('lunar')] }),
        /unknown calendar "lunar"/,
      ],
      [
        'overlapping chunks',
        () => ({
          files: [
            ...files('ts'),
            files('ts', 'DEMO-ESM1').map((f) => f.replace('v20200101', 'v20190101'))[1],
          ],
        }),
        /time chunks overlap/,
      ],
    ];
    for (const [what, make, message] of cases) {
      it(what, async () => {
        const work = path.join(dir, `work-${what.replace(/\W+/g, '-')}`);
        const err = await preprocessVariable(request({ ...make(), workDir: work })).catch((e: unknown) => e);
        expect(err, what).to.be.instanceOf(FairpodError);
        const e = err as FairpodError;
        expect(e.message).to.match(message);
        expect(e.location.file, 'names the file').to.be.a('string');
        const left = fs.existsSync(work)
          ? (fs.readdirSync(work, { recursive: true }) as string[]).filter(
              (f) => f.endsWith('.nc') || f.endsWith('.tmp'),
            )
          : [];
        expect(left, 'nothing half-written').to.deep.equal([]);
      });
    }
  });

  function writeText(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  /** A copy of a ts chunk whose time axis claims another calendar (edited with NCO). */
  function withCalendar(calendar: string): string {
    const out = path.join(dir, `ts-${calendar}.nc`);
    execFileSync('ncatted', ['-O', '-a', `calendar,time,o,c,${calendar}`, files('ts')[0], out]);
    return out;
  }
});
