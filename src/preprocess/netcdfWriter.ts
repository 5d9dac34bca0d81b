import fs from 'node:fs';
import path from 'node:path';
import type { Dataset, File as H5File } from 'h5wasm';
import { FairpodError } from '../core/errors.js';
import { loadH5, Module } from './h5.js';
import { DTYPE_BYTES, NUMERIC_ARRAYS, product, resolveSlab } from './ncTypes.js';
import type { Hyperslab, NcAttributeInput, NcDtype, NumericArray } from './ncTypes.js';
import { tempPathFor } from '../store/atomicWrite.js';

/** Storage types the writer supports. */
export type WritableDtype = Exclude<NcDtype, 'char' | 'i8'>;

/** A dimension to define. An unlimited dimension starts at `size` (often 0) and grows as slabs are written. */
export interface DimensionDefinition {
  name: string;
  size: number;
  unlimited?: boolean;
}

/** A variable to define. A variable named like its only dimension is that dimension's coordinate variable. */
export interface VariableDefinition {
  name: string;
  dtype: WritableDtype;
  dimensions: string[];
  attributes?: Record<string, NcAttributeInput>;
  /** All of the data at once (small variables); omit it to write hyperslabs later with `writeSlab`. */
  data?: NumericArray | number[];
  /** Chunk shape; default: a few MB along the first dimension (one time step for large grids). */
  chunks?: number[];
  /** gzip level 1–9; default none. */
  deflate?: number;
}

/** netCDF-4's marker for a dimension that has no coordinate variable (netCDF-C's `DIM_WITHOUT_VARIABLE`). */
export const DIM_WITHOUT_VARIABLE = 'This is a netCDF dimension but not a netCDF variable.';

/** HDF5 dtype strings h5wasm understands, by netCDF type. */
const H5_DTYPE: Record<WritableDtype, string> = {
  f4: '<f',
  f8: '<d',
  i1: '<b',
  u1: '<B',
  i2: '<h',
  u2: '<H',
  i4: '<i',
  u4: '<I',
};
/** CF attributes that must have the variable's own type. */
const SAME_TYPE_ATTRIBUTES = new Set([
  '_FillValue',
  'missing_value',
  'valid_min',
  'valid_max',
  'valid_range',
  'actual_range',
]);
/** Attributes HDF5's dimension scale functions write (the others only `setAttribute` writes). */
const SCALE_ATTRIBUTES = new Set(['CLASS', 'NAME', 'DIMENSION_LIST', 'REFERENCE_LIST']);
/** Chunks around this size keep time-slice I/O fast without large buffers. */
const TARGET_CHUNK_BYTES = 1 << 20;

/**
 * Writes a netCDF-4 file through h5wasm: dimensions become HDF5 dimension scales attached to the variables
 * (DIMENSION_LIST / REFERENCE_LIST), text attributes are fixed-length ASCII (netCDF `char`), numeric ones keep
 * their type, and the file only appears under its final name when `close()` succeeds (temp name, then rename).
 * Define coordinate variables before the variables that use their dimension.
 */
export class NetcdfWriter {
  private readonly dimensions = new Map<string, { size: number; unlimited: boolean; scale?: string }>();
  private readonly variables = new Map<
    string,
    { dataset: Dataset; dtype: WritableDtype; dimensions: string[] }
  >();
  private closed = false;
  /** Names of the attributes `setAttribute` wrote, by variable ('' for global ones). */
  private readonly attributeNames = new Map<string, Set<string>>();
  /** HDF5 memory `writeSlabFilled` fills, kept for the next slab. */
  private scratch?: { ptr: number; bytes: number };

  private constructor(
    /** Where the file will be once closed. */
    readonly finalPath: string,
    private readonly tempPath: string,
    private readonly file: H5File,
  ) {}

