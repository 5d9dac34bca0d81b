import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Dataset, LIBVER_BOUNDS } from 'h5wasm';
import { loadH5 } from '../../src/preprocess/h5.js';
import type { H5 } from '../../src/preprocess/h5.js';
import { locateRawStorage, readRawSlab } from '../../src/preprocess/hdf5Storage.js';
import type { RawStorage } from '../../src/preprocess/hdf5Storage.js';
import { openNetcdf } from '../../src/preprocess/netcdfReader.js';
import type { Hyperslab } from '../../src/preprocess/ncTypes.js';

/** A CDL with edge chunks, a contiguous variable and the two kinds netCDF-C stores that raw reading leaves to HDF5. */
const CDL = `netcdf t {
dimensions:
  time = UNLIMITED ; lev = 3 ; lat = 5 ; lon = 7 ;
variables:
  float a(time, lev, lat, lon) ; a:_ChunkSizes = 2, 2, 3, 4 ;
  double c(lev, lat, lon) ; c:_Storage = "contiguous" ;
  int big(time, lat, lon) ; big:_Endianness = "big" ;
  short z(time, lon) ; z:_DeflateLevel = 1 ;
  double unwritten(lev, lat, lon) ; unwritten:_Storage = "contiguous" ;
data:
  a = ${range(3 * 3 * 5 * 7).join(', ')} ;
  c = ${range(3 * 5 * 7)
    .map((i) => i / 4)
    .join(', ')} ;
  big = ${range(3 * 5 * 7).join(', ')} ;
  z = ${range(3 * 7).join(', ')} ;
}
`;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Slabs that start, end and lie inside chunks, cross chunk edges, and take whole or single extents. */
function slabsOf(shape: number[]): Hyperslab[] {
  const slabs: Hyperslab[] = [[], shape.map(() => [0, 1]), shape.map((s) => [s - 1, s])];
  for (let d = 0; d < shape.length; d++)
    slabs.push(
      shape.map((s, i): [number, number] | undefined => (i === d ? [Math.floor(s / 2), s] : undefined)),
    );
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let k = 0; k < 25; k++)
    slabs.push(
      shape.map((s): [number, number] => {
        const a = next(s);
        return [a, a + 1 + next(s - a)];
      }),
    );
  return slabs;
}

/** The bytes of `out` as values of the dataset's type (the types these tests store). */
function typedView(ds: Dataset, out: Uint8Array): ArrayLike<number> {
  const { type, size } = ds.metadata;
  if (type === 1) return size === 4 ? new Float32Array(out.buffer) : new Float64Array(out.buffer);
  return size === 4 ? new Int32Array(out.buffer) : new Int16Array(out.buffer);
}

function objectAddress(ds: Dataset): number {
  return Number(Buffer.from(ds.create_reference().ref_data).readBigUInt64LE(0));
}

/** The raw storage found for `name`, or undefined. */
function locate(h5: H5, file: string, name: string): RawStorage | undefined {
  const f = new h5.File(file, 'r');
  const fd = fs.openSync(file, 'r');
  try {
    const ds = f.get(name) as Dataset;
    const meta = ds.metadata;
    return locateRawStorage(fd, objectAddress(ds), {
      shape: meta.shape ?? [],
      elementSize: meta.size,
      chunks: meta.chunks ?? null,
      littleEndian: meta.littleEndian,
    });
  } finally {
    fs.closeSync(fd);
    f.close();
  }
}

/** How a variable is read: its bytes straight from the file, through HDF5, or raw but for chunks never written. */
type Path = 'raw' | 'hdf5' | 'sparse';

/**
 * Checks that every slab of `name` reads the same straight from the bytes (`readRawSlab`, unless `how` is
 * 'hdf5') and through fairpod's reader as through HDF5.
 */
