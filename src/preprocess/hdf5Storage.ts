import fs from 'node:fs';
import { endianness } from 'node:os';

// Hand-written: where the raw bytes of an unfiltered HDF5 dataset lie in its file, read from the file's own
// structures (HDF5 File Format Specification 3.0: superblock, object header, data layout message, version 1
// B-tree of chunks). h5wasm 0.10.3 exports neither H5Dget_chunk_info nor H5Pset_chunk_cache, and its HDF5
// (2.0) reads every chunk its default chunk cache can hold whole: extracting one level of 19 from chunks of
// 4.7 MiB read 19 times the bytes needed (strace). Knowing where each chunk is, only the slab's bytes are read.
// Only the layouts netCDF-C and h5wasm write for uncompressed data are understood: contiguous storage and
// chunks indexed by a version 1 B-tree (layout message version 3), plus a version 4 single chunk. Anything
// else (compact, virtual, external, filtered, big-endian, the version 4 chunk indexes, an unexpected structure) is
// `undefined`, and the caller reads through HDF5 itself. test/preprocess/hdf5Storage.test.ts checks every slab
// against HDF5's own reading, on files written by netCDF-C (ncgen), CDO and h5wasm (version 1 and 2 object
// headers, every libver), and that what is not understood is left to HDF5.

/** The raw storage of a dataset: byte addresses (absolute file positions) of its data. */
export interface RawStorage {
  /** The chunk shape in elements (the dataset's shape for contiguous storage). */
  chunkShape: number[];
  /** File position of each stored chunk, by its chunk coordinates joined with `,` ("0,0,0" for contiguous). */
  chunks: Map<string, number>;
}

/** What a dataset must be for its storage to be understood: h5wasm's metadata, checked against the file. */
export interface DatasetShape {
  shape: number[];
  elementSize: number;
  /** h5wasm's chunk shape, or null for contiguous (or compact) storage. */
  chunks: number[] | null;
  /** The byte order of the stored values: only little-endian ones are read raw (on little-endian hosts). */
  littleEndian: boolean;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const MSG_LAYOUT = 0x08;
const MSG_EXTERNAL_FILES = 0x07;
const MSG_FILTER_PIPELINE = 0x0b;
const MSG_CONTINUATION = 0x10;
const LAYOUT_CONTIGUOUS = 1;
const LAYOUT_CHUNKED = 2;
const V4_INDEX_SINGLE_CHUNK = 1;

/** Raised inside this module when the file is not laid out as expected; the caller gets `undefined`. */
class Unsupported extends Error {}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Unsupported(what);
}

/** Reads little-endian fields of one file, by absolute position. */
class FileFields {
  readonly size: number;
  sizeOfOffsets = 8;
  sizeOfLengths = 8;
  /** File position addresses are relative to. */
  base = 0;

  constructor(private readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }

  bytes(position: number, length: number): Buffer {
    check(position >= 0 && length >= 0 && position + length <= this.size, 'outside the file');
    const buf = Buffer.allocUnsafe(length);
    check(fs.readSync(this.fd, buf, 0, length, position) === length, 'short read');
    return buf;
  }
}

/** An unsigned little-endian integer of `size` bytes; undefined for HDF5's "undefined address" (all ones). */
function uint(buf: Buffer, at: number, size: number): number | undefined {
  let allOnes = true;
  let v = 0;
  for (let i = size - 1; i >= 0; i--) {
    const b = buf[at + i]!;
    if (b !== 0xff) allOnes = false;
    v = v * 256 + b;
  }
  if (allOnes) return undefined;
  check(Number.isSafeInteger(v), 'address beyond 2^53');
  return v;
}

function definedUint(buf: Buffer, at: number, size: number): number {
  const v = uint(buf, at, size);
  check(v !== undefined, 'undefined address');
  return v;
}

