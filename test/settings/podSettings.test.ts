import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ValidationError } from '../../src/core/errors.js';
import { parseLocatedDocument } from '../../src/settings/locatedDocument.js';
import { loadPodSettings, parsePodSettings } from '../../src/settings/podSettings.js';
import type { PodSettings } from '../../src/settings/types.js';

/** What a POD declares, leaving out where it was read from. */
function content(pod: PodSettings): Omit<PodSettings, 'file' | 'podHome' | 'name'> {
  const { file: _file, podHome: _podHome, name: _name, ...rest } = pod;
  return rest;
}

/** A settings file in MDTF's style, written here: comments, `data` defaults, a flat alternates list. */
const MDTF_STYLE = `// A POD's settings, as MDTF writes them
{
  "settings" : {
    "driver" : "eof.py",
    "long_name" : "EOF of 500 hPa height",
    "convention" : "cesm",
    "runtime_requirements": {"python3": [], "ncl": ["contributed", "gsn_code"]}
  },
  "data": {"frequency": "mon"},
  "dimensions": {
    "lat": {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"},
    "lon": {"standard_name": "longitude", "units": "degrees_east", "axis": "X"},
    "lev": {"standard_name": "atmosphere_hybrid_sigma_pressure_coordinate", "units": "level", "positive": "down", "axis": "Z"},
    "plev": {"standard_name": "air_pressure", "realm": "atmos", "units": "hPa", "positive": "down", "axis": "Z"},
    "time": {"standard_name": "time"}
  },
  "varlist": {
    "zg": {
      "standard_name": "geopotential_height",
      "units": "m",
      "realm": "atmos",
      "dimensions": ["time", "lat", "lon"],
      "scalar_coordinates": {"plev": 500},
      // used when zg at 500 hPa is not there
      "alternates": ["zg_hybrid_sigma", "ps"]
    },
    "zg_hybrid_sigma": {
      "standard_name": "geopotential_height",
      "units": "m",
      "realm": "atmos",
      "dimensions": ["time", "lev", "lat", "lon"],
      "requirement": "alternate"
    },
    "ps": {
      "standard_name": "surface_air_pressure",
      "units": "Pa",
      "realm": "atmos",
      "dimensions": ["time", "lat", "lon"],
      "requirement": "alternate"
    }
  }
}
`;

describe('POD settings: a file in MDTF style', () => {
  let dir: string;
  let loaded: PodSettings;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-pod-style-'));
    await mkdir(path.join(dir, 'eof'));
    await writeFile(path.join(dir, 'eof', 'settings.jsonc'), MDTF_STYLE);
    loaded = await loadPodSettings(path.join(dir, 'eof', 'settings.jsonc'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a flat alternates list is one set, the 500 hPa level a scalar coordinate, `data.frequency` applied', () => {
    expect([loaded.name, loaded.settings.convention, loaded.warnings]).to.deep.equal(['eof', 'cesm', []]);
    const [zg, sigma, ps] = loaded.varlist;
    expect(zg).to.deep.equal({
      name: 'zg',
      standard_name: 'geopotential_height',
      units: 'm',
      realm: 'atmos',
      frequency: 'mon',
      dimensions: ['time', 'lat', 'lon'],
      scalar_coordinates: { plev: 500 },
      requirement: 'required',
      alternates: [['zg_hybrid_sigma', 'ps']],
      use_exact_name: false,
    });
    expect([sigma.requirement, ps.requirement]).to.deep.equal(['alternate', 'alternate']);
    expect(sigma.dimensions).to.deep.equal(['time', 'lev', 'lat', 'lon']);
    expect(loaded.dimensions.plev).to.deep.equal({
      standard_name: 'air_pressure',
      realm: 'atmos',
      units: 'hPa',
      positive: 'down',
      axis: 'Z',
    });
    expect(loaded.settings.runtime_requirements).to.deep.equal({
      python3: [],
      ncl: ['contributed', 'gsn_code'],
    });
  });

  it('loads the same content rewritten as YAML identically', async () => {
    const value = parseLocatedDocument(MDTF_STYLE, 'settings.jsonc').value;
    await mkdir(path.join(dir, 'eof_yaml'));
    const yamlFile = path.join(dir, 'eof_yaml', 'settings.yaml');
    await writeFile(yamlFile, stringify(value));
    const fromYaml = await loadPodSettings(yamlFile);
    expect(fromYaml.name).to.equal('eof_yaml');
    expect(content(fromYaml)).to.deep.equal(content(loaded));
  });

  const commas = [
    { line: '      "units": "m",', why: 'inside an entry' },
    { line: '    "driver" : "eof.py",', why: 'in settings' },
    { line: '      "scalar_coordinates": {"plev": 500},', why: 'with a comment before the next key' },
  ];
  for (const { line: lineText, why } of commas) {
    it(`fails a copy with one comma deleted (${why}) at the line and column of the missing comma`, async () => {
      const lines = MDTF_STYLE.split('\n');
      const index = lines.findIndex((l) => l === lineText);
      expect(index, `no line "${lineText}"`).to.be.greaterThan(-1);
      const comma = lines[index].lastIndexOf(',');
      lines[index] = lines[index].slice(0, comma) + lines[index].slice(comma + 1);
      const broken = path.join(dir, `broken-${index}.jsonc`);
      await writeFile(broken, lines.join('\n'));
      const err = await loadPodSettings(broken).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ValidationError);
      const { location, message, hint } = err as ValidationError;
      expect(message).to.equal('missing comma');
      expect(location).to.deep.include({ file: broken, line: index + 1, column: comma + 1 });
      expect(hint).to.match(/add a `,`/);
    });
  }
});