async function expectSameAsHdf5(h5: H5, file: string, name: string, how: Path): Promise<void> {
  const storage = locate(h5, file, name);
  expect(storage !== undefined, `${path.basename(file)}:${name} located`).to.equal(how !== 'hdf5');
  let missing = 0;
  const f = new h5.File(file, 'r');
  const fd = fs.openSync(file, 'r');
  const reader = await openNetcdf(file);
  try {
    const ds = f.get(name) as Dataset;
    const shape = ds.metadata.shape!;
    for (const slab of slabsOf(shape)) {
      const ranges = shape.map((s, i): [number, number] => slab[i] ?? [0, s]);
      const expected = Array.from(ds.slice(ranges) as ArrayLike<number>);
      const where = `${path.basename(file)}:${name}[${ranges.map((r) => r.join(':')).join(',')}]`;
      expect(Array.from(reader.read(name, slab)), where).to.deep.equal(expected);
      if (storage) {
        const count = ranges.map(([a, b]) => b - a);
        const out = new Uint8Array(expected.length * ds.metadata.size);
        const starts = ranges.map(([a]) => a);
        if (!readRawSlab(fd, storage, starts, count, ds.metadata.size, out)) {
          missing++;
          continue;
        }
        expect(Array.from(typedView(ds, out)), `raw ${where}`).to.deep.equal(expected);
        // The same with one read per row wherever the rows are not dense in their span.
        out.fill(0);
        expect(readRawSlab(fd, storage, starts, count, ds.metadata.size, out, 0)).to.equal(true);
        expect(Array.from(typedView(ds, out)), `raw by rows ${where}`).to.deep.equal(expected);
      }
    }
    // Slabs that need a chunk never written are left to HDF5 (fill values): only those.
    expect(missing > 0, `${name}: slabs needing unwritten chunks`).to.equal(how === 'sparse');
  } finally {
    reader.close();
    fs.closeSync(fd);
    f.close();
  }
}

