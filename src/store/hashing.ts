import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

/** Digest algorithms the store computes: SHA-1 for the registry, MD5 and SHA-256 for publishers' checksums. */
export type HashAlgorithm = 'sha1' | 'md5' | 'sha256';

/** Hex digests by algorithm. */
export type Digests = Partial<Record<HashAlgorithm, string>>;

/** The algorithms fairpod knows, for validating user-given checksums. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha1', 'md5', 'sha256'];

/** Read size for hashing files: large chunks keep per-chunk overhead far below the digest cost. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/** Several digests of one byte sequence, fed chunk by chunk. */
export class MultiHash {
  private readonly hashes: Map<HashAlgorithm, Hash>;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(algorithms: Iterable<HashAlgorithm>) {
    this.hashes = new Map([...new Set(algorithms)].map((a) => [a, createHash(a)]));
  }

  update(chunk: Buffer): void {
    for (const h of this.hashes.values()) h.update(chunk);
    this.bytes += chunk.length;
  }

  /** Hex digests; call once, after the last chunk. */
  digests(): Digests {
    const out: Digests = {};
    for (const [a, h] of this.hashes) out[a] = h.digest('hex');
    return out;
  }
}

/**
 * A pass-through stream that feeds every chunk to several digests and counts bytes,
 * so a file is hashed in the same pass that copies it.
 */
export class HashingStream extends Transform {
  private readonly hash: MultiHash;

  constructor(algorithms: Iterable<HashAlgorithm>) {
    super({ highWaterMark: HASH_CHUNK_BYTES });
    this.hash = new MultiHash(algorithms);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.hash.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** Hex digests; call once, after the stream has finished. */
  digests(): Digests {
    return this.hash.digests();
  }
}

/**
 * Feeds the first `end` bytes of `file` (all of it when omitted) to `hash`, in large reads into two buffers
 * reused for the whole file: the next read runs on libuv's threads while this thread hashes, and no chunk
 * costs a fresh allocation (a read stream's new buffer per chunk made the kernel fault in every page again:
 * more system time than the hashing on a 1 GiB file). `hash.update` must be done with a chunk when it returns.
 */
export async function hashInto(
  hash: { update(chunk: Buffer): void },
  file: string,
  end?: number,
): Promise<void> {
  if (end === 0) return;
  const fh = await fs.open(file, 'r');
  try {
    // Sized to the file: two 4 MiB buffers for each of a run's hundreds of small files made V8 count 8 MiB
    // of external memory per file and collect garbage for it (measured: 2.1 s of GC in a 10-POD run).
    const expected = end ?? (await fh.stat()).size;
    const bytes = Math.min(HASH_CHUNK_BYTES, Math.max(64 * 1024, expected));
    const buffers = [Buffer.allocUnsafe(bytes), Buffer.allocUnsafe(bytes)];
    let left = end ?? Infinity;
    // One read at a time, at the file position: each starts when the one before has returned.
    const read = async (buffer: Buffer): Promise<number> =>
      left <= 0 ? 0 : (await fh.read(buffer, 0, Math.min(buffer.length, left), null)).bytesRead;
    let reading = read(buffers[0]!);
    for (let i = 0; ; i++) {
      const n = await reading;
      if (n === 0) break;
      left -= n;
      reading = read(buffers[(i + 1) % 2]!);
      hash.update(buffers[i % 2]!.subarray(0, n));
    }
  } finally {
    await fh.close();
  }
}

/** Hashes a file with the given algorithms in one read. */
export async function hashFile(
  file: string,
  algorithms: Iterable<HashAlgorithm> = ['sha1'],
): Promise<{ digests: Digests; size: number }> {
  const hash = new MultiHash(algorithms);
  await hashInto(hash, file);
  return { digests: hash.digests(), size: hash.bytes };
}