/** Finds the superblock (at 0, 512, 1024, 2048 ...) and reads the sizes of offsets and lengths and the base address. */
function readSuperblock(file: FileFields): void {
  for (let at = 0; at + 8 <= file.size; at = at === 0 ? 512 : at * 2) {
    const head = file.bytes(at, Math.min(32, file.size - at));
    if (!head.subarray(0, 8).equals(HDF5_SIGNATURE)) continue;
    const version = head[8]!;
    if (version === 0 || version === 1) {
      file.sizeOfOffsets = head[13]!;
      file.sizeOfLengths = head[14]!;
      const fixed = version === 0 ? 24 : 28;
      file.base = definedUint(file.bytes(at + fixed, file.sizeOfOffsets), 0, file.sizeOfOffsets);
    } else {
      check(version === 2 || version === 3, `superblock version ${version}`);
      file.sizeOfOffsets = head[9]!;
      file.sizeOfLengths = head[10]!;
      file.base = definedUint(file.bytes(at + 12, file.sizeOfOffsets), 0, file.sizeOfOffsets);
    }
    check([2, 4, 8].includes(file.sizeOfOffsets) && [2, 4, 8].includes(file.sizeOfLengths), 'field sizes');
    return;
  }
  throw new Unsupported('no superblock');
}

/** One header message: its type and its data. */
interface Message {
  type: number;
  data: Buffer;
}

/** The messages of the object header at `address` (version 1 or 2), continuation blocks followed. */
function readObjectHeader(file: FileFields, address: number): Message[] {
  const messages: Message[] = [];
  const blocks: [number, number][] = [];
  const first = file.bytes(file.base + address, 16);
  let version: number;
  let creationOrder = false;
  if (first.subarray(0, 4).toString('latin1') === 'OHDR') {
    version = 2;
    check(first[4] === 2, 'object header version');
    const flags = first[5]!;
    let at = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const sizeBytes = 1 << (flags & 0x03);
    const head = file.bytes(file.base + address, at + sizeBytes);
    const chunk0 = definedUint(head, at, sizeBytes);
    at += sizeBytes;
    creationOrder = (flags & 0x04) !== 0;
    blocks.push([file.base + address + at, chunk0]);
  } else {
    version = 1;
    check(first[0] === 1, 'object header version');
    blocks.push([file.base + address + 16, first.readUInt32LE(8)]);
  }
  for (let b = 0; b < blocks.length; b++) {
    check(b < 1000, 'too many header continuations');
    const [position, length] = blocks[b]!;
    const block = file.bytes(position, length);
    let at = 0;
    let end = length;
    if (version === 2 && b > 0) {
      check(block.subarray(0, 4).toString('latin1') === 'OCHK', 'continuation signature');
      at = 4;
      end = length - 4; // checksum
    }
    const headerBytes = version === 1 ? 8 : 4 + (creationOrder ? 2 : 0);
    while (at + headerBytes <= end) {
      const type = version === 1 ? block.readUInt16LE(at) : block[at]!;
      const size = block.readUInt16LE(version === 1 ? at + 2 : at + 1);
      at += headerBytes;
      check(at + size <= end, 'message beyond its block');
      const data = block.subarray(at, at + size);
      at += size;
      if (type === MSG_CONTINUATION) {
        const o = definedUint(data, 0, file.sizeOfOffsets);
        const l = definedUint(data, file.sizeOfOffsets, file.sizeOfLengths);
        blocks.push([file.base + o, l]);
      } else {
        messages.push({ type, data });
      }
    }
  }
  return messages;
}

/** The leaf entries of a version 1 B-tree of chunks: chunk coordinates → file position of the chunk. */
function readChunkBTree(
  file: FileFields,
  root: number,
  chunkShape: number[],
  chunkBytes: number,
  chunks: Map<string, number>,
): void {
  const O = file.sizeOfOffsets;
  const rank = chunkShape.length;
  const keyBytes = 8 + 8 * (rank + 1);
  const pending: [number, number | undefined][] = [[root, undefined]];
  let nodes = 0;
  while (pending.length > 0) {
    const [address, expectedLevel] = pending.pop()!;
    check(++nodes < 1_000_000, 'B-tree too large');
    const head = file.bytes(file.base + address, 8 + 2 * O);
    check(head.subarray(0, 4).toString('latin1') === 'TREE' && head[4] === 1, 'chunk B-tree node');
    const level = head[5]!;
    check(expectedLevel === undefined || level === expectedLevel, 'B-tree levels');
    const entries = head.readUInt16LE(6);
    const body = file.bytes(file.base + address + 8 + 2 * O, entries * (keyBytes + O) + keyBytes);
    for (let i = 0; i < entries; i++) {
      const key = i * (keyBytes + O);
      const child = definedUint(body, key + keyBytes, O);
      if (level > 0) {
        pending.push([child, level - 1]);
        continue;
      }
      check(body.readUInt32LE(key) === chunkBytes, 'chunk size (a filtered chunk?)');
      check(body.readUInt32LE(key + 4) === 0, 'chunk filter mask');
      const coords: number[] = [];
      for (let d = 0; d < rank; d++) {
        const offset = definedUint(body, key + 8 + 8 * d, 8);
        check(offset % chunkShape[d]! === 0, 'chunk offset');
        coords.push(offset / chunkShape[d]!);
      }
      check(file.base + child + chunkBytes <= file.size, 'chunk beyond the end of the file');
      chunks.set(coords.join(','), file.base + child);
    }
  }
}

