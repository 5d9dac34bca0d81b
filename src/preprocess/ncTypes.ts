/** Shapes shared by the netCDF readers and the writer. */

/** Numeric storage types fairpod reads and writes (netCDF names: float, double, byte, short, int, int64 ...). */
export type NcDtype = 'f4' | 'f8' | 'i1' | 'u1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'char';

/** An attribute value as read: text, or numbers (a one-element numeric attribute is a plain number). */
export type NcAttributeValue = string | number | number[];

/** An attribute value to write; a typed array fixes the stored type (Float32Array → float ...), plain numbers are doubles. */
export type NcAttributeInput =
  NcAttributeValue | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array;

/** A typed array holding variable data. */
export type NumericArray =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** A numeric typed array's constructor: from a length or values, or a view on memory. */
export interface NumericArrayConstructor {
  new (n: number | ArrayLike<number>): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
}

/** The typed array of each numeric dtype but 64-bit integers (whose values need a BigInt64Array). */
export const NUMERIC_ARRAYS: Record<Exclude<NcDtype, 'char' | 'i8'>, NumericArrayConstructor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  u1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
};

/** One dimension of a file. */
export interface NcDimension {
  name: string;
  size: number;
  unlimited: boolean;
}

/** What a reader knows about one variable without reading its data. */
export interface NcVariableInfo {
  name: string;
  /** Dimension names, slowest-varying first. */
  dimensions: string[];
  shape: number[];
  dtype: NcDtype;
  attributes: Record<string, NcAttributeValue>;
}

/** A hyperslab: one `[start, end)` pair per dimension; a missing entry means the whole dimension. */
export type Hyperslab = ([number, number] | undefined)[];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<NcDtype, number> = {
  f4: 4,
  f8: 8,
  i1: 1,
  u1: 1,
  i2: 2,
  u2: 2,
  i4: 4,
  u4: 4,
  i8: 8,
  char: 1,
};

/** Number of elements in a shape. */
export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Resolves a hyperslab against a shape into explicit starts and counts. */
export function resolveSlab(
  shape: readonly number[],
  slab: Hyperslab = [],
): { start: number[]; count: number[] } {
  const start: number[] = [];
  const count: number[] = [];
  shape.forEach((size, i) => {
    const [s, e] = slab[i] ?? [0, size];
    if (s < 0 || e > size || s > e)
      throw new RangeError(`hyperslab [${s}, ${e}) outside dimension ${i} of size ${size}`);
    start.push(s);
    count.push(e - s);
  });
  return { start, count };
}
