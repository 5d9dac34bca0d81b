import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashMismatchError, StoreError } from './errors.js';
import {
  HASH_ALGORITHMS,
  HASH_CHUNK_BYTES,
  HashingStream,
  hashFile,
  type Digests,
  type HashAlgorithm,
} from './hashing.js';
import { copyHashing } from './copyHashing.js';
import { StatCache } from './statCache.js';
import { isAlive, tempFileOwner, tempPathFor } from './atomicWrite.js';

/** Where a stored file goes in the FAIR data-store layout `<namespace>/<name>/<sha1>.<ext>`. */
export interface StoreAddOptions {
  /** First path segment, e.g. the user's namespace. */
  namespace: string;
  /** Data product or file name; may contain `/` (e.g. `cmip6/CESM2/tas`). */
  name: string;
  /** File extension without the dot; defaults to the source file's extension, none for streams. */
  ext?: string;
  /** Publisher checksums the content must match (hex); a mismatch rejects the file before it enters the store. */
  expected?: Digests;
}

/** A file in the store. */
export interface StoredObject {
  /** Absolute path of the (read-only) file. */
  path: string;
  /** Path relative to the store root, with `/` separators: `<namespace>/<name>/<sha1>.<ext>`. */
  relativePath: string;
  namespace: string;
  name: string;
  /** Extension without the dot ('' when none). */
  ext: string;
  sha1: string;
  size: number;
}

/** What `add` did, besides where the file is. */
export interface AddResult extends StoredObject {
  /** Every digest computed while the file streamed in (always `sha1`, plus those in `expected`). */
  digests: Digests;
  /** True when identical content was already stored (nothing new was written). */
  deduplicated: boolean;
}

/** One file `verify` found bad. */
export interface BadFile {
  relativePath: string;
  expected: string;
  /** The content's actual SHA-1, or `null` when the file could not be read. */
  actual: string | null;
  reason: string;
}

/** The outcome of `verify`. */
export interface VerifyReport {
  /** Number of store files checked (layout entries plus content objects). */
  checked: number;
  bad: BadFile[];
}

const OBJECTS_DIR = '.objects';
const TMP_DIR = '.tmp';
const CACHE_FILE = path.join('.cache', 'stat.json');
const SHA1_NAME = /^([0-9a-f]{40})(?:\.(.+))?$/;

/** The store's default root in a project directory. */
export function defaultStoreRoot(projectDir: string): string {
  return path.join(projectDir, '.fairpod', 'store');
}

/**
 * The write-once, content-addressed store. A file enters under a temporary name while it is hashed in
 * the same stream, is renamed atomically to `.objects/<aa>/<sha1>` (identical content is stored once), and
 * hard-linked into the FAIR data-store layout `<namespace>/<name>/<sha1>.<ext>`, read-only. Every read
 * verifies the SHA-1 named by the file, with a stat cache so an unchanged file is hashed only once.
 */
