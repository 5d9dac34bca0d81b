import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Digests } from '../store/hashing.js';
import { isAlive, writeFileAtomic } from '../store/atomicWrite.js';

/** What the store holds for a URL once it was downloaded: lets a later run answer from the store. */
export interface DownloadRecord {
  url: string;
  /** The stored file, relative to the store root. */
  relativePath: string;
  size: number;
  digests: Digests;
}

/** Validators of a partial download, so a resume asks only for the same version of the file. */
export interface PartialMeta {
  url: string;
  etag?: string;
  lastModified?: string;
}

/**
 * The downloader's bookkeeping inside the store, keyed by the SHA-256 of the URL, under `.cache/downloads/`
 * (the store's walk and `cleanTemp` leave `.cache` alone; `.tmp` would lose partials of a killed run):
 * `<key>.part` (bytes received so far), `<key>.part.json` (their validators), `<key>.json` (a finished
 * download) and `<key>.lock` (the pid of the one process downloading it).
 */
export class DownloadState {
  readonly dir: string;

  constructor(storeRoot: string) {
    this.dir = path.join(storeRoot, '.cache', 'downloads');
  }

  /** The key of a URL. */
  keyOf(url: string): string {
    return createHash('sha256').update(url).digest('hex');
  }

  partialPath(key: string): string {
    return path.join(this.dir, `${key}.part`);
  }

  /** Bytes already received for `key` (0 when none). */
  async partialSize(key: string): Promise<number> {
    return (await fs.stat(this.partialPath(key)).catch(() => undefined))?.size ?? 0;
  }

  async readPartialMeta(key: string): Promise<PartialMeta | undefined> {
    return readJson<PartialMeta>(path.join(this.dir, `${key}.part.json`));
  }

  async writePartialMeta(key: string, meta: PartialMeta): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${key}.part.json`), meta);
  }

  /** Forgets a partial download (after success, or when it cannot be resumed). */
  async discardPartial(key: string): Promise<void> {
    await fs.rm(this.partialPath(key), { force: true });
    await fs.rm(path.join(this.dir, `${key}.part.json`), { force: true });
  }

  async readRecord(key: string): Promise<DownloadRecord | undefined> {
    return readJson<DownloadRecord>(path.join(this.dir, `${key}.json`));
  }

  async writeRecord(key: string, record: DownloadRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${key}.json`), record);
  }

  async forgetRecord(key: string): Promise<void> {
    await fs.rm(path.join(this.dir, `${key}.json`), { force: true });
  }

  /**
   * Takes the cross-process lock of `key`, waiting while a live process holds it; a lock left by a dead
   * process is broken. Resolves to the function that releases it.
   */
  async lock(key: string, pollMs = 100): Promise<() => Promise<void>> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${key}.lock`);
    for (;;) {
      try {
        const handle = await fs.open(file, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return () => fs.rm(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number(await fs.readFile(file, 'utf8').catch(() => ''));
      // An empty file is a lock being written right now; only a named dead pid is stale.
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
        await fs.rm(file, { force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value));
}
