/**
 * Crawling a directory tree into catalog rows: with a DRS template, or with any function that makes a row of
 * a file (the template-free crawl reads netCDF attributes).
 *
 * Directories are read concurrently (a bounded number at a time) and rows stream out as they are found: the
 * crawl holds only the directories still to read and a bounded buffer of rows, never the whole tree. Reading
 * pauses while the consumer lags. Symbolic links to files are followed; links to directories are not (loops).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { explainMismatch, matchTemplate, type DrsTemplate } from './templates.js';
import type { CatalogRow } from './types.js';

/** Options of a crawl. */
export interface CrawlOptions {
  /** Directories read at once; default 32. */
  concurrency?: number;
  /** Called with each file that gives no row (path relative to the root) and why, so none is silently dropped. */
  onUnmatched?: (relPath: string, reason: string) => void;
}

/** Makes the row of one file (relative and absolute path), or says why the file has none. */
export type FileVisitor = (
  relPath: string,
  absPath: string,
) => CatalogRow | string | Promise<CatalogRow | string>;

// Rows buffered before reading pauses for the consumer.
const HIGH_WATER = 10_000;

/** Streams the rows of every file under `root` that matches `template`, in no particular order. */
export function crawl(
  root: string,
  template: DrsTemplate,
  options: CrawlOptions = {},
): AsyncGenerator<CatalogRow> {
  return crawlFiles(
    root,
    (rel, abs) => matchTemplate(template, rel, abs) ?? explainMismatch(template, rel),
    options,
  );
}

/** Streams the row `visit` makes of every file under `root`, in no particular order. */
export async function* crawlFiles(
  root: string,
  visit: FileVisitor,
  options: CrawlOptions = {},
): AsyncGenerator<CatalogRow> {
  const base = path.resolve(root);
  await fs.access(base);
  const concurrency = options.concurrency ?? 32;
  // Directories still to read, as paths relative to the root ('' is the root). A stack keeps the frontier small.
  const pending: string[] = [''];
  const ready: CatalogRow[] = [];
  let active = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;

  const visitFile = async (rel: string): Promise<void> => {
    const row = await visit(rel, `${base}/${rel}`);
    if (typeof row === 'string') options.onUnmatched?.(rel, row);
    else ready.push(row);
  };
  const readDir = async (rel: string): Promise<void> => {
    const dir = rel === '' ? base : `${base}/${rel}`;
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) pending.push(child);
      else if (entry.isFile()) await visitFile(child);
      else if (entry.isSymbolicLink()) {
        const target = await fs.stat(`${base}/${child}`).catch(() => undefined);
        if (target?.isFile()) await visitFile(child);
        else
          options.onUnmatched?.(
            child,
            target ? 'a link to a directory (not followed, to avoid loops)' : 'a broken link',
          );
      }
    }
  };
  const pump = (): void => {
    while (active < concurrency && pending.length > 0 && ready.length < HIGH_WATER && failure === undefined) {
      const rel = pending.pop()!;
      active++;
      readDir(rel)
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => {
          active--;
          pump();
          const w = wake;
          wake = undefined;
          w?.();
        });
    }
  };

  pump();
  for (;;) {
    if (ready.length > 0) {
      const batch = ready.splice(0, ready.length);
      pump();
      yield* batch;
      continue;
    }
    if (failure !== undefined) throw failure;
    if (active === 0 && pending.length === 0) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
