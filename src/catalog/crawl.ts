/**
 * Crawling a directory tree into catalog rows with a DRS template.
 *
 * Directories are read concurrently (a bounded number at a time) and rows stream out as they are found: the
 * crawl holds only the directories still to read and a bounded buffer of rows, never the whole tree. Reading
 * pauses while the consumer lags. Symbolic links to files are followed; links to directories are not (loops).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { matchTemplate, type DrsTemplate } from './templates.js';
import type { CatalogRow } from './types.js';

/** Options of a crawl. */
export interface CrawlOptions {
  /** Directories read at once; default 32. */
  concurrency?: number;
  /** Called with each file that matches no template (path relative to the root), so none is silently dropped. */
  onUnmatched?: (relPath: string) => void;
}

// Rows buffered before reading pauses for the consumer.
const HIGH_WATER = 10_000;

/** Streams the rows of every file under `root` that matches `template`, in no particular order. */
export async function* crawl(
  root: string,
  template: DrsTemplate,
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

  const visitFile = (rel: string): void => {
    const row = matchTemplate(template, rel, `${base}/${rel}`);
    if (row) ready.push(row);
    else options.onUnmatched?.(rel);
  };
  const readDir = async (rel: string): Promise<void> => {
    const dir = rel === '' ? base : `${base}/${rel}`;
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) pending.push(child);
      else if (entry.isFile()) visitFile(child);
      else if (entry.isSymbolicLink() && (await fs.stat(`${base}/${child}`).catch(() => undefined))?.isFile())
        visitFile(child);
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