export class ContentStore {
  /** Absolute root directory. */
  readonly root: string;
  private readonly cache: StatCache;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.cache = new StatCache(path.join(this.root, CACHE_FILE));
  }

  /**
   * Streams `source` (a file path or a readable stream) into the store, hashing it on the way.
   * Throws `HashMismatchError` (and stores nothing) when an `expected` checksum differs.
   */
  async add(source: string | Readable, options: StoreAddOptions): Promise<AddResult> {
    const target = this.target(options, typeof source === 'string' ? path.extname(source).slice(1) : '');
    const tmpDir = path.join(this.root, TMP_DIR);
    await fs.mkdir(tmpDir, { recursive: true });
    // The writer's pid in the name lets `cleanTemp` tell an abandoned temp file from one still being written.
    const tmp = tempPathFor(path.join(tmpDir, 'part'));
    const algorithms: HashAlgorithm[] = ['sha1', ...(Object.keys(target.expected) as HashAlgorithm[])];
    let digests: Digests;
    try {
      if (typeof source === 'string' && (await fs.stat(source)).isFile()) {
        // A regular file: copied by the kernel while another thread hashes it (see copyHashing).
        digests = await copyHashing(source, tmp, algorithms);
      } else {
        // A stream, FIFO or device: hashed as it is copied, in one pass.
        const input =
          typeof source === 'string' ? createReadStream(source, { highWaterMark: HASH_CHUNK_BYTES }) : source;
        const hasher = new HashingStream(algorithms);
        await pipeline(input, hasher, createWriteStream(tmp, { highWaterMark: HASH_CHUNK_BYTES }));
        digests = hasher.digests();
      }
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return this.commit(tmp, digests, target, typeof source === 'string' ? source : undefined);
  }

  /**
   * Moves `file`, which the caller wrote and hashed in the same pass, into the store without reading it
   * again (the downloader's received bytes). `digests.sha1` must be its content's; `options.expected` is
   * checked against `digests`. The file is consumed: renamed into place, or removed on a mismatch. It must be
   * on the store's file system (e.g. under `<root>/.cache`).
   */
  async adopt(file: string, digests: Digests, options: StoreAddOptions): Promise<AddResult> {
    const target = this.target(options, path.extname(file).slice(1));
    if (!digests.sha1)
      throw new StoreError(`no SHA-1 given for ${file}`, { hint: 'hash it while writing it' });
    await fs.mkdir(path.join(this.root, TMP_DIR), { recursive: true });
    return this.commit(file, digests, target, undefined);
  }

  /** Checks where an added file goes: its namespace, name, extension and the checksums it must match. */
  private target(
    options: StoreAddOptions,
    defaultExt: string,
  ): { namespace: string; name: string; ext: string; expected: Digests } {
    return {
      namespace: checkSegments(options.namespace, 'namespace'),
      name: checkSegments(options.name, 'name'),
      ext: checkExt(options.ext ?? defaultExt),
      expected: normaliseExpected(options.expected),
    };
  }

  /**
   * Puts a hashed file into the store: checks the published checksums, renames it to its content object
   * (or drops it when identical content is there) and links the object into the FAIR layout.
   */
  private async commit(
    tmp: string,
    digests: Digests,
    { namespace, name, ext, expected }: { namespace: string; name: string; ext: string; expected: Digests },
    sourcePath: string | undefined,
  ): Promise<AddResult> {
    try {
      for (const [algorithm, want] of Object.entries(expected)) {
        const got = digests[algorithm as HashAlgorithm];
        if (got !== want) {
          throw new HashMismatchError({
            path: sourcePath ?? `${namespace}/${name}`,
            algorithm,
            expected: want,
            actual: got ?? '(not computed)',
            hint: 'the content differs from its published checksum: fetch it again, or report the checksum to the publisher',
          });
        }
      }
      const sha1 = digests.sha1!;
      const objectRel = objectPath(sha1);
      const objectAbs = path.join(this.root, objectRel);
      const haveObject = await this.isIntact(objectRel);
      if (haveObject) {
        await fs.rm(tmp, { force: true });
      } else {
        await fs.mkdir(path.dirname(objectAbs), { recursive: true });
        await fs.chmod(tmp, 0o444);
        await this.place(tmp, objectRel);
      }
      const relativePath = `${namespace}/${name}/${ext ? `${sha1}.${ext}` : sha1}`;
      const target = path.join(this.root, relativePath);
      const linked = await this.linkInto(objectAbs, target);
      const st = await fs.stat(target);
      await this.cache.markVerified(relativePath, st, sha1);
      await this.cache.markVerified(objectRel, st, sha1);
      return {
        path: target,
        relativePath,
        namespace,
        name,
        ext,
        sha1,
        size: st.size,
        digests,
        deduplicated: haveObject && !linked,
      };
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Returns the stored file at `ref` (a path relative to the root, or absolute inside it) after checking
   * its content against the SHA-1 in its name. Throws `HashMismatchError` if it was altered.
   */
  async get(ref: string): Promise<StoredObject> {
    const relativePath = this.relative(ref);
    const { sha1, ext } = parseFileName(relativePath);
    const abs = path.join(this.root, relativePath);
    const st = await statOrThrow(abs, relativePath);
    if (!(await this.cache.isVerified(relativePath, st, sha1))) {
      const { digests } = await hashFile(abs);
      if (digests.sha1 !== sha1) {
        await this.cache.forget(relativePath);
        throw new HashMismatchError({ path: abs, algorithm: 'sha1', expected: sha1, actual: digests.sha1! });
      }
      await this.cache.markVerified(relativePath, st, sha1);
    }
    const parts = relativePath.split('/');
    return {
      path: abs,
      relativePath,
      namespace: parts[0]!,
      name: parts.slice(1, -1).join('/'),
      ext,
      sha1,
      size: st.size,
    };
  }

  /**
   * Takes into the store a file another writer put at a layout path `<namespace>/<name>/<sha1>.<ext>`
   * (a FAIR language API's `finalise` renames its outputs so): its content is checked against its name, it
   * becomes read-only and one with its content object (identical content stays stored once).
   */
  async claim(ref: string): Promise<StoredObject> {
    const relativePath = this.relative(ref);
    const { sha1 } = parseFileName(relativePath);
    const abs = path.join(this.root, relativePath);
    const { digests } = await hashFile(abs);
    if (digests.sha1 !== sha1) {
      throw new HashMismatchError({
        path: abs,
        algorithm: 'sha1',
        expected: sha1,
        actual: digests.sha1!,
        hint: 'the file was changed after it was named by its SHA-1; write it again',
      });
    }
    const objectRel = objectPath(sha1);
    const objectAbs = path.join(this.root, objectRel);
    await fs.mkdir(path.join(this.root, TMP_DIR), { recursive: true });
    if (await this.isIntact(objectRel)) {
      await this.linkInto(objectAbs, abs);
    } else {
      await fs.chmod(abs, 0o444);
      await fs.mkdir(path.dirname(objectAbs), { recursive: true });
      await fs.rm(objectAbs, { force: true });
      await fs.link(abs, objectAbs);
    }
    const st = await fs.stat(abs);
    await this.cache.markVerified(relativePath, st, sha1);
    await this.cache.markVerified(objectRel, st, sha1);
    return this.get(relativePath);
  }

  /** The stored files with content `sha1` (any name), verified; empty when the store does not hold it. */
  async findBySha1(sha1: string): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    for (const entry of await this.list())
      if (entry.sha1 === sha1) found.push(await this.get(entry.relativePath));
    return found;
  }

  /** Every file in the layout (not the internal object copies), without re-hashing. */
  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const rel of await this.walk(false)) {
      const parts = rel.split('/');
      const parsed = SHA1_NAME.exec(parts.at(-1)!);
      if (!parsed || parts.length < 3) continue;
      const st = await fs.stat(path.join(this.root, rel));
      out.push({
        path: path.join(this.root, rel),
        relativePath: rel,
        namespace: parts[0]!,
        name: parts.slice(1, -1).join('/'),
        ext: parsed[2] ?? '',
        sha1: parsed[1]!,
        size: st.size,
      });
    }
    return out.sort((a, b) => a.relativePath.localeCompare(b.relativePath));
  }

  /**
   * Re-hashes every file in the store (ignoring the stat cache) and reports each bad one: content that does
   * not match its SHA-1, a name that is not a store file, a symbolic link or other non-file where a stored
   * file should be, and each of `recorded` (root-relative paths a registry says the store holds) that is
   * missing.
   */
  async verify(recorded: Iterable<string> = []): Promise<VerifyReport> {
    const bad: BadFile[] = [];
    // Hard links share an inode: hash each content once, judge every name that points at it.
    const byInode = new Map<number, string | null>();
    const files = await this.walk(true, true);
    const present = new Set(files);
    const missing = [...new Set(recorded)].filter((rel) => !present.has(rel)).sort();
    for (const rel of missing) {
      const parsed = SHA1_NAME.exec(path.posix.basename(rel));
      bad.push({
        relativePath: rel,
        expected: parsed?.[1] ?? '',
        actual: null,
        reason: 'missing: the registry records it here, but the file is gone',
      });
    }
    for (const rel of files) {
      const abs = path.join(this.root, rel);
      const parsed = SHA1_NAME.exec(path.basename(rel));
      if (!parsed) {
        bad.push({
          relativePath: rel,
          expected: '',
          actual: null,
          reason: 'not a store file (name is not <sha1>.<ext>)',
        });
        continue;
      }
      const expected = parsed[1]!;
      let st: Stats;
      let actual: string | null;
      try {
        st = await fs.lstat(abs);
        if (!st.isFile()) {
          await this.cache.forget(rel);
          bad.push({
            relativePath: rel,
            expected,
            actual: null,
            reason: st.isSymbolicLink()
              ? 'a symbolic link, not a stored file (its target may change at any time)'
              : 'not a regular file',
          });
          continue;
        }
        if (!byInode.has(st.ino)) byInode.set(st.ino, (await hashFile(abs)).digests.sha1!);
        actual = byInode.get(st.ino)!;
      } catch (err) {
        bad.push({
          relativePath: rel,
          expected,
          actual: null,
          reason: `unreadable: ${(err as Error).message}`,
        });
        continue;
      }
      if (actual !== expected) {
        await this.cache.forget(rel);
        bad.push({ relativePath: rel, expected, actual, reason: 'content does not match its SHA-1' });
      } else {
        await this.cache.markVerified(rel, st, expected);
      }
    }
    await this.cache.flush();
    return { checked: files.length + missing.length, bad };
  }

  /**
   * Removes a layout entry, and the content object too when no other name links to it.
   * Store files are write-once; only gc and delete call this.
   */
  async remove(ref: string): Promise<void> {
    const relativePath = this.relative(ref);
    const { sha1 } = parseFileName(relativePath);
    await fs.rm(path.join(this.root, relativePath), { force: true });
    await this.cache.forget(relativePath);
    const objectAbs = path.join(this.root, objectPath(sha1));
    const st = await fs.stat(objectAbs).catch(() => undefined);
    if (st && st.nlink <= 1) {
      await fs.rm(objectAbs, { force: true });
      await this.cache.forget(objectPath(sha1));
    }
  }

  /**
   * Temporary files left by writers that no longer run (a killed `add`): only fairpod writes in the store's
   * temporary directory, so anything there not written by a live process is abandoned. With `remove` they are
   * deleted. Returns their paths.
   */
  async cleanTemp(remove = true): Promise<string[]> {
    const dir = path.join(this.root, TMP_DIR);
    const found: string[] = [];
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const pid = tempFileOwner(name);
      if (pid !== undefined && isAlive(pid)) continue;
      if (remove) await fs.rm(path.join(dir, name), { force: true, recursive: true });
      found.push(path.join(dir, name));
    }
    return found.sort();
  }

  /** Persists the stat cache; call when a command that read from the store finishes. */
  async flush(): Promise<void> {
    await this.cache.flush();
  }

  /** `ref` as a root-relative path with `/` separators; refuses paths outside the store. */
  relative(ref: string): string {
    const abs = path.resolve(this.root, ref);
    const rel = path.relative(this.root, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new StoreError(`${ref} is not inside the store ${this.root}`, {
        hint: 'name a file under the store root, e.g. from `fairpod store ls`',
      });
    }
    return rel.split(path.sep).join('/');
  }

  private async isIntact(rel: string): Promise<boolean> {
    try {
      await this.get(rel);
      return true;
    } catch (err) {
      if (
        err instanceof HashMismatchError ||
        (err as NodeJS.ErrnoException).code === 'ENOENT' ||
        err instanceof StoreError
      )
        return false;
      throw err;
    }
  }

  /**
   * Puts the finished file `tmp` at the content object `objectRel`, never replacing an intact object another
   * writer of the same content put there meanwhile: renaming over it would drop its inode's last link while
   * that writer hard-links it into the layout, and its link would fail with ENOENT. Only a damaged object is
   * replaced.
   */
  private async place(tmp: string, objectRel: string): Promise<void> {
    const objectAbs = path.join(this.root, objectRel);
    try {
      await fs.link(tmp, objectAbs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await this.isIntact(objectRel))) {
        await fs.rename(tmp, objectAbs);
        return;
      }
    }
    await fs.rm(tmp, { force: true });
  }

  /** Hard-links the content object at `target`; false when `target` already held that content. */
  private async linkInto(objectAbs: string, target: string): Promise<boolean> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const [obj, existing] = await Promise.all([fs.stat(objectAbs), fs.stat(target).catch(() => undefined)]);
    if (existing && existing.ino === obj.ino) return false;
    // Link under a temporary name and rename over the target: atomic, and replaces a tampered copy.
    const tmp = tempPathFor(path.join(this.root, TMP_DIR, 'link'));
    await fs.link(objectAbs, tmp);
    await fs.rename(tmp, target);
    // When a concurrent add linked the same object at `target` first, `tmp` and `target` are links to one
    // inode and rename(2) then does nothing, leaving `tmp` behind (seen as a third link to the object).
    await fs.rm(tmp, { force: true });
    return true;
  }

  /**
   * Root-relative paths of all regular files, skipping temp and cache; `withObjects` includes `.objects`,
   * `withOthers` also what is neither a file nor a directory (symbolic links, sockets ...).
   */
  private async walk(withObjects: boolean, withOthers = false): Promise<string[]> {
    const out: string[] = [];
    const visit = async (relDir: string): Promise<void> => {
      const entries = await fs.readdir(path.join(this.root, relDir), { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const rel = relDir ? `${relDir}/${e.name}` : e.name;
        if (
          !relDir &&
          (e.name === TMP_DIR || e.name === '.cache' || (e.name === OBJECTS_DIR && !withObjects))
        )
          continue;
        if (e.isDirectory()) await visit(rel);
        else if (e.isFile() || withOthers) out.push(rel);
      }
    };
    await visit('');
    return out.sort();
  }
}

