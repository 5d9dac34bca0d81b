import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FairpodError, ValidationError } from '../core/errors.js';
import { HashMismatchError } from './errors.js';
import { HashingStream, hashFile } from './hashing.js';
import { tempPathFor } from './atomicWrite.js';

/** A file exists at the path with other content: a write-once directory never replaces a file. */
export class WriteOnceConflictError extends FairpodError {}

/** What `writeOnceFile` did: `created` is false when the same content was already there. */
export interface WriteOnceResult {
  created: boolean;
  size: number;
}

/**
 * `root/relPath` as an absolute path; a path that is absolute, holds `..` segments or a NUL byte, or
 * otherwise resolves outside `root`, is a `ValidationError` (paths come from registries and clients).
 */
export function resolveUnder(root: string, relPath: string): string {
  const base = path.resolve(root);
  const segments = relPath.split(/[\\/]/);
  const target = path.resolve(base, relPath);
  if (
    relPath === '' ||
    relPath.includes('\0') ||
    path.isAbsolute(relPath) ||
    segments.includes('..') ||
    !target.startsWith(base + path.sep)
  ) {
    throw new ValidationError(`path "${relPath}" is not inside ${base}`, {
      location: { key: 'path' },
      hint: 'give a relative path without ".." segments',
    });
  }
  return target;
}

async function existingSha1(file: string): Promise<string | undefined> {
  try {
    return (await hashFile(file)).digests.sha1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function conflict(target: string, sha1: string, existing: string): WriteOnceConflictError {
  return new WriteOnceConflictError(`${target} exists with other content (sha1 ${existing}, not ${sha1})`, {
    hint: 'files in a write-once directory are never replaced; remove the stray file if nothing registers it',
  });
}

/**
 * Writes the bytes of `source()` (opened only if needed) to `root/relPath` once, as the store does: the bytes stream into a temporary name beside
 * the target while their SHA-1 is computed, must match `sha1`, and are then linked into place (never over
 * an existing file) and made read-only. The same content already there is success with `created: false`;
 * other content is a `WriteOnceConflictError`. Nothing half-written is ever left under the target's name.
 */
export async function writeOnceFile(
  root: string,
  relPath: string,
  source: () => Readable,
  sha1: string,
): Promise<WriteOnceResult> {
  const target = resolveUnder(root, relPath);
  const before = await existingSha1(target);
  if (before !== undefined) {
    if (before !== sha1) throw conflict(target, sha1, before);
    return { created: false, size: (await fs.stat(target)).size };
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const hashing = new HashingStream(['sha1']);
    await pipeline(source(), hashing, createWriteStream(tmp, { flags: 'wx' }));
    const actual = hashing.digests().sha1!;
    if (actual !== sha1) {
      throw new HashMismatchError({
        path: relPath,
        algorithm: 'sha1',
        expected: sha1,
        actual,
        hint: 'the bytes sent are not those registered; send the file again',
      });
    }
    await fs.chmod(tmp, 0o444);
    try {
      // link, unlike rename, fails on an existing target: a concurrent writer of the same path cannot be overwritten.
      await fs.link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const raced = await existingSha1(target);
      if (raced !== sha1) throw conflict(target, sha1, raced ?? '(unreadable)');
      return { created: false, size: hashing.bytes };
    }
    return { created: true, size: hashing.bytes };
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
