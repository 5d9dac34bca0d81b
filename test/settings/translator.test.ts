import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { container } from 'tsyringe';
import { FairpodError } from '../../src/core/errors.js';
import { DEFAULT_FIELDLIST_DIR } from '../../src/settings/fieldlist.js';
import { Translator, type PodDimensions } from '../../src/settings/translator.js';
import type { TranslationRequest } from '../../src/settings/types.js';

function request(standard_name: string, extra: Partial<TranslationRequest> = {}): TranslationRequest {
  return {
    name: 'v',
    standard_name,
    dimensions: ['time', 'lat', 'lon'],
    scalar_coordinates: {},
    use_exact_name: false,
    ...extra,
  };
}

function thrown(fn: () => unknown): FairpodError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FairpodError);
    return err as FairpodError;
  }
  expect.fail('expected a FairpodError');
}

describe('translator: matching rules', () => {
  const translator = new Translator();
  const hPa: PodDimensions = { plev: { standard_name: 'air_pressure', units: 'hPa' } };
  const pa: PodDimensions = { plev: { standard_name: 'air_pressure', units: 'Pa' } };

  const cases: [
    what: string,
    convention: string,
    req: TranslationRequest,
    dims: PodDimensions | undefined,
    name: string,
    left: Record<string, number>,
  ][] = [
    [
      'a level named by a template',
      'cmip',
      request('geopotential_height', { scalar_coordinates: { plev: 500 } }),
      hPa,
      'zg500',
      {},
    ],
    [
      'a level given in Pa, named in hPa',
      'cmip',
      request('eastward_wind', { scalar_coordinates: { plev: 25000 } }),
      pa,
      'ua250',
      {},
    ],
    [
      'a level stored as its own variable, with no template',
      'cesm',
      request('air_temperature', { scalar_coordinates: { plev: 250 } }),
      hPa,
      'T250',
      {},
    ],
    [
      'a level with no variable of its own: extracted from the 4-D one',
      'cesm',
      request('air_temperature', { scalar_coordinates: { plev: 500 } }),
      hPa,
      'T',
      { plev: 500 },
    ],
    [
      'a level that is not a whole number of hPa',
      'cmip',
      request('air_temperature', { scalar_coordinates: { plev: 92.5 } }),
      hPa,
      'ta',
      { plev: 92.5 },
    ],
    [
      'the 4-D variable',
      'gfdl',
      request('air_temperature', { dimensions: ['time', 'plev', 'lat', 'lon'] }),
      hPa,
      'temp',
      {},
    ],
    ['a modifier', 'gfdl', request('air_temperature', { modifier: 'atmos_height' }), undefined, 't_ref', {}],
    [
      'a modifier (CESM)',
      'cesm',
      request('air_temperature', { modifier: 'atmos_height' }),
      undefined,
      'TREFHT',
      {},
    ],
    [
      'a realm-only modifier',
      'cmip',
      request('cell_area', { dimensions: ['lat', 'lon'], modifier: 'atmos_realm' }),
      undefined,
      'areacella',
      {},
    ],
    [
      'a realm',
      'cmip',
      request('cell_area', { dimensions: ['lat', 'lon'], realm: 'ocean' }),
      undefined,
      'areacello',
      {},
    ],
    [
      'an alternate standard name, after the realm rules out the exact one',
      'cmip',
      request('rainfall_flux', { realm: 'atmos' }),
      undefined,
      'pr',
      {},
    ],
    [
      'the exact standard name before alternates',
      'cmip',
      request('rainfall_flux', { realm: 'seaIce' }),
      undefined,
      'rainfall_flux',
      {},
    ],
    [
      'a realm written in another case',
      'gfdl',
      request('sea_ice_area_fraction', { realm: 'SEAICE' }),
      undefined,
      'siconc',
      {},
    ],
  ];
  for (const [what, convention, req, dims, name, left] of cases) {
    it(`${convention}: ${what} → ${name}`, () => {
      const t = translator.translate(req, convention, dims);
      expect(t.name).to.equal(name);
      expect(t.scalar_coordinates).to.deep.equal(left);
    });
  }

  it('use_exact_name bypasses translation: the varlist key and the requested units', () => {
    const t = translator.translate(
      request('no_such_standard_name', { name: 'tave', units: 'K', use_exact_name: true }),
      'CESM',
    );
    expect(t).to.deep.include({
      convention: 'CESM',
      name: 'tave',
      units: 'K',
      standard_name: 'no_such_standard_name',
    });
  });

  it('names the standard name, convention, modifier and what was tried when nothing fits', () => {
    const error = thrown(() => translator.translate(request('eastward_wind', { name: 'u' }), 'cmip'));
    expect(error.message)
      .to.contain('no CMIP variable for standard name `eastward_wind`')
      .and.contain('modifier none')
      .and.contain('3-D');
    expect(error.message)
      .to.contain('ua (by standard name): is 4-D')
      .and.contain('uas (by standard name): has modifier atmos_height');
    expect(error.location.key).to.equal('varlist.u');
    expect(error.hint).to.contain('use_exact_name').and.contain('cmip.yaml');
  });

  it('suggests a standard name the convention knows', () => {
    const error = thrown(() => translator.translate(request('air_temprature'), 'gfdl'));
    expect(error.message)
      .to.contain('does not know this standard name')
      .and.contain('did you mean `air_temperature`?');
  });

  it('refuses to guess between several equally good variables', () => {
    const error = thrown(() =>
      translator.translate(request('atmosphere_mass_content_of_water_vapor'), 'gfdl'),
    );
    expect(error.message).to.contain('ambiguous in GFDL').and.contain('wvp').and.contain('WVP');
    expect(error.hint).to.contain('realm');
  });

  it('rejects an unknown modifier with a suggestion', () => {
    const error = thrown(() =>
      translator.translate(request('air_temperature', { modifier: 'atmos_heigth' }), 'cmip'),
    );
    expect(error.message)
      .to.contain('unknown modifier `atmos_heigth`')
      .and.contain('did you mean `atmos_height`?');
  });

  it('rejects an unknown convention, listing the known ones', () => {
    const error = thrown(() => translator.translate(request('air_temperature'), 'ukesm'));
    expect(error.message).to.contain('unknown convention `ukesm`');
    expect(error.hint).to.contain('CMIP').and.contain('CESM').and.contain('GFDL');
  });
});

describe('translator: the Translator service', () => {
  it('loads the fieldlists once and is a singleton in the container', () => {
    const translator = new Translator();
    expect(translator.fieldlists()).to.equal(translator.fieldlists());
    expect(container.resolve(Translator)).to.equal(container.resolve(Translator));
    expect(container.resolve(Translator).directories).to.deep.equal([DEFAULT_FIELDLIST_DIR]);
  });

  it('translates with fieldlists from other folders', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-translator-'));
    try {
      await writeFile(path.join(dir, 'modifiers.yaml'), 'modifiers: {}\n');
      await writeFile(
        path.join(dir, 'toy.yaml'),
        `convention: Toy\ncoordinates:\n  pfull: { standard_name: air_pressure, units: Pa, level_units: hPa }\nvariables:\n  temp: { standard_name: air_temperature, units: K, ndim: 4, scalar_coord_templates: { pfull: "t{value}hPa" } }\n`,
      );
      const t = new Translator([dir]).translate(
        request('air_temperature', { scalar_coordinates: { lev: 85000 } }),
        'toy',
        {
          lev: { standard_name: 'air_pressure', units: 'Pa' },
        },
      );
      expect(t).to.deep.include({ convention: 'Toy', name: 't850hPa', units: 'K', scalar_coordinates: {} });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
