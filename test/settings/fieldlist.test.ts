import { expect } from 'chai';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FairpodError, ValidationError, ValidationErrors } from '../../src/core/errors.js';
import { DEFAULT_FIELDLIST_DIR, loadFieldlists } from '../../src/settings/fieldlist.js';

/** The errors a call throws, flattened (a ValidationErrors holds several). */
function thrownErrors(fn: () => unknown): FairpodError[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationErrors) return err.errors;
    if (err instanceof FairpodError) return [err];
    throw err;
  }
  expect.fail('expected a FairpodError');
}

describe('fieldlists: the shipped ones', () => {
  const set = loadFieldlists();

  it('holds CMIP, CESM and GFDL and the modifiers', () => {
    expect(set.fieldlists.map((f) => f.convention).sort()).to.deep.equal(['CESM', 'CMIP', 'GFDL']);
    expect(Object.keys(set.modifiers)).to.include.members(['atmos_height', 'atmos_realm']);
  });

  const aliases: [name: string, convention: string][] = [
    ['cmip', 'CMIP'],
    ['CMIP6', 'CMIP'],
    [' Cmor ', 'CMIP'],
    ['cesm', 'CESM'],
    ['CAM', 'CESM'],
    ['ncar', 'CESM'],
    ['GFDL', 'GFDL'],
    ['am4', 'GFDL'],
    ['CM4', 'GFDL'],
  ];
  for (const [name, convention] of aliases) {
    it(`finds ${convention} by \`${name}\``, () => {
      expect(set.get(name).convention).to.equal(convention);
    });
  }

  it('names the known conventions when one is unknown, with a suggestion', () => {
    const [error] = thrownErrors(() => set.get('cesn'));
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.message).to.contain('unknown convention `cesn`').and.contain('did you mean `cesm`?');
    expect(error.hint)
      .to.contain('CMIP (cmip, cmip6, cmor')
      .and.contain('CESM (')
      .and.contain('GFDL (')
      .and.contain(DEFAULT_FIELDLIST_DIR);
  });

  it('keeps native coordinates, templates and level slices', () => {
    const cmip = set.get('cmip');
    expect(cmip.coordinates.plev).to.include({
      standard_name: 'air_pressure',
      units: 'Pa',
      level_units: 'hPa',
      axis: 'Z',
    });
    expect(cmip.coordinates.lat).to.include({ units: 'degrees_north' });
    const ua = cmip.variables.find((v) => v.name === 'ua')!;
    expect(ua).to.include({ standard_name: 'eastward_wind', units: 'm s-1', ndim: 4, realm: 'atmos' });
    expect(ua.scalar_coord_templates).to.deep.equal({ plev: 'ua{value}' });
    const cesm = set.get('cesm');
    expect(cesm.variables.find((v) => v.name === 'Z500')!.scalar_coordinates).to.deep.equal({ plev: 500 });
    expect(cesm.variables.find((v) => v.name === 'PRECT')).to.include({
      standard_name: 'precipitation_rate',
      units: 'm s-1',
    });
    const gfdl = set.get('gfdl');
    expect(gfdl.variables.find((v) => v.name === 't_ref')).to.include({ modifier: 'atmos_height' });
    expect(gfdl.variables.find((v) => v.name === 'precip')!.alternate_standard_names).to.deep.equal([
      'rainfall_flux',
    ]);
  });
});