describe('POD settings: naming, defaults and alternates', () => {
  const minimal = (extra: string) => `{
    "settings": {"driver": "run.py"${extra}},
    "dimensions": {"time": {"standard_name": "time"}, "lat": {"standard_name": "latitude"}},
    "varlist": {"pr": {"standard_name": "precipitation_flux", "dimensions": ["time", "lat"]}}
  }`;

  it('names the POD after the directory of settings.jsonc, else after the file', () => {
    // JSON is also YAML, so the same text serves every extension.
    for (const file of ['settings.jsonc', 'settings.json', 'settings.yaml', 'settings.yml']) {
      expect(parsePodSettings(minimal(''), `/pods/blocking/${file}`).name).to.equal('blocking');
    }
    const pod = parsePodSettings(minimal(''), '/pods/blocking.jsonc');
    expect([pod.name, pod.podHome, pod.file]).to.deep.equal(['blocking', '/pods', '/pods/blocking.jsonc']);
  });

  it('defaults the convention to cmip, stores it in lower case, and defaults env vars and requirements to empty', () => {
    const plain = parsePodSettings(minimal(''), 'p.jsonc');
    expect(plain.settings).to.deep.equal({
      driver: 'run.py',
      convention: 'cmip',
      pod_env_vars: {},
      runtime_requirements: {},
    });
    expect(parsePodSettings(minimal(', "convention": "CESM"'), 'p.jsonc').settings.convention).to.equal(
      'cesm',
    );
  });

  it('fills varlist defaults: required, no alternates, exact name off, no scalar coordinates', () => {
    expect(parsePodSettings(minimal(''), 'p.jsonc').varlist).to.deep.equal([
      {
        name: 'pr',
        standard_name: 'precipitation_flux',
        dimensions: ['time', 'lat'],
        scalar_coordinates: {},
        requirement: 'required',
        alternates: [],
        use_exact_name: false,
      },
    ]);
  });

  it('lets a varlist entry override `data` defaults, including inherited dimensions', () => {
    const pod = parsePodSettings(
      `settings: {driver: run.py}
data: {frequency: day, realm: atmos, dimensions: [time, lat], requirement: optional}
dimensions: {time: {standard_name: time}, lat: {standard_name: latitude}}
varlist:
  pr: {standard_name: precipitation_flux, frequency: 3hr}
  tas: {standard_name: air_temperature, dimensions: [time], requirement: required, path_variable: TAS_FILE}
`,
      'p.yaml',
    );
    expect(pod.varlist.map((v) => [v.name, v.frequency, v.realm, v.dimensions, v.requirement])).to.deep.equal(
      [
        ['pr', '3hr', 'atmos', ['time', 'lat'], 'optional'],
        ['tas', 'day', 'atmos', ['time'], 'required'],
      ],
    );
    expect(pod.varlist[1].path_variable).to.equal('TAS_FILE');
    expect(pod.warnings).to.deep.equal([]);
  });

  it('reads a list of lists of alternates as several sets', () => {
    const pod = parsePodSettings(
      `settings: {driver: run.py}
dimensions: {time: {standard_name: time}}
varlist:
  tave: {standard_name: t, dimensions: [time], alternates: [[ta], [ta_a, ta_b]]}
  ta: {standard_name: air_temperature, dimensions: [time], requirement: alternate}
  ta_a: {standard_name: air_temperature, dimensions: [time], requirement: alternate}
  ta_b: {standard_name: air_temperature, dimensions: [time], requirement: alternate}
`,
      'p.yaml',
    );
    expect(pod.varlist[0].alternates).to.deep.equal([['ta'], ['ta_a', 'ta_b']]);
    expect(pod.warnings).to.deep.equal([]);
  });

  it('reads a nested POD directory written by a test', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-pod-dir-'));
    try {
      await mkdir(path.join(dir, 'my_pod'));
      await writeFile(path.join(dir, 'my_pod', 'settings.jsonc'), `// comment\n${minimal(',')}`);
      const pod = await loadPodSettings(path.join(dir, 'my_pod', 'settings.jsonc'));
      expect([pod.name, pod.podHome]).to.deep.equal(['my_pod', path.join(dir, 'my_pod')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
