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

/** Feeds the first `end` bytes of `file` (all of it when omitted) to `hash`, in large reads. */
export async function hashInto(
  hash: { update(chunk: Buffer): void | Promise<void> },
  file: string,
  end?: number,
): Promise<void> {
  if (end === 0) return;
  const stream = createReadStream(file, {
    highWaterMark: HASH_CHUNK_BYTES,
    end: end === undefined ? undefined : end - 1,
  });
  for await (const chunk of stream as AsyncIterable<Buffer>) await hash.update(chunk);
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
