import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FairpodError } from '../../src/core/errors.js';
import { loadH5 } from '../../src/preprocess/h5.js';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';
import { NetcdfWriter } from '../../src/preprocess/netcdfWriter.js';

/** Debian's python with xarray (the pyenv one on PATH may lack it). */
const PYTHON = '/usr/bin/python3';

describe('netCDF I/O', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-nc-'));
    file = path.join(dir, 'small.nc');
    const w = await NetcdfWriter.create(file, { Conventions: 'CF-1.8', history: 'made by a test' });
    w.defineDimension({ name: 'time', size: 0, unlimited: true });
    w.defineDimension({ name: 'lat', size: 2 });
    w.defineDimension({ name: 'lon', size: 3 });
    w.defineDimension({ name: 'bnds', size: 2 });
    w.defineVariable({
      name: 'time',
      dtype: 'f8',
      dimensions: ['time'],
      attributes: {
        units: 'hours since 2000-01-01 00:00:00',
        calendar: '360_day',
        axis: 'T',
        bounds: 'time_bnds',
      },
    });
    w.defineVariable({
      name: 'lat',
      dtype: 'f4',
      dimensions: ['lat'],
      data: [-30, 30],
      attributes: { units: 'degrees_north', standard_name: 'latitude' },
    });
    w.defineVariable({
      name: 'lon',
      dtype: 'f4',
      dimensions: ['lon'],
      data: [0, 120, 240],
      attributes: { units: 'degrees_east', standard_name: 'longitude' },
    });
    w.defineVariable({ name: 'time_bnds', dtype: 'f8', dimensions: ['time', 'bnds'] });
    w.defineVariable({
      name: 'tas',
      dtype: 'f4',
      dimensions: ['time', 'lat', 'lon'],
      attributes: {
        units: 'K',
        standard_name: 'air_temperature',
        long_name: '',
        _FillValue: 1e20,
        valid_range: [150, 350],
        count: new Int32Array([7]),
      },
    });
    for (let t = 0; t < 4; t++) {
      w.writeSlab('time', [[t, t + 1]], [t * 24 + 12]);
      w.writeSlab('time_bnds', [[t, t + 1]], [t * 24, t * 24 + 24]);
      w.writeSlab(
        'tas',
        [[t, t + 1]],
        Float32Array.from({ length: 6 }, (_, i) => 250 + t * 10 + i),
      );
    }
    await w.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes files that ncdump reads with dimensions, types and CF attributes', () => {
    const cdl = execFileSync('ncdump', [file], { encoding: 'utf8' });
    expect(cdl).to.contain('time = UNLIMITED ; // (4 currently)');
    expect(cdl).to.contain('float tas(time, lat, lon)');
    expect(cdl).to.contain('double time_bnds(time, bnds)');
    expect(cdl).to.contain('tas:_FillValue = 1.e+20f');
    expect(cdl).to.contain('tas:valid_range = 150.f, 350.f');
    expect(cdl).to.contain('tas:count = 7');
    expect(cdl).to.contain('time:calendar = "360_day"');
    expect(cdl).to.match(/tas =\s+250, 251, 252,\s+253, 254, 255,\s+260,/);
  });

  it('writes files that CDO and NCO read, with the calendar applied', () => {
    const info = execFileSync('cdo', ['-s', 'sinfo', file], { encoding: 'utf8' });
    expect(info).to.contain('Calendar = 360_day');
    expect(info).to.contain('2000-01-01 12:00:00');
    expect(info).to.contain('2000-01-04 12:00:00');
    const ncks = execFileSync(
      'ncks',
      ['--trd', '-H', '-C', '-v', 'tas', '-d', 'time,3', '-d', 'lat,1', '-d', 'lon,2', file],
      { encoding: 'utf8' },
    );
    expect(ncks).to.match(/time\[3\]=84 lat\[1\]=30 lon\[2\]=240 tas\[\d+\]=285/);
  });

  it('writes files that xarray opens and decodes', () => {
    const out = execFileSync(
      PYTHON,
      [
        '-c',
        `import xarray as xr; ds = xr.open_dataset(${JSON.stringify(file)}); print(ds.tas.dims, float(ds.tas[3, 1, 2]), ds.time.values[1])`,
      ],
      { encoding: 'utf8' },
    );
    expect(out).to.contain("('time', 'lat', 'lon') 285.0 2000-01-02 12:00:00");
  });

  it('reads its own netCDF-4 back by hyperslab', async () => {
    const r = await openNetcdf(file);
    try {
      expect(r.format).to.equal('netCDF-4');
      expect(r.dimensions).to.deep.include({ name: 'time', size: 4, unlimited: true });
      expect(r.variables.map((v) => v.name)).to.deep.equal(['time', 'lat', 'lon', 'time_bnds', 'tas']);
      const tas = r.variable('tas');
      expect(tas.dimensions).to.deep.equal(['time', 'lat', 'lon']);
      expect(tas.attributes).to.include({ units: 'K', long_name: ' ', count: 7 });
      expect(
        Array.from(
          r.read('tas', [
            [2, 4],
            [1, 2],
            [1, 3],
          ]),
        ),
      ).to.deep.equal([274, 275, 284, 285]);
      expect(r.attributes.history).to.equal('made by a test');
    } finally {
      r.close();
    }
  });

  it('reads a variable alone as it reads it with the whole file, and plain HDF5 with phony dimensions', async () => {
    const alone = await openNetcdf(file);
    const whole = await openNetcdf(file);
    try {
      const variables = whole.variables;
      expect(alone.variable('tas')).to.deep.equal(variables.find((v) => v.name === 'tas'));
      expect(alone.hasVariable('bnds')).to.equal(false);
      expect(alone.hasVariable('nosuch')).to.equal(false);
      expect(alone.variables).to.deep.equal(variables);
      expect(alone.dimensions).to.deep.equal(whole.dimensions);
    } finally {
      alone.close();
      whole.close();
    }
    // No dimension scales: netCDF-C's phony dimensions, one per size, whichever variable is asked first.
    const plain = path.join(dir, 'plain.h5');
    const h5 = await loadH5();
    const f = new h5.File(plain, 'w');
    f.create_dataset({ name: 'v', data: new Float32Array(6), shape: [2, 3], dtype: '<f' });
    f.create_dataset({ name: 'w', data: new Float32Array(3), shape: [3], dtype: '<f' });
    f.close();
    const r = await openNetcdf(plain);
    try {
      expect(r.variable('w').dimensions).to.deep.equal(['phony_dim_3']);
      expect(r.variable('v').dimensions).to.deep.equal(['phony_dim_2', 'phony_dim_3']);
      expect(r.dimensions.map((d) => d.name).sort()).to.deep.equal(['phony_dim_2', 'phony_dim_3']);
    } finally {
      r.close();
    }
  });

  it('reads classic and 64-bit-offset netCDF-3 (record variables interleaved) with the same interface', async () => {
    for (const kind of ['classic', '64-bit-offset']) {
      const nc3 = path.join(dir, `${kind}.nc`);
      execFileSync('nccopy', ['-k', kind, file, nc3]);
      const r = await openNetcdf(nc3);
      try {
        expect(r.format).to.match(/^netCDF-3/);
        expect(r.dimensions.find((d) => d.name === 'time')).to.deep.equal({
          name: 'time',
          size: 4,
          unlimited: true,
        });
        expect(r.variable('tas').attributes).to.include({ units: 'K', _FillValue: Math.fround(1e20) });
        expect(
          Array.from(
            r.read('tas', [
              [2, 4],
              [1, 2],
              [1, 3],
            ]),
          ),
        ).to.deep.equal([274, 275, 284, 285]);
        expect(Array.from(r.read('time_bnds', [[1, 3]]))).to.deep.equal([24, 48, 48, 72]);
        expect(Array.from(r.read('time'))).to.deep.equal([12, 36, 60, 84]);
        expect(r.read('tas')).to.have.length(24);
      } finally {
        r.close();
      }
    }
  });

  it('fails with the file named when it is not netCDF, and with the variable named when it is missing', async () => {
    const bad = path.join(dir, 'bad.nc');
    fs.writeFileSync(bad, 'this is text, not netCDF\n');
    const err = await openNetcdf(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FairpodError);
    expect((err as FairpodError).format()).to.contain(`${bad}: ${bad} is not a netCDF file`);
    const r = await openNetcdf(file);
    try {
      expect(() => r.variable('pr')).to.throw(FairpodError, `variable pr not found in ${file}`);
    } finally {
      r.close();
    }
  });

  it('reports a truncated netCDF-4 file in its own words, without HDF5 diagnostics on stderr', async () => {
    const truncated = path.join(dir, 'truncated.nc');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const printed: string[] = [];
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) =>
      printed.push(String(chunk)) > 0) as typeof process.stderr.write;
    let err: unknown;
    try {
      err = await openNetcdf(truncated).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      process.stderr.write = writeErr;
    }
    expect(err).to.be.instanceOf(FairpodError);
    expect((err as FairpodError).message).to.match(
      /cannot read .*truncated\.nc as netCDF-4: HDF5: truncated file/,
    );
    expect(printed.join('')).to.not.include('HDF5-DIAG');
    // Reading good files afterwards is not affected.
    (await openNetcdf(file)).close();
  });

  it('writes slabs filled in HDF5 memory, and nothing (nor grows) when the filling declines', async () => {
    const target = path.join(dir, 'filled.nc');
    const w = await NetcdfWriter.create(target);
    w.defineDimension({ name: 't', size: 0, unlimited: true });
    w.defineDimension({ name: 'x', size: 3 });
    w.defineVariable({ name: 'v', dtype: 'f4', dimensions: ['t', 'x'] });
    const filled = w.writeSlabFilled('v', [[0, 2]], (values) => {
      expect(values).to.be.instanceOf(Float32Array).and.have.length(6);
      values.set([1, 2, 3, 4, 5, 6]);
      return true;
    });
    expect(filled).to.equal(true);
    expect(w.writeSlabFilled('v', [[2, 4]], () => false)).to.equal(false);
    expect(w.dimensionSize('t')).to.equal(2);
    // The memory is reused: a smaller slab gets a view of its own size.
    w.writeSlabFilled('v', [[2, 3]], (values) => (values.fill(7), values.length === 3));
    await w.close();
    const r = await openNetcdf(target);
    expect(Array.from(r.read('v'))).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 7, 7]);
    r.close();
  });

  it('replaces an attribute set again, global or of a variable, of any type', async () => {
    const target = path.join(dir, 'attrs.nc');
    const w = await NetcdfWriter.create(target, { title: 'first' });
    w.setAttribute(null, 'title', 'second');
    w.defineDimension({ name: 'x', size: 2 });
    w.defineVariable({ name: 'x', dtype: 'f8', dimensions: ['x'], data: [1, 2], attributes: { units: 'K' } });
    w.setAttribute('x', 'units', 'degC');
    w.setAttribute('x', 'valid_max', 3);
    w.setAttribute('x', 'valid_max', 'none');
    await w.close();
    const r = await openNetcdf(target);
    expect(r.attributes.title).to.equal('second');
    expect(r.variable('x').attributes).to.deep.equal({ units: 'degC', valid_max: 'none' });
    r.close();
    expect(execFileSync('ncdump', ['-h', target], { encoding: 'utf8' })).to.include('x:units = "degC"');
  });

  it('leaves nothing behind when a write is aborted', async () => {
    const target = path.join(dir, 'aborted', 'x.nc');
    const w = await NetcdfWriter.create(target);
    w.defineDimension({ name: 'x', size: 2 });
    await w.abort();
    expect(fs.readdirSync(path.dirname(target))).to.deep.equal([]);
  });
});
