import fs from 'node:fs';
import { posix } from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm';
import { loadH5, quietHdf5 } from './h5.js';
import type { H5 } from './h5.js';
import { findVariable } from './readerContract.js';
import type { NetcdfReader } from './readerContract.js';
import { DTYPE_BYTES, NUMERIC_ARRAYS, product, resolveSlab } from './ncTypes.js';
import type {
  Hyperslab,
  NcAttributeValue,
  NcDimension,
  NcDtype,
  NcVariableInfo,
  NumericArray,
} from './ncTypes.js';
import { DIM_WITHOUT_VARIABLE } from './netcdfWriter.js';
import { locateRawStorage, readRawSlab } from './hdf5Storage.js';
import type { RawStorage } from './hdf5Storage.js';

/** HDF5 / netCDF-4 bookkeeping attributes that are not user attributes. */
const HIDDEN_ATTRIBUTES = new Set([
  'CLASS',
  'NAME',
  'DIMENSION_LIST',
  'REFERENCE_LIST',
  '_Netcdf4Dimid',
  '_Netcdf4Coordinates',
  '_nc3_strict',
  '_NCProperties',
  '_SuperblockVersion',
  '_IsNetcdf4',
]);
/** h5wasm's type classes (H5T_class_t). */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
/** Typed arrays of the raw bytes of each dtype (as the file stores them, little-endian). */
const RAW_ARRAY: Partial<Record<NcDtype, new (n: number) => NumericArray | BigInt64Array>> = {
  ...NUMERIC_ARRAYS,
  i8: BigInt64Array,
};

/** One dataset of the file as HDF5 describes it, each part asked for once: every h5wasm call is a trip into HDF5. */
interface DatasetEntry {
  name: string;
  ds: Dataset;
  meta: Dataset['metadata'];
  attrs: Set<string>;
}

/**
 * Reads netCDF-4 (and plain HDF5) files with h5wasm: dimensions from dimension scales, data by hyperslab.
 * Metadata is read when asked for: a variable alone (its own attributes and dimension scales) when it names
 * all its dimensions by scales, else, as for the lists of variables and dimensions, every dataset's.
 */
export class Hdf5NetcdfReader implements NetcdfReader {
  readonly format = 'netCDF-4' as const;
  private readonly datasets = new Map<string, Dataset>();
  /** Variables found so far (null: the name is not a variable). */
  private readonly infos = new Map<string, NcVariableInfo | null>();
  private scanned?: { dimensions: NcDimension[]; variables: NcVariableInfo[] };
  private globals?: Record<string, NcAttributeValue>;
  private readonly names: Set<string>;
  /** Where each variable's bytes are, once asked (null: read through HDF5). */
  private readonly rawStorage = new Map<string, RawStorage | null>();
  /** The file opened again for reading raw bytes (on the first raw read). */
  private fd?: number;

  private constructor(
    readonly path: string,
    private readonly file: H5File,
    private readonly h5: H5,
  ) {
    this.names = new Set(file.keys());
  }

  /** Opens a file read-only. */
  static async open(file: string): Promise<Hdf5NetcdfReader> {
    const h5 = await loadH5();
    return quietHdf5(() => new Hdf5NetcdfReader(file, new h5.File(file, 'r'), h5));
  }

  get attributes(): Record<string, NcAttributeValue> {
    return (this.globals ??= quietHdf5(() => readAttributes(this.file)));
  }

  get dimensions(): NcDimension[] {
    return this.scan().dimensions;
  }

  /** Data and coordinate variables, in the file's order. */
  get variables(): NcVariableInfo[] {
    return this.scan().variables;
  }

  hasVariable(name: string): boolean {
    return this.info(name) !== null;
  }

  variable(name: string): NcVariableInfo {
    return this.info(name) ?? findVariable(this.path, this.variables, name);
  }

  /** A variable's metadata, read alone when it can be, else with the whole file's; null for a non-variable. */
  private info(name: string): NcVariableInfo | null {
    const known = this.infos.get(name);
    if (known !== undefined) return known;
    if (!this.names.has(name)) return null;
    if (!this.scanned) {
      const alone = quietHdf5(() => {
        const entry = this.entry(name);
        return entry ? this.describe(entry, isScale(entry), () => undefined) : null;
      });
      if (alone !== undefined) {
        this.infos.set(name, alone);
        return alone;
      }
    }
    this.scan();
    return this.infos.get(name) ?? null;
  }

