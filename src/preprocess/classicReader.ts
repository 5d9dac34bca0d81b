import fs from 'node:fs';
import { NetCDFReader } from 'netcdfjs';
import { findVariable } from './readerContract.js';
import type { NetcdfFormat, NetcdfReader } from './readerContract.js';
import { DTYPE_BYTES, product, resolveSlab } from './ncTypes.js';
import type {
  Hyperslab,
  NcAttributeValue,
  NcDimension,
  NcDtype,
  NcVariableInfo,
  NumericArray,
} from './ncTypes.js';

/** netcdfjs type names → fairpod dtypes. */
const CLASSIC_TYPES: Record<string, NcDtype> = {
  byte: 'i1',
  char: 'char',
  short: 'i2',
  int: 'i4',
  float: 'f4',
  double: 'f8',
};
/** Where one variable's bytes live. */
interface Layout {
  offset: number;
  record: boolean;
}

/**
 * Reads classic and 64-bit-offset netCDF-3 files. netcdfjs parses the header (from the first bytes only);
 * hyperslabs are then read here straight from the file at their byte offsets, because netcdfjs needs the whole file
 * in memory to read data, and decoding big-endian runs by hand keeps memory bounded by the slab.
 */
export class ClassicNetcdfReader implements NetcdfReader {
  readonly dimensions: NcDimension[];
  readonly variables: NcVariableInfo[];
  readonly attributes: Record<string, NcAttributeValue>;
  private readonly layouts = new Map<string, Layout>();
  private readonly recordStep: number;

  private constructor(
    readonly path: string,
    readonly format: NetcdfFormat,
    private readonly fd: number,
    header: NetCDFReader,
  ) {
    const numRecords = header.recordDimension.length;
    const recordId = header.recordDimension.id;
    this.dimensions = header.dimensions.map((d, i) => ({
      name: d.name,
      size: i === recordId ? numRecords : d.size,
      unlimited: i === recordId,
    }));
    this.attributes = attributesOf(header.globalAttributes);
    this.variables = header.variables.map((v) => {
      const dims = v.dimensions.map((id) => this.dimensions[id]);
      this.layouts.set(v.name, { offset: v.offset, record: v.record });
      return {
        name: v.name,
        dimensions: dims.map((d) => d.name),
        shape: dims.map((d) => d.size),
        dtype: CLASSIC_TYPES[v.type] ?? 'f8',
        attributes: attributesOf(v.attributes as { name: string; type: string; value: string | number }[]),
      };
    });
    const recordVars = this.variables.filter((v) => this.layouts.get(v.name)!.record);
    // With a single record variable, netCDF-3 stores records without padding (the header's vsize is padded).
    this.recordStep =
      recordVars.length === 1
        ? product(recordVars[0].shape.slice(1)) * DTYPE_BYTES[recordVars[0].dtype]
        : (header.recordDimension.recordStep ?? 0);
  }

  /** Opens a file and parses its header, reading more of the file only while the header needs it. */
  static async open(file: string, format: NetcdfFormat): Promise<ClassicNetcdfReader> {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      for (let bytes = Math.min(size, 64 * 1024); ; bytes = Math.min(size, bytes * 4)) {
        const head = Buffer.alloc(bytes);
        fs.readSync(fd, head, 0, bytes, 0);
        try {
          return new ClassicNetcdfReader(file, format, fd, new NetCDFReader(head));
        } catch (err) {
          if (bytes >= size) throw err;
        }
      }
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  hasVariable(name: string): boolean {
    return this.layouts.has(name);
  }

  isFiltered(): boolean {
    return false; // netCDF-3 has no compression
  }

  variable(name: string): NcVariableInfo {
    return findVariable(this.path, this.variables, name);
  }

  read(name: string, slab?: Hyperslab): NumericArray {
    const info = this.variable(name);
    const layout = this.layouts.get(name)!;
    const item = DTYPE_BYTES[info.dtype];
    const { start, count } = resolveSlab(info.shape, slab);
    const out = allocate(info.dtype, product(count));
    if (out.length === 0) return out;
    const rank = info.shape.length;
    // Records of different variables are interleaved, so a contiguous run never spans the record dimension.
    const minDim = layout.record ? 1 : 0;
    let last = rank - 1;
    while (last > minDim && count[last] === info.shape[last]) last--;
    // Dimensions runDim.. form one contiguous run of bytes (all below runDim are whole).
    const runDim = Math.max(last, minDim);
    const runLength = product(count.slice(runDim));
    const buf = Buffer.alloc(runLength * item);
    const strides = info.shape.map((_, i) => product(info.shape.slice(i + 1)) * item);
    if (layout.record) strides[0] = this.recordStep;
    const outer = count.slice(0, runDim);
    const index = new Array<number>(runDim).fill(0);
    for (let written = 0; written < out.length; written += runLength) {
      let offset = layout.offset;
      for (let d = 0; d < rank; d++) offset += (start[d] + (d < runDim ? index[d] : 0)) * strides[d];
      fs.readSync(this.fd, buf, 0, buf.length, offset);
      decodeBigEndian(buf, info.dtype, out, written);
      for (let d = runDim - 1; d >= 0; d--) {
        if (++index[d] < outer[d]) break;
        index[d] = 0;
      }
    }
    return out;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function allocate(dtype: NcDtype, n: number): NumericArray {
  switch (dtype) {
    case 'f4':
      return new Float32Array(n);
    case 'i1':
    case 'char':
      return new Int8Array(n);
    case 'i2':
      return new Int16Array(n);
    case 'i4':
      return new Int32Array(n);
    default:
      return new Float64Array(n);
  }
}

function decodeBigEndian(buf: Buffer, dtype: NcDtype, out: NumericArray, at: number): void {
  const item = DTYPE_BYTES[dtype];
  const n = buf.length / item;
  for (let i = 0; i < n; i++) {
    const o = i * item;
    switch (dtype) {
      case 'f4':
        out[at + i] = buf.readFloatBE(o);
        break;
      case 'f8':
        out[at + i] = buf.readDoubleBE(o);
        break;
      case 'i2':
        out[at + i] = buf.readInt16BE(o);
        break;
      case 'i4':
        out[at + i] = buf.readInt32BE(o);
        break;
      default:
        out[at + i] = buf.readInt8(o);
    }
  }
}

function attributesOf(
  list: { name: string; type: string; value: unknown }[],
): Record<string, NcAttributeValue> {
  const out: Record<string, NcAttributeValue> = {};
  for (const a of list) {
    const v = a.value;
    if (typeof v === 'string') out[a.name] = v.replace(/\0+$/, '');
    else if (typeof v === 'number') out[a.name] = v;
    else if (Array.isArray(v)) out[a.name] = v.length === 1 ? Number(v[0]) : v.map(Number);
  }
  return out;
}
