import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';

/** Digest algorithms the store computes: SHA-1 for the registry, MD5 and SHA-256 for publishers' checksums. */
export type HashAlgorithm = 'sha1' | 'md5' | 'sha256';

/** Hex digests by algorithm. */
export type Digests = Partial<Record<HashAlgorithm, string>>;

/** The algorithms fairpod knows, for validating user-given checksums. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha1', 'md5', 'sha256'];

/** Read size for hashing files: large chunks keep per-chunk overhead far below the digest cost. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A pass-through stream that feeds every chunk to several digests and counts bytes,
 * so a file is hashed in the same pass that copies it.
 */
export class HashingStream extends Transform {
  private readonly hashes: Map<HashAlgorithm, Hash>;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(algorithms: Iterable<HashAlgorithm>) {
    super({ highWaterMark: HASH_CHUNK_BYTES });
    this.hashes = new Map([...new Set(algorithms)].map((a) => [a, createHash(a)]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (const h of this.hashes.values()) h.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  /** Hex digests; call once, after the stream has finished. */
  digests(): Digests {
    const out: Digests = {};
    for (const [a, h] of this.hashes) out[a] = h.digest('hex');
    return out;
  }
}

/** Hashes a file with the given algorithms in one read. */
export async function hashFile(
  file: string,
  algorithms: Iterable<HashAlgorithm> = ['sha1'],
): Promise<{ digests: Digests; size: number }> {
  const hashes = new Map([...new Set(algorithms)].map((a) => [a, createHash(a)]));
  let size = 0;
  for await (const chunk of createReadStream(file, {
    highWaterMark: HASH_CHUNK_BYTES,
  }) as AsyncIterable<Buffer>) {
    for (const h of hashes.values()) h.update(chunk);
    size += chunk.length;
  }
  const digests: Digests = {};
  for (const [a, h] of hashes) digests[a] = h.digest('hex');
  return { digests, size };
}