  /** Every dataset's metadata: the dimensions (scales, else netCDF-C's phony ones) and variables in order. */
  private scan(): { dimensions: NcDimension[]; variables: NcVariableInfo[] } {
    if (this.scanned) return this.scanned;
    this.scanned = quietHdf5(() => {
      const entries = [...this.names].map((n) => this.entry(n)).filter((e) => e !== undefined);
      const dims = new Map<string, NcDimension>();
      // Dimension scales first, so that variables can name them.
      for (const e of entries)
        if (isScale(e))
          dims.set(e.name, {
            name: e.name,
            size: e.meta.shape?.[0] ?? 0,
            unlimited: (e.meta.maxshape?.[0] ?? 0) > Number.MAX_SAFE_INTEGER,
          });
      const variables: NcVariableInfo[] = [];
      for (const e of entries) {
        const info = this.infos.has(e.name)
          ? this.infos.get(e.name)!
          : (this.describe(e, dims.has(e.name), (size) => {
              // Plain HDF5 without scales: netCDF-C's phony dimension naming, one per distinct size.
              const phony = `phony_dim_${size}`;
              if (!dims.has(phony)) dims.set(phony, { name: phony, size, unlimited: false });
              return phony;
            }) ?? null);
        this.infos.set(e.name, info);
        if (info) variables.push(info);
      }
      return { dimensions: [...dims.values()], variables };
    });
    return this.scanned;
  }

  /** The dataset named, with its metadata and attribute names; undefined for a group or a datatype. */
  private entry(name: string): DatasetEntry | undefined {
    const ds = this.file.get(name);
    if (!(ds instanceof this.h5.Dataset)) return undefined;
    return { name, ds, meta: ds.metadata, attrs: new Set(Object.keys(ds.attrs)) };
  }

  /**
   * A dataset as a variable, or null when it is not one (netCDF's dimension without variable, strings ...);
   * undefined when a dimension has no scale and `unscaled` has no name for it.
   */
  private describe(
    e: DatasetEntry,
    scale: boolean,
    unscaled: (size: number) => string | undefined,
  ): NcVariableInfo | null | undefined {
    if (textAttribute(e.ds, e.attrs, 'NAME')?.startsWith(DIM_WITHOUT_VARIABLE)) return null;
    const dtype = dtypeOf(e.meta.type, e.meta.size, e.meta.signed);
    if (!dtype) return null; // strings, compounds, references: not data fairpod preprocesses
    const shape = e.meta.shape ?? [];
    const dimensions: string[] = [];
    for (let i = 0; i < shape.length; i++) {
      const attached = scale && i === 0 ? e.name : e.ds.get_attached_scales(i)[0];
      const dim = attached ? posix.basename(attached) : unscaled(shape[i]!);
      if (dim === undefined) return undefined;
      dimensions.push(dim);
    }
    this.datasets.set(e.name, e.ds);
    return { name: e.name, dimensions, shape, dtype, attributes: readAttributes(e.ds, e.attrs) };
  }

  isFiltered(name: string): boolean {
    this.variable(name);
    return this.datasets.get(name)!.filters.length > 0;
  }

  read(name: string, slab?: Hyperslab): NumericArray {
    const info = this.variable(name);
    const ds = this.datasets.get(name)!;
    const { start, count } = resolveSlab(info.shape, slab);
    if (info.shape.length === 0) return toNumeric(ds.value);
    if (product(count) === 0) return new Float64Array(0);
    if (this.storageOf(name, ds, info.dtype)) {
      const values = new RAW_ARRAY[info.dtype]!(product(count));
      if (this.readRaw(name, slab, values)) return toNumeric(values);
    }
    return toNumeric(ds.slice(start.map((s, i) => [s, s + count[i]])));
  }

  readsRaw(name: string): boolean {
    const { dtype } = this.variable(name);
    return this.storageOf(name, this.datasets.get(name)!, dtype) !== null;
  }

