import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';
import { runFairpod } from '../faults/support.js';
import { NLAT, NLON, writeLevelsFile } from '../support/levelsFile.js';

describe('fairpod preprocess', function () {
  this.timeout(60000);
  let dir: string;
  let input: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-cli-pp-'));
    input = path.join(dir, 'ta.nc');
    await writeLevelsFile(input);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('crops, extracts a level, converts, renames and deflates one variable into the file named', async () => {
    const out = path.join(dir, 'out', 'ta500.nc');
    const r = await runFairpod([
      'preprocess',
      input,
      ...['--var', 'ta', '--firstyr', '1992', '--lastyr', '1992', '--level', '500', '--units', 'degC'],
      ...['--rename', 'ta500', '--deflate', '1', '-o', out],
    ]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain('cropped ta to 1992-1992: 12 of 36 steps');
    expect(r.stdout).to.contain('extracted plev = 50000 Pa');
    expect(r.stdout).to.contain(`wrote ${out}`);
    const f = await openNetcdf(out);
    try {
      const v = f.variable('ta500');
      expect(v.dimensions).to.deep.equal(['time', 'lat', 'lon']);
      expect(v.attributes.units).to.equal('degC');
      // File step 24 (January 1992), 500 hPa (level 2), first point.
      expect(f.read('ta500', [[0, 1]])[0]).to.be.closeTo(200 + 24 + (2 * NLAT * NLON) / 10 - 273.15, 1e-4);
    } finally {
      f.close();
    }
  });

  it('without options copies the variable whole', async () => {
    const out = path.join(dir, 'copy.nc');
    const r = await runFairpod(['preprocess', input, '--var', 'ta', '-o', out]);
    expect(r.code).to.equal(0);
    const f = await openNetcdf(out);
    try {
      expect(f.variable('ta').shape).to.deep.equal([36, 4, NLAT, NLON]);
    } finally {
      f.close();
    }
  });

  for (const [args, message] of [
    [['--firstyr', '1990'], '--firstyr and --lastyr go together'],
    [['--firstyr', '1991', '--lastyr', '1990'], '--lastyr 1990 is before --firstyr 1991'],
    [['--deflate', '10'], '--deflate "10" is not a whole number from 1 to 9'],
    [['--level', 'high'], '--level "high" is not a number'],
    [['--level', '550'], 'level 550 hPa not found in plev of ta'],
    [['--units', 'm'], 'cannot convert ta from "K" to "m"'],
  ] as const) {
    it(`refuses ${args.join(' ')} and writes nothing`, async () => {
      const out = path.join(dir, 'refused.nc');
      const r = await runFairpod(['preprocess', input, '--var', 'ta', ...args, '-o', out]);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.contain(message);
      expect(fs.existsSync(out)).to.equal(false);
      expect(fs.readdirSync(dir).filter((f) => f.includes('refused'))).to.deep.equal([]);
    });
  }

  it('names the file and the variable when the file lacks it', async () => {
    const r = await runFairpod(['preprocess', input, '--var', 'tas', '-o', path.join(dir, 'x.nc')]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`variable tas not found in ${input}`);
    expect(r.stderr).to.contain('the file holds: time, plev, lat, lon, ta');
  });
});