/**
 * Where the data of the dataset whose object header is at `objectAddress` (an HDF5 object reference) lies in
 * the open file `fd`, or undefined when its layout is not one this module reads (see the comment at the top)
 * or does not match what HDF5 reported (`expected`).
 */
export function locateRawStorage(
  fd: number,
  objectAddress: number,
  expected: DatasetShape,
): RawStorage | undefined {
  if (!expected.littleEndian || endianness() !== 'LE') return undefined;
  try {
    const file = new FileFields(fd);
    readSuperblock(file);
    const messages = readObjectHeader(file, objectAddress);
    if (messages.some((m) => m.type === MSG_FILTER_PIPELINE || m.type === MSG_EXTERNAL_FILES))
      return undefined;
    const layouts = messages.filter((m) => m.type === MSG_LAYOUT);
    check(layouts.length === 1, 'one layout message');
    const layout = layouts[0]!.data;
    const version = layout[0]!;
    const layoutClass = layout[1]!;
    const rank = expected.shape.length;
    const elements = expected.shape.reduce((a, b) => a * b, 1);
    if ((version === 3 || version === 4) && layoutClass === LAYOUT_CONTIGUOUS) {
      check(expected.chunks === null, 'contiguous in the file, chunked for HDF5');
      const address = uint(layout, 2, file.sizeOfOffsets);
      const size = definedUint(layout, 2 + file.sizeOfOffsets, file.sizeOfLengths);
      check(size === elements * expected.elementSize, 'contiguous size');
      const chunks = new Map<string, number>();
      // Never written (no address): the caller reads through HDF5, which returns the fill value.
      if (address === undefined) return undefined;
      check(file.base + address + size <= file.size, 'data beyond the end of the file');
      chunks.set(expected.shape.map(() => 0).join(','), file.base + address);
      return { chunkShape: [...expected.shape], chunks };
    }
    check(layoutClass === LAYOUT_CHUNKED && expected.chunks !== null, 'chunked layout');
    const chunkShape = expected.chunks;
    check(chunkShape.length === rank, 'chunk rank');
    const chunkBytes = chunkShape.reduce((a, b) => a * b, expected.elementSize);
    const chunks = new Map<string, number>();
    if (version === 3) {
      check(layout[2] === rank + 1, 'chunk dimensionality');
      const dimsAt = 3 + file.sizeOfOffsets;
      for (let d = 0; d <= rank; d++)
        check(layout.readUInt32LE(dimsAt + 4 * d) === (chunkShape[d] ?? expected.elementSize), 'chunk shape');
      const root = uint(layout, 3, file.sizeOfOffsets);
      if (root !== undefined) readChunkBTree(file, root, chunkShape, chunkBytes, chunks);
      return { chunkShape: [...chunkShape], chunks };
    }
    check(version === 4, `layout message version ${version}`);
    const flags = layout[2]!;
    check(layout[3] === rank + 1, 'chunk dimensionality');
    const encoded = layout[4]!;
    let at = 5;
    for (let d = 0; d <= rank; d++, at += encoded)
      check(uint(layout, at, encoded) === (chunkShape[d] ?? expected.elementSize), 'chunk shape');
    check(layout[at] === V4_INDEX_SINGLE_CHUNK && (flags & 0x02) === 0, 'chunk index type');
    const address = uint(layout, at + 1, file.sizeOfOffsets);
    if (address !== undefined) {
      check(file.base + address + chunkBytes <= file.size, 'chunk beyond the end of the file');
      chunks.set(chunkShape.map(() => 0).join(','), file.base + address);
    }
    return { chunkShape: [...chunkShape], chunks };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

/**
 * Reads the hyperslab `start`/`count` of a dataset of `shape` stored as `storage` into `out` (row-major,
 * `elementSize` bytes per element, the file's byte order). Only the bytes the slab needs are read, apart
 * from gaps inside one chunk's span of less than `wideReadBytes` or than the bytes wanted (one read then costs less
 * than one per row). Returns false, having read nothing usable, when a chunk the slab needs was never written
 * (HDF5 would return fill values there).
 */
export function readRawSlab(
  fd: number,
  storage: RawStorage,
  start: number[],
  count: number[],
  elementSize: number,
  out: Uint8Array,
  wideReadBytes = 1 << 20,
): boolean {
  const rank = start.length;
  const cs = storage.chunkShape;
  const first = start.map((s, d) => Math.floor(s / cs[d]!));
  const last = start.map((s, d) => Math.floor((s + count[d]! - 1) / cs[d]!));
  const chunkStrides = strides(cs);
  const outStrides = strides(count);
  const coords = [...first];
  let scratch: Buffer | undefined;
  for (;;) {
    const position = storage.chunks.get(coords.join(','));
    if (position === undefined) return false;
    // The part of the slab inside this chunk: offsets in the chunk, in the output, and extents.
    const inChunk = coords.map((c, d) => Math.max(start[d]!, c * cs[d]!) - c * cs[d]!);
    const inOut = coords.map((c, d) => Math.max(start[d]!, c * cs[d]!) - start[d]!);
    const n = coords.map(
      (c, d) => Math.min(start[d]! + count[d]!, (c + 1) * cs[d]!) - Math.max(start[d]!, c * cs[d]!),
    );
    // Trailing dimensions whole both in the chunk and in the output are one contiguous run.
    let k = rank - 1;
    let run = n[k]!;
    while (k > 0 && n[k] === cs[k] && n[k] === count[k]) run *= n[--k]!;
    const runBytes = run * elementSize;
    const rows = n.slice(0, k).reduce((a, b) => a * b, 1);
    const chunkOffset = (idx: number[]) => idx.reduce((a, v, d) => a + v * chunkStrides[d]!, 0);
    const spanFirst = chunkOffset(inChunk) * elementSize;
    const spanEnd = chunkOffset(inChunk.map((v, d) => v + n[d]! - 1)) * elementSize + elementSize;
    const outAt = inOut.reduce((a, v, d) => a + v * outStrides[d]!, 0) * elementSize;
    if (rows === 1) {
      readFully(fd, out, outAt, runBytes, position + spanFirst);
    } else {
      const span = spanEnd - spanFirst;
      // One read of the span when the gaps are small, else one read per row.
      const wide = span <= 2 * rows * runBytes || span <= wideReadBytes;
      if (wide) {
        if (!scratch || scratch.length < span) scratch = Buffer.allocUnsafe(span);
        readFully(fd, scratch, 0, span, position + spanFirst);
      }
      const row = inChunk.slice(0, k).map(() => 0);
      for (let r = 0; r < rows; r++) {
        let src = spanFirst;
        let dst = outAt;
        for (let d = 0; d < k; d++) {
          src += row[d]! * chunkStrides[d]! * elementSize;
          dst += row[d]! * outStrides[d]! * elementSize;
        }
        if (wide) out.set(scratch!.subarray(src - spanFirst, src - spanFirst + runBytes), dst);
        else readFully(fd, out, dst, runBytes, position + src);
        for (let d = k - 1; d >= 0; d--) {
          if (++row[d]! < n[d]!) break;
          row[d] = 0;
        }
      }
    }
    let d = rank - 1;
    for (; d >= 0; d--) {
      if (++coords[d]! <= last[d]!) break;
      coords[d] = first[d]!;
    }
    if (d < 0) return true;
  }
}

/** Element strides of a row-major array of `shape`. */
function strides(shape: number[]): number[] {
  const s = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

function readFully(fd: number, into: Uint8Array, at: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const got = fs.readSync(fd, into, at + done, length - done, position + done);
    if (got === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += got;
  }
}