describe('fieldlists: files a user adds', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-fieldlist-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const valid = `convention: MyModel
aliases: [mine, mm]
coordinates:
  pfull: { standard_name: air_pressure, units: Pa, axis: Z, level_units: hPa }
variables:
  temp:
    standard_name: air_temperature
    units: K
    ndim: 4
    scalar_coord_templates: { pfull: "temp{value}" }
  t2m: { standard_name: air_temperature, units: K, ndim: 3, modifier: atmos_height }
`;

  it('adds a convention dropped next to the shipped ones, using the shipped modifiers', async () => {
    await writeFile(path.join(dir, 'mymodel.yaml'), valid);
    const set = loadFieldlists([DEFAULT_FIELDLIST_DIR, dir]);
    expect(set.get('MINE').convention).to.equal('MyModel');
    expect(set.get('mine').variables.map((v) => v.name)).to.deep.equal(['temp', 't2m']);
    expect(set.get('cmip').convention).to.equal('CMIP');
  });

  it('reads a fieldlist written as JSONC', async () => {
    await copyFile(path.join(DEFAULT_FIELDLIST_DIR, 'modifiers.yaml'), path.join(dir, 'modifiers.yaml'));
    await writeFile(
      path.join(dir, 'other.jsonc'),
      `// comments are fine\n{ "convention": "Other", "variables": { "x": { "standard_name": "air_temperature", "units": "K", "ndim": 3, } } }`,
    );
    expect(loadFieldlists([dir]).get('other').variables[0]).to.include({ name: 'x', units: 'K' });
  });

  it('reports every problem of a file at once, each at its line', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      `convention: Bad
variables:
  a:
    standard_nme: air_temperature
    units: K
    ndim: 3
  b:
    standard_name: air_temperature
    units: K
  c:
    standard_name: air_temperature
    units: K
    ndim: 2.5
    modifier: atmos_heigth
  d:
    standard_name: eastward_wind
    units: m s-1
    ndim: 4
    scalar_coord_templates: { plev: "d{value}" }
`,
    );
    const errors = thrownErrors(() => loadFieldlists([DEFAULT_FIELDLIST_DIR, dir]));
    const found = errors.map((e) => [e.location.line, e.location.key, e.message]);
    expect(found).to.deep.include.members([
      [4, 'variables.a.standard_nme', 'unknown key `standard_nme`; did you mean `standard_name`?'],
      [7, 'variables.b', '`ndim` is missing'],
      [13, 'variables.c.ndim', '`ndim` must be a whole number ≥ 0'],
      [14, 'variables.c.modifier', 'unknown modifier `atmos_heigth`; did you mean `atmos_height`?'],
      [19, 'variables.d.scalar_coord_templates.plev', 'unknown coordinate `plev`'],
    ]);
    for (const e of errors) {
      expect(e.location.file).to.equal(file);
      expect(e.hint).to.be.a('string').and.not.equal('');
    }
  });

  it('rejects a template without {value}, a missing units and a missing convention', async () => {
    await writeFile(
      path.join(dir, 'bad.yaml'),
      `coordinates:\n  plev: { units: hPa }\nvariables:\n  u:\n    ndim: 4\n    scalar_coord_templates: { plev: "u500" }\n`,
    );
    const messages = thrownErrors(() => loadFieldlists([DEFAULT_FIELDLIST_DIR, dir])).map((e) => e.message);
    expect(messages).to.include.members([
      '`convention` is missing',
      '`units` is missing',
      'template `u500` has no `{value}`',
    ]);
  });

  it('rejects a convention name or alias another file already uses, pointing at it', async () => {
    await writeFile(path.join(dir, 'clash.yaml'), `convention: Clash\naliases: [x, CAM]\nvariables: {}\n`);
    const [error] = thrownErrors(() => loadFieldlists([DEFAULT_FIELDLIST_DIR, dir]));
    expect(error.message).to.contain('`CAM` already names convention CESM');
    expect(error.location).to.include({ line: 2, key: 'aliases[1]' });
  });

  it('reports a YAML syntax error with its position', async () => {
    await writeFile(
      path.join(dir, 'broken.yaml'),
      `convention: Broken\nvariables:\n  a: { units: K, ndim: 3\n`,
    );
    const [error] = thrownErrors(() => loadFieldlists([dir]));
    expect(error.message).to.contain('YAML syntax error');
    expect(error.location.file).to.equal(path.join(dir, 'broken.yaml'));
    expect(error.location.line).to.be.a('number');
  });

  it('says so when the folder does not exist', () => {
    const [error] = thrownErrors(() => loadFieldlists([path.join(dir, 'missing')]));
    expect(error.message).to.equal('cannot read the fieldlist folder');
  });
});