function objectPath(sha1: string): string {
  return `${OBJECTS_DIR}/${sha1.slice(0, 2)}/${sha1}`;
}

function parseFileName(relativePath: string): { sha1: string; ext: string } {
  const m = SHA1_NAME.exec(path.posix.basename(relativePath));
  if (!m) {
    throw new StoreError(`${relativePath} is not a store file (its name must be <sha1>.<ext>)`, {
      hint: 'list stored files with `fairpod store ls`',
    });
  }
  return { sha1: m[1]!, ext: m[2] ?? '' };
}

async function statOrThrow(abs: string, rel: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await fs.lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreError(`${rel} is not in the store`, {
        location: { file: abs },
        hint: 'fetch or add it again; `fairpod store ls` lists what is stored',
      });
    }
    throw err;
  }
  if (!st.isFile()) {
    // A link's target can change after it was verified: the store serves only its own files.
    throw new StoreError(
      `${rel} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}, not a stored file`,
      {
        location: { file: abs },
        hint: 'remove it and fetch or add the file again; `fairpod store verify` lists every such entry',
      },
    );
  }
  return st;
}

/** Namespace and name segments become directories: no empty, `.`/`..` or hidden segments. */
function checkSegments(value: string, what: string): string {
  const segments = value.split('/');
  if (
    !value ||
    segments.some(
      (s) => !s || s === '.' || s === '..' || s.startsWith('.') || s.includes('\\') || s.includes('\0'),
    )
  ) {
    throw new StoreError(`invalid store ${what} '${value}'`, {
      hint: `a ${what} is one or more '/'-separated segments, none empty and none starting with '.'`,
    });
  }
  return value;
}

function checkExt(ext: string): string {
  const clean = ext.replace(/^\./, '');
  if (clean && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(clean)) {
    throw new StoreError(`invalid file extension '${ext}'`, {
      hint: 'use letters, digits, ".", "_" or "-", e.g. "nc" or "tar.gz"',
    });
  }
  return clean;
}

function normaliseExpected(expected: Digests | undefined): Digests {
  const out: Digests = {};
  for (const [algorithm, hex] of Object.entries(expected ?? {})) {
    if (!(HASH_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new StoreError(`unknown checksum algorithm '${algorithm}'`, {
        hint: `use one of ${HASH_ALGORITHMS.join(', ')}`,
      });
    }
    if (hex) out[algorithm as HashAlgorithm] = hex.toLowerCase();
  }
  return out;
}