describe('HDF5 raw storage (hand-written chunk index reader)', () => {
  let dir: string;
  let h5: H5;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-h5raw-'));
    h5 = await loadH5();
    fs.writeFileSync(path.join(dir, 't.cdl'), CDL);
    for (const kind of ['nc4', 'nc7'])
      execFileSync('ncgen', ['-k', kind, '-o', path.join(dir, `ncgen-${kind}.nc`), path.join(dir, 't.cdl')]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the chunks (v1 B-tree, edge chunks) and contiguous data netCDF-C writes (ncgen) as HDF5 does', async () => {
    for (const kind of ['nc4', 'nc7']) {
      const file = path.join(dir, `ncgen-${kind}.nc`);
      await expectSameAsHdf5(h5, file, 'a', 'raw');
      await expectSameAsHdf5(h5, file, 'c', 'raw');
      // Big-endian and deflated data, and data never written (fill values), are HDF5's to read.
      await expectSameAsHdf5(h5, file, 'big', 'hdf5');
      await expectSameAsHdf5(h5, file, 'z', 'hdf5');
      await expectSameAsHdf5(h5, file, 'unwritten', 'hdf5');
    }
  });

  it('reads what CDO writes (chunks of one step, coordinates) as HDF5 does', async () => {
    const src = path.join(dir, 'src.nc');
    fs.writeFileSync(
      path.join(dir, 'c.cdl'),
      `netcdf c {
dimensions: time = UNLIMITED ; plev = 3 ; lat = 4 ; lon = 6 ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ; time:calendar = "noleap" ; time:axis = "T" ;
  double plev(plev) ; plev:units = "Pa" ; plev:axis = "Z" ;
  double lat(lat) ; lat:units = "degrees_north" ;
  double lon(lon) ; lon:units = "degrees_east" ;
  float ta(time, plev, lat, lon) ; ta:units = "K" ;
data:
  time = 15, 45, 74 ; plev = 85000, 50000, 25000 ; lat = -45, -15, 15, 45 ; lon = 0, 60, 120, 180, 240, 300 ;
  ta = ${range(3 * 3 * 4 * 6).join(', ')} ;
}
`,
    );
    execFileSync('ncgen', ['-k', 'nc4', '-o', src, path.join(dir, 'c.cdl')]);
    const file = path.join(dir, 'cdo.nc');
    execFileSync('cdo', ['-s', '-O', '-f', 'nc4', '-addc,1', src, file]);
    for (const name of ['ta', 'time', 'plev', 'lat', 'lon']) await expectSameAsHdf5(h5, file, name, 'raw');
  });

  it('reads version 1 and 2 object headers, v1 B-trees, single chunks and contiguous data h5wasm writes', async () => {
    const cases: [string, LIBVER_BOUNDS | undefined, Record<string, Path>][] = [
      [
        'default',
        undefined,
        { grow: 'raw', fixed: 'raw', single: 'raw', contiguous: 'raw', sparse: 'sparse' },
      ],
      [
        'earliest',
        ['earliest', 'latest'],
        { grow: 'raw', fixed: 'raw', single: 'raw', contiguous: 'raw', sparse: 'sparse' },
      ],
      // Version 4 layouts: the extensible and fixed array chunk indexes are HDF5's to read.
      ['latest', 'latest', { grow: 'hdf5', fixed: 'hdf5', single: 'raw', contiguous: 'raw', sparse: 'hdf5' }],
    ];
    for (const [label, libver, raw] of cases) {
      const file = path.join(dir, `h5wasm-${label}.nc`);
      const f = new h5.File(file, 'w', libver ? { libver } : {});
      const data = (n: number) => Float64Array.from(range(n), (i) => i * 1.5 - 7);
      f.create_dataset({
        name: 'grow',
        data: data(84),
        shape: [3, 4, 7],
        maxshape: [null, 4, 7],
        chunks: [2, 3, 2],
        dtype: '<d',
      });
      f.create_dataset({ name: 'fixed', data: data(84), shape: [3, 4, 7], chunks: [2, 3, 4], dtype: '<d' });
      f.create_dataset({ name: 'single', data: data(84), shape: [3, 4, 7], chunks: [3, 4, 7], dtype: '<d' });
      f.create_dataset({ name: 'contiguous', data: data(84), shape: [3, 4, 7], dtype: '<d' });
      // Only the first of four chunks written: the others read as fill values, through HDF5.
      const sparse = f.create_dataset({
        name: 'sparse',
        data: new Float64Array(0),
        shape: [0, 6],
        maxshape: [null, 6],
        chunks: [2, 6],
        dtype: '<d',
      });
      sparse.resize([8, 6]);
      sparse.write_slice(
        [
          [0, 2],
          [0, 6],
        ],
        data(12),
      );
      f.close();
      for (const [name, expectRaw] of Object.entries(raw)) await expectSameAsHdf5(h5, file, name, expectRaw);
    }
  });

  it('finds no storage where the file is not laid out as it should be, and throws for nothing', async () => {
    const file = path.join(dir, 'ncgen-nc4.nc');
    const fd = fs.openSync(file, 'r');
    try {
      const expected = { shape: [3, 3, 5, 7], elementSize: 4, chunks: [2, 2, 3, 4], littleEndian: true };
      // Not an object header, an address past the end, a chunk shape HDF5 did not report.
      expect(locateRawStorage(fd, 1, expected)).to.equal(undefined);
      expect(locateRawStorage(fd, 2 ** 40, expected)).to.equal(undefined);
      const f = new h5.File(file, 'r');
      const address = objectAddress(f.get('a') as Dataset);
      f.close();
      expect(locateRawStorage(fd, address, expected)).to.not.equal(undefined);
      expect(locateRawStorage(fd, address, { ...expected, chunks: [1, 2, 3, 4] })).to.equal(undefined);
      expect(locateRawStorage(fd, address, { ...expected, elementSize: 8 })).to.equal(undefined);
      expect(locateRawStorage(fd, address, { ...expected, chunks: null })).to.equal(undefined);
      expect(locateRawStorage(fd, address, { ...expected, littleEndian: false })).to.equal(undefined);
    } finally {
      fs.closeSync(fd);
    }
  });
});