  /** Opens a new file that will become `finalPath` on `close()`; global attributes may be given now or later. */
  static async create(
    finalPath: string,
    globalAttributes: Record<string, NcAttributeInput> = {},
  ): Promise<NetcdfWriter> {
    const h5 = await loadH5();
    await fs.promises.mkdir(path.dirname(finalPath), { recursive: true });
    const tempPath = tempPathFor(finalPath);
    // netCDF-C expects creation order tracked on the root group; without it, nc_open in append mode fails.
    const file = new h5.File(tempPath, 'w', { track_order: true });
    const writer = new NetcdfWriter(finalPath, tempPath, file);
    for (const [name, value] of Object.entries(globalAttributes)) writer.setAttribute(null, name, value);
    return writer;
  }

  /** Declares a dimension. Its scale is created with its coordinate variable, or on first use without one. */
  defineDimension(def: DimensionDefinition): void {
    if (this.dimensions.has(def.name)) throw new Error(`dimension ${def.name} defined twice`);
    this.dimensions.set(def.name, { size: def.size, unlimited: def.unlimited ?? false });
  }

  /** Current size of a dimension (an unlimited one grows with the slabs written). */
  dimensionSize(name: string): number {
    const dim = this.dimensions.get(name);
    if (!dim) throw new Error(`unknown dimension ${name}`);
    return dim.size;
  }

  /** Creates a variable, writing its data if given. */
  defineVariable(def: VariableDefinition): void {
    if (this.variables.has(def.name)) throw new Error(`variable ${def.name} defined twice`);
    const dims = def.dimensions.map((d) => {
      const dim = this.dimensions.get(d);
      if (!dim) throw new Error(`variable ${def.name} uses undefined dimension ${d}`);
      return dim;
    });
    const isCoordinate = def.dimensions.length === 1 && def.dimensions[0] === def.name;
    if (isCoordinate && dims[0].scale) {
      throw new Error(
        `coordinate variable ${def.name} must be defined before the variables that use dimension ${def.name}`,
      );
    }
    const shape = dims.map((d) => d.size);
    const unlimited = dims.map((d) => d.unlimited);
    const dataset = this.createDataset(
      def.name,
      def.dtype,
      shape,
      unlimited,
      def.data,
      def.chunks,
      def.deflate,
    );
    if (isCoordinate) {
      dataset.make_scale(def.name);
      dims[0].scale = `/${def.name}`;
    } else {
      def.dimensions.forEach((d, i) => dataset.attach_scale(i, this.scaleOf(d)));
    }
    this.variables.set(def.name, { dataset, dtype: def.dtype, dimensions: def.dimensions });
    for (const [name, value] of Object.entries(def.attributes ?? {}))
      this.setAttribute(def.name, name, value);
  }

  /**
   * Writes `data` (row-major, exactly the slab's size) into a hyperslab of a variable. Writing past the end of an
   * unlimited first dimension grows it (and its coordinate variable's extent with it).
   */
  writeSlab(name: string, slab: Hyperslab, data: NumericArray | number[]): void {
    const { v, start, count, grown } = this.slabOf(name, slab);
    if (data.length !== product(count))
      throw new RangeError(`slab of ${name} holds ${product(count)} values, got ${data.length}`);
    const typed = data instanceof NUMERIC_ARRAYS[v.dtype] ? data : new NUMERIC_ARRAYS[v.dtype](data);
    this.grow(v, grown);
    v.dataset.write_slice(
      start.map((s, i) => [s, s + count[i]]),
      typed,
    );
  }

