import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { linearConversion, parseUnits } from '../../src/preprocess/units.js';
import {
  BASE_DIMENSIONS,
  BUILT_IN_UNITS,
  mathjsUnitDefinition,
  unitDefinition,
} from '../../src/preprocess/unitTable.js';

describe('units: the built-in table of common unit names', () => {
  it('lists the base dimensions in mathjs’s order', () => {
    const mathjs = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
    expect(BASE_DIMENSIONS).to.deep.equal(mathjs.Unit.BASE_DIMENSIONS);
  });

  for (const [name, definition] of Object.entries(BUILT_IN_UNITS)) {
    it(`${name}: exactly what mathjs says`, () => {
      expect(definition).to.deep.equal(mathjsUnitDefinition(name));
    });
  }

  it('looks up names the table does not hold in mathjs (feet, miles, inches per hour)', () => {
    expect(unitDefinition('ft').value).to.be.closeTo(0.3048, 1e-12);
    expect(linearConversion('mile', 'km').scale).to.be.closeTo(1.609344, 1e-12);
    expect(parseUnits('in/hour').scale).to.be.closeTo(0.0254 / 3600, 1e-15);
  });

  it('converts K to degC, hPa to Pa and reads time units without loading mathjs', () => {
    const units = path.join(PACKAGE_ROOT, 'dist', 'src', 'preprocess', 'units.js');
    const script = `
      import { createRequire } from 'node:module';
      const { linearConversion, parseTimeUnits } = await import(${JSON.stringify(units)});
      const k = linearConversion('K', 'degC');
      const p = linearConversion('hPa', 'Pa');
      const r = linearConversion('m s-1', 'mm/day');
      parseTimeUnits('days since 1850-01-01');
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/mathjs/'));
      console.log(JSON.stringify({ k, p, r, loaded }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    ) as {
      k: { scale: number; offset: number };
      p: { scale: number };
      r: { scale: number };
      loaded: boolean;
    };
    expect(out.k).to.deep.equal({ scale: 1, offset: -273.15 });
    expect(out.p.scale).to.equal(100);
    expect(out.r.scale).to.be.closeTo(86400 * 1000, 1e-6);
    expect(out.loaded).to.equal(false);
  });
});
