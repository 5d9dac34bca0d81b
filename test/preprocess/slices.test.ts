import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FairpodError } from '../../src/core/errors.js';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';
import { preprocessVariable } from '../../src/preprocess/pipeline.js';
import {
  MAX_DEFAULT_READERS,
  PARALLEL_READ_BYTES,
  readerThreads,
} from '../../src/preprocess/slabReaderPool.js';
import type { PreprocessRequest } from '../../src/preprocess/steps/step.js';
import { NLAT, NLON, writeLevelsFile as writeInput } from '../support/levelsFile.js';

describe('preprocessing in slices (variables larger than memory)', function () {
  this.timeout(60000);
  let dir: string;
  let input: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-slices-'));
    input = path.join(dir, 'ta_Amon_X_historical_r1i1p1f1_gn_199001-199212.nc');
    await writeInput(input);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const request = (): PreprocessRequest => ({
    pod: 'POD',
    caseName: 'CASE',
    varName: 'ta500',
    frequency: 'mon',
    units: 'degC',
    scalarCoordinates: { plev: 500 },
    nativeName: 'ta',
    files: [input],
    firstYear: 1991,
    lastYear: 1992,
    workDir: dir,
  });

  async function read(file: string): Promise<{ data: number[]; time: number[]; shape: number[] }> {
    const r = await openNetcdf(file);
    try {
      return {
        data: Array.from(r.read('ta500')),
        time: Array.from(r.read('time')),
        shape: r.variable('ta500').shape,
      };
    } finally {
      r.close();
    }
  }

  it('writes, slice by slice, exactly what it writes in one slab (crop, level, units, fill values kept)', async () => {
    const whole = await preprocessVariable(request(), {
      outPath: path.join(dir, 'whole.nc'),
      sliceBytes: 1 << 30,
    });
    // One time step (6 × 8 values as float64) per slice: 24 slices for the 24 steps kept.
    const sliced = await preprocessVariable(request(), {
      outPath: path.join(dir, 'sliced.nc'),
      sliceBytes: NLAT * NLON * 8,
      deflate: 1,
    });
    expect(whole.slabs).to.equal(1);
    expect(sliced.slabs).to.equal(24);
    const a = await read(whole.outPath);
    const b = await read(sliced.outPath);
    expect(b.shape).to.deep.equal([24, NLAT, NLON]);
    expect(b).to.deep.equal(a);
    // The values: 500 hPa is level 2, step 12 of the file is the first kept; K → degC.
    expect(b.data[0]).to.be.closeTo(200 + 12 + (2 * NLAT * NLON) / 10 - 273.15, 1e-4);
    // Fill values stay fill values: file steps 15, 20, 25, 30, 35 hold one each, at the 8th point.
    const fills = b.data.flatMap((v, i) => (v > 1e19 ? [i] : []));
    expect(fills).to.deep.equal([3, 8, 13, 18, 23].map((t) => t * NLAT * NLON + 7));
  });

  it('slices that do not divide the steps evenly still cover every step once', async () => {
    const whole = await read(
      (await preprocessVariable(request(), { outPath: path.join(dir, 'w2.nc') })).outPath,
    );
    const uneven = await preprocessVariable(request(), {
      outPath: path.join(dir, 'uneven.nc'),
      sliceBytes: 5 * NLAT * NLON * 8,
    });
    expect(uneven.slabs).to.equal(5);
    expect(await read(uneven.outPath)).to.deep.equal(whole);
  });

  it('reads the slices in reader threads, in order, to the same output', async () => {
    const here = await preprocessVariable(request(), {
      outPath: path.join(dir, 'here.nc'),
      sliceBytes: 2 * NLAT * NLON * 8,
      readers: 0,
    });
    const threads = await preprocessVariable(request(), {
      outPath: path.join(dir, 'threads.nc'),
      sliceBytes: 2 * NLAT * NLON * 8,
      readers: 3,
    });
    expect(threads.slabs).to.equal(12);
    expect(await read(threads.outPath)).to.deep.equal(await read(here.outPath));
  });

  it('reads an uncompressed variable straight into the writer, through HDF5 where chunks were never written', async () => {
    const unwritten = [13, 14, 20];
    const plain = path.join(dir, 'plain', path.basename(input));
    const deflated = path.join(dir, 'deflated', path.basename(input));
    await writeInput(plain, { deflate: 0, unwritten });
    await writeInput(deflated, { unwritten });
    const r = await openNetcdf(plain);
    expect(r.readsRaw?.('ta')).to.equal(true);
    r.close();
    // Two steps a slab: some slabs need an unwritten chunk, the others are read raw.
    const options = { sliceBytes: 2 * NLAT * NLON * 8, readers: 0 };
    const raw = await preprocessVariable(
      { ...request(), files: [plain] },
      { ...options, outPath: path.join(dir, 'raw.nc') },
    );
    // A deflated file is read through HDF5 only.
    const hdf5 = await preprocessVariable(
      { ...request(), files: [deflated] },
      { ...options, outPath: path.join(dir, 'hdf5.nc') },
    );
    expect(raw.slabs).to.equal(12);
    expect(await read(raw.outPath)).to.deep.equal(await read(hdf5.outPath));
  });

  it('a read failing in a reader thread fails the variable naming the file and the steps, writing nothing', async () => {
    // The threads open the file themselves: one that is gone by then fails there, not here.
    const gone = path.join(dir, 'gone.nc');
    fs.copyFileSync(input, gone);
    const { VariableDataset } = await import('../../src/preprocess/variableDataset.js');
    const { writeVariableDataset } = await import('../../src/preprocess/writeDataset.js');
    const ds = await VariableDataset.open([gone], 'ta');
    fs.rmSync(gone);
    const out = path.join(dir, 'failed.nc');
    const err = await writeVariableDataset(ds, out, { readers: 2, sliceBytes: 1 }).catch((e: unknown) => e);
    ds.close();
    expect(err).to.be.instanceOf(FairpodError);
    expect((err as FairpodError).message).to.contain(`cannot read ta steps 0..0 from ${gone}`);
    expect((err as FairpodError).location.file).to.equal(gone);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('failed'))).to.deep.equal([]);
  });

  it('uses reader threads only for enough deflated data, as FAIRPOD_PREPROCESS_READERS may say otherwise', async () => {
    expect(readerThreads(1 << 20, {})).to.equal(0);
    expect(readerThreads(PARALLEL_READ_BYTES + 1, {})).to.equal(
      os.availableParallelism() > 1 ? Math.min(os.availableParallelism(), MAX_DEFAULT_READERS) : 0,
    );
    expect(readerThreads(1, { FAIRPOD_PREPROCESS_READERS: '3' })).to.equal(3);
    expect(readerThreads(1 << 30, { FAIRPOD_PREPROCESS_READERS: '0' })).to.equal(0);
    expect(() => readerThreads(1, { FAIRPOD_PREPROCESS_READERS: 'many' })).to.throw(
      'FAIRPOD_PREPROCESS_READERS="many" is not a whole number from 0 to 64',
    );
    const deflated = await openNetcdf(input);
    const plain = await openNetcdf(path.join(dir, 'whole.nc'));
    try {
      expect(deflated.isFiltered('ta')).to.equal(true);
      expect(plain.isFiltered('ta500')).to.equal(false);
    } finally {
      deflated.close();
      plain.close();
    }
  });
});