  /**
   * Writes a hyperslab as `writeSlab` does, its values put by `fill` straight into HDF5's memory: a typed array
   * of the variable's type and the slab's size, reused from slab to slab, which saves a copy of every value.
   * `fill` must not call h5wasm (growing its memory would move the array); when it returns false, nothing is
   * written (nor grown) and this returns false.
   */
  writeSlabFilled(name: string, slab: Hyperslab, fill: (values: NumericArray) => boolean): boolean {
    const { v, start, count, grown } = this.slabOf(name, slab);
    const n = product(count);
    const bytes = n * DTYPE_BYTES[v.dtype];
    if (!this.scratch || this.scratch.bytes < bytes) {
      this.freeScratch();
      const ptr = Module._malloc(Math.max(1, bytes));
      if (ptr === 0) throw new Error(`cannot allocate ${bytes} bytes for a slab of ${name}`);
      this.scratch = { ptr, bytes };
    }
    const { ptr } = this.scratch;
    const heap = Module.HEAPU8.buffer;
    if (!fill(new NUMERIC_ARRAYS[v.dtype](heap, ptr, n))) return false;
    if (Module.HEAPU8.buffer !== heap)
      throw new Error(`h5wasm's memory moved while a slab of ${name} was filled`);
    // From here h5wasm may grow its memory: the values stay at `ptr`.
    this.grow(v, grown);
    const status = Module.set_dataset_data(
      this.file.file_id,
      v.dataset.path,
      count.map(BigInt),
      start.map(BigInt),
      count.map(() => 1n),
      BigInt(ptr),
    );
    if (status < 0) throw new Error(`HDF5 could not write a slab of ${name}`);
    return true;
  }

  /** The variable, its slab resolved, and the shape it must grow to first (undefined: it need not grow). */
  private slabOf(name: string, slab: Hyperslab) {
    const v = this.variables.get(name);
    if (!v) throw new Error(`unknown variable ${name}`);
    const dims = v.dimensions.map((d) => this.dimensions.get(d)!);
    const shape = (v.dataset.shape ?? []).slice();
    let grown: number[] | undefined;
    slab.forEach((range, i) => {
      if (range && range[1] > shape[i]) {
        if (!dims[i].unlimited)
          throw new RangeError(
            `slab [${range[0]}, ${range[1]}) beyond fixed dimension ${v.dimensions[i]} of ${name}`,
          );
        shape[i] = range[1];
        grown = shape;
      }
    });
    return { v, grown, ...resolveSlab(shape, slab) };
  }

  /** Grows a variable (and its unlimited dimensions) to `shape`, when given. */
  private grow(v: { dataset: Dataset; dimensions: string[] }, shape: number[] | undefined): void {
    if (!shape) return;
    v.dataset.resize(shape);
    v.dimensions.forEach((name, i) => {
      const d = this.dimensions.get(name)!;
      if (d.unlimited && shape[i] > d.size) d.size = shape[i];
    });
  }

  /** Sets an attribute of a variable, or a global one when `variable` is null. */
  setAttribute(variable: string | null, name: string, value: NcAttributeInput): void {
    const target = variable === null ? this.file : this.variables.get(variable)?.dataset;
    if (!target) throw new Error(`unknown variable ${variable}`);
    // Asking HDF5 for the names costs a call into it per attribute: the writer knows those it wrote.
    const key = variable ?? '';
    let written = this.attributeNames.get(key);
    if (!written) this.attributeNames.set(key, (written = new Set()));
    if (written.has(name) || (SCALE_ATTRIBUTES.has(name) && name in target.attrs))
      target.delete_attribute(name);
    written.add(name);
    if (typeof value === 'string') {
      // Fixed-length ASCII strings read as netCDF `char` attributes, which CDO and NCO handle everywhere (NC_STRING is not).
      const text = value.length === 0 ? ' ' : value;
      target.create_attribute(name, text, null, `S${Buffer.byteLength(text)}`);
      return;
    }
    const own =
      variable !== null && SAME_TYPE_ATTRIBUTES.has(name) ? this.variables.get(variable)!.dtype : undefined;
    const values = typeof value === 'number' ? [value] : value;
    const dtype = own ?? dtypeOfAttribute(values);
    const typed = new NUMERIC_ARRAYS[dtype](Array.from(values as ArrayLike<number>));
    target.create_attribute(name, typed, [typed.length], H5_DTYPE[dtype]);
  }

