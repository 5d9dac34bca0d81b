import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** The example catalogs written by others (read-only). */
export const EXAMPLES_DIR = path.resolve(PACKAGE_ROOT, '..', 'shared', 'examples', 'esm-catalogs');

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir(prefix = 'fairpod-catalog-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
const made: string[] = [];

/** Removes every directory `tempDir()` made. */
export function cleanup(): void {
  for (const dir of made.splice(0)) {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Points the index cache at a temporary directory for the duration of a suite, so that tests never write
 * into the user's cache (indexes of read-only example catalogs go there).
 */
export function isolateIndexCache(): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.FAIRPOD_CACHE_DIR;
    process.env.FAIRPOD_CACHE_DIR = tempDir('fairpod-cache-');
  });
  after(() => {
    if (saved === undefined) delete process.env.FAIRPOD_CACHE_DIR;
    else process.env.FAIRPOD_CACHE_DIR = saved;
    cleanup();
  });
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

/** Runs `fn` capturing what it writes to stdout and stderr. */
export async function capture<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** A minimal valid header naming `csv`. */
export function header(csv: string, attributes: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      esmcat_version: '0.1.0',
      attributes: attributes.map((column_name) => ({ column_name, vocabulary: '' })),
      assets: { column_name: 'path', format: 'netcdf' },
      catalog_file: csv,
      ...extra,
    },
    null,
    2,
  );
}
