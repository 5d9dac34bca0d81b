import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ValidationError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { parseLocatedDocument } from '../../src/settings/locatedDocument.js';
import { loadPodSettings } from '../../src/settings/podSettings.js';
import type { PodSettings } from '../../src/settings/types.js';
import { examplesDir } from './examples.js';

const EXAMPLES = examplesDir('mdtf-pods');
const FIXTURES = path.resolve(PACKAGE_ROOT, 'test', 'fixtures', 'settings');

/** What a POD declares, leaving out where it was read from. */
function content(pod: PodSettings): Omit<PodSettings, 'file' | 'podHome' | 'name'> {
  const { file: _file, podHome: _podHome, name: _name, ...rest } = pod;
  return rest;
}

const examples = [
  { file: 'EOF_500hPa.jsonc', convention: 'cesm', variables: ['zg', 'zg_hybrid_sigma', 'ps'] },
  { file: 'MJO_suite.jsonc', convention: 'cesm', variables: ['rlut', 'pr', 'u200', 'u850', 'v200', 'v850'] },
  {
    file: 'albedofb.jsonc',
    convention: 'cmip',
    variables: ['areacella', 'tas', 'rsdt', 'rsds', 'rsut', 'rsus'],
  },
  {
    file: 'convective_transition_diag.jsonc',
    convention: 'cmip',
    variables: ['pr', 'prw', 'tave', 'qsat_int', 'ta'],
  },
  { file: 'example.jsonc', convention: 'cmip', variables: ['tas'] },
  { file: 'precip_diurnal_cycle.jsonc', convention: 'cmip', variables: ['pr'] },
];

describe('interop POD settings: real MDTF files', () => {
  const loaded = new Map<string, PodSettings>();
  before(async () => {
    for (const { file } of examples) loaded.set(file, await loadPodSettings(path.join(EXAMPLES, file)));
  });

  for (const { file, convention, variables } of examples) {
    it(`loads ${file} without warnings`, () => {
      const pod = loaded.get(file)!;
      expect(pod.name).to.equal(path.basename(file, '.jsonc'));
      expect(pod.file).to.equal(path.join(EXAMPLES, file));
      expect(pod.podHome).to.equal(EXAMPLES);
      expect(pod.settings.convention).to.equal(convention);
      expect(pod.settings.driver).to.match(/\.py$/);
      expect(pod.varlist.map((v) => v.name)).to.deep.equal(variables);
      expect(pod.warnings).to.deep.equal([]);
    });
  }

  it('EOF_500hPa: a flat alternates list is one set, the 500 hPa level a scalar coordinate, `data.frequency` applied', () => {
    const pod = loaded.get('EOF_500hPa.jsonc')!;
    const [zg, sigma, ps] = pod.varlist;
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
    expect(pod.dimensions.plev).to.deep.equal({
      standard_name: 'air_pressure',
      realm: 'atmos',
      units: 'hPa',
      positive: 'down',
      axis: 'Z',
    });
    expect(pod.settings.runtime_requirements).to.deep.equal({
      python3: [],
      ncl: ['contributed', 'gsn_code', 'gsn_csm'],
    });
  });

  it('convective_transition_diag: `data.frequency` 1hr reaches every variable; exact names and env vars kept', () => {
    const pod = loaded.get('convective_transition_diag.jsonc')!;
    expect(pod.varlist.map((v) => v.frequency)).to.deep.equal(['1hr', '1hr', '1hr', '1hr', '1hr']);
    const tave = pod.varlist.find((v) => v.name === 'tave')!;
    expect(tave.use_exact_name).to.equal(true);
    expect(tave.alternates).to.deep.equal([['ta']]);
    expect(pod.settings.pod_env_vars).to.deep.equal({
      BULK_TROPOSPHERIC_TEMPERATURE_VAR: 'tave',
      RES: '1.00',
      SAVE_TAVE_QSAT_INT: '0',
    });
  });

  it('albedofb: areacella is optional and has no frequency; the others are required monthly', () => {
    const pod = loaded.get('albedofb.jsonc')!;
    const [areacella, ...others] = pod.varlist;
    expect(areacella.requirement).to.equal('optional');
    expect(areacella).to.not.have.property('frequency');
    expect(areacella.modifier).to.equal('atmos_realm');
    expect(others.map((v) => [v.requirement, v.frequency])).to.deep.equal(Array(5).fill(['required', 'mon']));
  });

  it('MJO_suite: each wind level is its own entry with a scalar coordinate on `lev`', () => {
    const pod = loaded.get('MJO_suite.jsonc')!;
    expect(pod.varlist.filter((v) => v.name.startsWith('u')).map((v) => v.scalar_coordinates)).to.deep.equal([
      { lev: 200 },
      { lev: 850 },
    ]);
  });

  describe('the same content as YAML', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-pod-yaml-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    for (const { file } of examples) {
      it(`loads ${file} rewritten as YAML identically`, async () => {
        const value = parseLocatedDocument(await readFile(path.join(EXAMPLES, file), 'utf8'), file).value;
        const yamlFile = path.join(dir, file.replace(/\.jsonc$/, '.yaml'));
        await writeFile(yamlFile, stringify(value));
        const fromYaml = await loadPodSettings(yamlFile);
        expect(fromYaml.name).to.equal(loaded.get(file)!.name);
        expect(fromYaml.podHome).to.equal(dir);
        expect(content(fromYaml)).to.deep.equal(content(loaded.get(file)!));
      });
    }

    it('loads a hand-written YAML settings.yaml like the JSONC, naming the POD after its directory', async () => {
      const pod = await loadPodSettings(path.join(FIXTURES, 'EOF_500hPa', 'settings.yaml'));
      expect(pod.name).to.equal('EOF_500hPa');
      expect(pod.podHome).to.equal(path.join(FIXTURES, 'EOF_500hPa'));
      expect(content(pod)).to.deep.equal(content(loaded.get('EOF_500hPa.jsonc')!));
    });
  });

  describe('a copy with one comma deleted', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'fairpod-pod-comma-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // The first line with this text loses its last comma; in example.jsonc and convective_transition_diag.jsonc
    // comments stand between it and the next entry, in MJO_suite.jsonc a comment follows the comma.
    const cases = [
      { file: 'EOF_500hPa.jsonc', line: '      "units": "m",' },
      { file: 'example.jsonc', line: '    "driver" : "example_diag.py",' },
      { file: 'convective_transition_diag.jsonc', line: '      "use_exact_name": true,' },
      { file: 'albedofb.jsonc', line: '\t\t\t"standard_name": "cell_area",' },
      { file: 'MJO_suite.jsonc', line: '  }, //setttings' },
      { file: 'precip_diurnal_cycle.jsonc', line: '      "realm": "atmos",' },
    ];
    for (const { file, line: lineText } of cases) {
      it(`fails ${file} at the line and column of the missing comma`, async () => {
        const lines = (await readFile(path.join(EXAMPLES, file), 'utf8')).split('\n');
        const index = lines.findIndex((l) => l.trimEnd() === lineText);
        expect(index, `no line "${lineText}" in ${file}`).to.be.greaterThan(-1);
        const comma = lines[index].lastIndexOf(',');
        lines[index] = lines[index].slice(0, comma) + lines[index].slice(comma + 1);
        const broken = path.join(dir, file);
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
});