  /** Flushes, closes and moves the file to its final name. */
  async close(): Promise<string> {
    if (this.closed) return this.finalPath;
    this.closed = true;
    this.freeScratch();
    try {
      this.file.close();
      await fs.promises.rename(this.tempPath, this.finalPath);
    } catch (err) {
      await fs.promises.rm(this.tempPath, { force: true });
      throw new FairpodError(`could not write ${this.finalPath}: ${(err as Error).message}`, {
        location: { file: this.finalPath },
        hint: 'check that the directory is writable and the disk is not full',
        cause: err,
      });
    }
    return this.finalPath;
  }

  /** Closes and deletes the unfinished file; the final name is never touched. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.freeScratch();
      try {
        this.file.close();
      } catch {
        // Already unusable: removing it below is all that is left to do.
      }
    }
    await fs.promises.rm(this.tempPath, { force: true });
  }

  private freeScratch(): void {
    if (this.scratch) Module._free(this.scratch.ptr);
    this.scratch = undefined;
  }

  /** The scale dataset of a dimension, creating netCDF's "dimension without variable" scale when there is none. */
  private scaleOf(name: string): string {
    const dim = this.dimensions.get(name)!;
    if (!dim.scale) {
      const ds = this.createDataset(name, 'f4', [dim.size], [dim.unlimited], undefined, undefined, undefined);
      // netCDF-C recognises the marker by prefix and reads the length from the dataspace, as it writes it itself.
      ds.make_scale(`${DIM_WITHOUT_VARIABLE}${String(dim.size).padStart(10)}`);
      dim.scale = `/${name}`;
    }
    return dim.scale;
  }

  private createDataset(
    name: string,
    dtype: WritableDtype,
    shape: number[],
    unlimited: boolean[],
    data: NumericArray | number[] | undefined,
    chunks: number[] | undefined,
    deflate: number | undefined,
  ): Dataset {
    const anyUnlimited = unlimited.some(Boolean);
    const chunked = anyUnlimited || data === undefined || deflate !== undefined || chunks !== undefined;
    const chunkShape = chunked ? (chunks ?? defaultChunks(shape, DTYPE_BYTES[dtype])) : null;
    // Without data, start empty along the first dimension and grow: h5wasm needs a buffer as large as the shape.
    const initialShape = data === undefined && shape.length > 0 ? [0, ...shape.slice(1)] : shape;
    const maxshape = chunked ? shape.map((s, i) => (unlimited[i] ? null : s)) : null;
    const values =
      data === undefined
        ? new NUMERIC_ARRAYS[dtype](product(initialShape))
        : data instanceof NUMERIC_ARRAYS[dtype]
          ? data
          : new NUMERIC_ARRAYS[dtype](data);
    if (values.length !== product(initialShape)) {
      throw new RangeError(
        `variable ${name}: data holds ${values.length} values, its shape [${shape}] needs ${product(shape)}`,
      );
    }
    const ds = this.file.create_dataset({
      name,
      data: values,
      shape: initialShape,
      dtype: H5_DTYPE[dtype],
      maxshape,
      chunks: chunkShape,
      track_order: true,
      ...(deflate ? { compression: deflate } : {}),
    });
    if (data === undefined && shape.length > 0 && shape[0] > 0) ds.resize(shape);
    return ds;
  }
}

/** Chunks of about TARGET_CHUNK_BYTES along the first dimension; whole extents along the others. */
function defaultChunks(shape: number[], itemBytes: number): number[] {
  if (shape.length === 0) return [];
  const rest = shape.slice(1).map((s) => Math.max(1, s));
  const perStep = product(rest) * itemBytes;
  const steps = Math.max(1, Math.min(Math.floor(TARGET_CHUNK_BYTES / perStep), shape[0]));
  return [steps, ...rest];
}

/** The stored type of a numeric attribute: a typed array keeps its own, plain numbers are doubles. */
function dtypeOfAttribute(values: ArrayLike<number>): WritableDtype {
  if (values instanceof Float32Array) return 'f4';
  if (values instanceof Int8Array) return 'i1';
  if (values instanceof Uint8Array) return 'u1';
  if (values instanceof Int16Array) return 'i2';
  if (values instanceof Int32Array) return 'i4';
  return 'f8';
}
