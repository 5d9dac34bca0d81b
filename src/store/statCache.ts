import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';

/** What identifies an unchanged file: any write, truncation, replacement or chmod changes one of these. */
interface StatKey {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** One verified file: its stat identity when its hash was last checked, and that hash. */
interface CacheEntry extends StatKey {
  sha1: string;
}

function statKey(st: Stats): StatKey {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

/**
 * Remembers which store files were verified, keyed by their stat identity (size, mtime, ctime, inode),
 * so that a read of an unchanged file does not re-hash it. Persisted as JSON beside the store so that
 * later processes benefit; a lost or stale cache only costs a re-hash, never a wrong answer, because
 * any change to the file changes its ctime.
 */
export class StatCache {
  private entries: Map<string, CacheEntry> | undefined;
  private dirty = false;

  /** @param file where the cache is persisted (JSON). */
  constructor(private readonly file: string) {}

  private async load(): Promise<Map<string, CacheEntry>> {
    if (this.entries) return this.entries;
    let loaded = new Map<string, CacheEntry>();
    try {
      const data = JSON.parse(await fs.readFile(this.file, 'utf8')) as Record<string, CacheEntry>;
      loaded = new Map(Object.entries(data));
    } catch {
      // Missing or unreadable cache: start empty, files are simply re-hashed once.
    }
    this.entries ??= loaded;
    return this.entries;
  }

  /** True when `relPath` was verified to hash to `sha1` and its stat identity has not changed since. */
  async isVerified(relPath: string, st: Stats, sha1: string): Promise<boolean> {
    const e = (await this.load()).get(relPath);
    if (!e || e.sha1 !== sha1) return false;
    const k = statKey(st);
    return e.size === k.size && e.mtimeMs === k.mtimeMs && e.ctimeMs === k.ctimeMs && e.ino === k.ino;
  }

  /** Records that `relPath`, as it is now (`st`), hashes to `sha1`. */
  async markVerified(relPath: string, st: Stats, sha1: string): Promise<void> {
    (await this.load()).set(relPath, { ...statKey(st), sha1 });
    this.dirty = true;
  }

  /** Drops what is known about `relPath` (it failed verification or was removed). */
  async forget(relPath: string): Promise<void> {
    if ((await this.load()).delete(relPath)) this.dirty = true;
  }

  /** Writes the cache to disk (temp file + rename) if it changed. */
  async flush(): Promise<void> {
    if (!this.dirty || !this.entries) return;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.entries)));
    this.dirty = false;
  }
}