  readRaw(name: string, slab: Hyperslab | undefined, out: ArrayBufferView): boolean {
    const info = this.variable(name);
    const raw = this.rawStorage.get(name);
    const { start, count } = resolveSlab(info.shape, slab);
    const bytes = product(count) * DTYPE_BYTES[info.dtype];
    if (!raw || info.shape.length === 0 || bytes === 0 || out.byteLength !== bytes) return false;
    const view = new Uint8Array(out.buffer, out.byteOffset, bytes);
    return readRawSlab(this.fd!, raw, start, count, DTYPE_BYTES[info.dtype], view);
  }

  close(): void {
    this.file.close();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * The raw storage of a variable whose layout `hdf5Storage` understands (unfiltered, little-endian ...), found on
   * its first read: its slabs are then read straight from the file, only the bytes they need (HDF5 would read
   * whole chunks). Null for anything else, read through HDF5.
   */
  private storageOf(name: string, ds: Dataset, dtype: NcDtype): RawStorage | null {
    let raw = this.rawStorage.get(name);
    if (raw !== undefined) return raw;
    raw = null;
    const meta = ds.metadata;
    const ref = ds.create_reference().ref_data;
    if (RAW_ARRAY[dtype] && ref.length === 8) {
      this.fd ??= fs.openSync(this.path, 'r');
      const address = Number(Buffer.from(ref).readBigUInt64LE(0));
      raw =
        locateRawStorage(this.fd, address, {
          shape: meta.shape ?? [],
          elementSize: DTYPE_BYTES[dtype],
          chunks: meta.chunks ?? null,
          littleEndian: meta.littleEndian,
        }) ?? null;
    }
    this.rawStorage.set(name, raw);
    return raw;
  }
}

function dtypeOf(type: number, size: number, signed: boolean): NcDtype | undefined {
  if (type === H5T_FLOAT) return size === 4 ? 'f4' : size === 8 ? 'f8' : undefined;
  if (type === H5T_INTEGER) {
    const bits = size * 8;
    const key = `${signed ? 'i' : 'u'}${size}`;
    return bits <= 64 && ['i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8'].includes(key)
      ? (key as NcDtype)
      : undefined;
  }
  return undefined;
}

/** h5wasm's output as a numeric typed array; 64-bit integers become doubles. */
function toNumeric(value: unknown): NumericArray {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    return Float64Array.from(value, Number);
  if (ArrayBuffer.isView(value)) return value as NumericArray;
  if (typeof value === 'number') return Float64Array.of(value);
  if (typeof value === 'bigint') return Float64Array.of(Number(value));
  throw new TypeError('not numeric data');
}

function isScale(e: DatasetEntry): boolean {
  return textAttribute(e.ds, e.attrs, 'CLASS') === 'DIMENSION_SCALE';
}

/** A text attribute of `ds` (whose attribute names are `names`), if it has it. */
function textAttribute(ds: Dataset, names: Set<string>, name: string): string | undefined {
  if (!names.has(name)) return undefined;
  const v = ds.get_attribute(name, false);
  return typeof v === 'string' ? v : undefined;
}

/**
 * User attributes as plain values; text is trimmed of the NUL padding fixed-length strings may carry. Each is
 * read once by name (h5wasm's `attrs` objects read an attribute's metadata again on every access).
 */
function readAttributes(
  object: Pick<H5File | Dataset, 'attrs' | 'get_attribute'>,
  names: Iterable<string> = Object.keys(object.attrs),
): Record<string, NcAttributeValue> {
  const out: Record<string, NcAttributeValue> = {};
  for (const name of names) {
    if (HIDDEN_ATTRIBUTES.has(name)) continue;
    const v: unknown = object.get_attribute(name, false);
    if (typeof v === 'string') out[name] = v.replace(/\0+$/, '');
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[name] = v.join(',');
    else if (typeof v === 'number' || typeof v === 'bigint') out[name] = Number(v);
    else if (ArrayBuffer.isView(v)) {
      const nums = Array.from(v as unknown as ArrayLike<number | bigint>, Number);
      out[name] = nums.length === 1 ? nums[0] : nums;
    }
  }
  return out;
}
