import { expect } from 'chai';
import { fairpod, type CliResult } from '../support/cli.js';

/** Runs `fairpod translate ...args`, capturing what it prints. */
function translateCli(...args: string[]): Promise<CliResult> {
  return fairpod('translate', ...args);
}

describe('fairpod translate', () => {
  const found: [args: string[], out: string][] = [
    [['precipitation_rate', '--convention', 'cesm'], 'CESM: PRECT\nunits: m s-1\n'],
    [['air_temperature', '-c', 'GFDL', '--modifier', 'atmos_height'], 'GFDL: t_ref\nunits: K\n'],
    [['geopotential_height', '-c', 'cam', '--level', '500'], 'CESM: Z500\nunits: m\n'],
    [
      ['air_temperature', '-c', 'cesm', '--level', '500'],
      'CESM: T\nunits: K\nlevel to extract: plev=500 hPa\n',
    ],
    [['air_temperature', '-c', 'cmip', '--ndim', '4'], 'CMIP: ta\nunits: K\n'],
    [['cell_area', '-c', 'cmip', '--ndim', '2', '--realm', 'ocean'], 'CMIP: areacello\nunits: m2\n'],
  ];
  for (const [args, out] of found) {
    it(`${args.join(' ')} prints ${out.split('\n')[0]} and exits 0`, async () => {
      const result = await translateCli(...args);
      expect(result).to.deep.include({ code: 0, stdout: out, stderr: '' });
    });
  }

  it('prints the translation as JSON with --json', async () => {
    const result = await translateCli('eastward_wind', '-c', 'cmip6', '--level', '850', '--json');
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.include({
      convention: 'CMIP',
      name: 'ua850',
      units: 'm s-1',
      scalar_coordinates: {},
    });
  });

  const failures: [args: string[], code: number, stderr: string][] = [
    [['eastward_wind', '-c', 'cmip'], 1, 'no CMIP variable for standard name `eastward_wind`'],
    [['no_such_thing', '-c', 'gfdl'], 1, 'does not know this standard name'],
    [['air_temperature', '-c', 'ukesm'], 2, 'unknown convention `ukesm`'],
    [['air_temperature', '-c', 'cmip', '--level', 'high'], 2, '--level "high" is not a pressure in hPa'],
    [['air_temperature', '-c', 'cmip', '--ndim', '7'], 2, ''],
    [['air_temperature'], 2, ''],
  ];
  for (const [args, code, message] of failures) {
    it(`${args.join(' ')} exits ${code}`, async () => {
      const result = await translateCli(...args);
      expect(result.code).to.equal(code);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.contain(message);
    });
  }
});
