import { expect } from 'chai';
import { loadPodSettings } from '../../src/settings/podSettings.js';
import { translate, Translator } from '../../src/settings/translator.js';
import type { PodSettings } from '../../src/settings/types.js';
import { examplesDir } from './examples.js';

const PODS = examplesDir('mdtf-pods');

/** POD file → varlist key → [native name, native units, scalar coordinates left to extract]. */
const EXPECTED: Record<string, Record<string, [string, string, Record<string, number>]>> = {
  'EOF_500hPa.jsonc': { zg: ['Z500', 'm', {}], zg_hybrid_sigma: ['Z3', 'm', {}], ps: ['PS', 'Pa', {}] },
  'MJO_suite.jsonc': {
    rlut: ['FLUT', 'W m-2', {}],
    pr: ['PRECT', 'm s-1', {}],
    u200: ['U200', 'm s-1', {}],
    u850: ['U850', 'm s-1', {}],
    v200: ['V200', 'm s-1', {}],
    v850: ['V850', 'm s-1', {}],
  },
  'albedofb.jsonc': {
    areacella: ['areacella', 'm2', {}],
    tas: ['tas', 'K', {}],
    rsdt: ['rsdt', 'W m-2', {}],
    rsds: ['rsds', 'W m-2', {}],
    rsut: ['rsut', 'W m-2', {}],
    rsus: ['rsus', 'W m-2', {}],
  },
  'convective_transition_diag.jsonc': {
    pr: ['pr', 'kg m-2 s-1', {}],
    prw: ['prw', 'kg m-2', {}],
    tave: ['tave', 'K', {}],
    qsat_int: ['qsat_int', 'kg m-2', {}],
    ta: ['ta', 'K', {}],
  },
  'example.jsonc': { tas: ['tas', 'K', {}] },
  'precip_diurnal_cycle.jsonc': { pr: ['pr', 'kg m-2 s-1', {}] },
};

describe('interop translator: the six MDTF PODs', () => {
  const pods = new Map<string, PodSettings>();
  const translator = new Translator();
  before(async () => {
    for (const file of Object.keys(EXPECTED)) pods.set(file, await loadPodSettings(`${PODS}/${file}`));
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`translates every variable of ${file} under the convention it names`, () => {
      const pod = pods.get(file)!;
      expect(pod.varlist.map((v) => v.name).sort()).to.deep.equal(Object.keys(expected).sort());
      for (const entry of pod.varlist) {
        const t = translator.translate(entry, pod.settings.convention, pod.dimensions);
        const [name, units, left] = expected[entry.name];
        expect([t.name, t.units, t.scalar_coordinates], `${file} ${entry.name}`).to.deep.equal([
          name,
          units,
          left,
        ]);
        expect(t.standard_name).to.equal(entry.standard_name);
        expect(t.convention).to.equal(pod.settings.convention.toUpperCase());
      }
    });
  }

  it('without the POD dimensions, matches scalar coordinates by name: MJO lev=200 is left to extract from U', () => {
    const pod = pods.get('MJO_suite.jsonc')!;
    const u200 = pod.varlist.find((v) => v.name === 'u200')!;
    expect(translate(u200, 'cesm')).to.deep.include({ name: 'U', scalar_coordinates: { lev: 200 } });
    // Every other variable of the six translates the same without the dimensions section.
    for (const [file, expected] of Object.entries(EXPECTED)) {
      const p = pods.get(file)!;
      for (const entry of p.varlist.filter((v) =>
        Object.keys(v.scalar_coordinates).every((c) => c === 'plev'),
      )) {
        expect(translate(entry, p.settings.convention).name, `${file} ${entry.name}`).to.equal(
          expected[entry.name][0],
        );
      }
    }
  });

  it('maps POD dimensions to native coordinates by standard name', () => {
    const pod = pods.get('convective_transition_diag.jsonc')!;
    const ta = pod.varlist.find((v) => v.name === 'ta')!;
    expect(translator.translate(ta, 'cmip', pod.dimensions).coordinates).to.deep.equal({
      time: 'time',
      lev: 'plev',
      lat: 'lat',
      lon: 'lon',
    });
    const eof = pods.get('EOF_500hPa.jsonc')!;
    const hybrid = eof.varlist.find((v) => v.name === 'zg_hybrid_sigma')!;
    expect(translator.translate(hybrid, 'cesm', eof.dimensions).coordinates).to.include({ lev: 'lev' });
  });
});
