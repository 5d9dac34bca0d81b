import { matchTemplate, type CatalogRow, type DrsTemplate } from 'fairpod/plugin';

/** Reads a page's text (the downloader's `getText`, with its credentials, limits and retries). */
export type PageReader = (url: string) => Promise<string>;

const HREF = /<a\s[^>]*?href\s*=\s*"([^"]*)"/gi;

/**
 * The links of an nginx or Apache autoindex page that lead below it: sub-directories (ending in `/`) and
 * files. Sort links (`?C=N;O=D`), the parent and links elsewhere are left out.
 */
export function indexLinks(html: string, pageUrl: URL): URL[] {
  const out: URL[] = [];
  for (const m of html.matchAll(HREF)) {
    const href = m[1]!.replace(/&amp;/g, '&');
    if (href.includes('?') || href.startsWith('#')) continue;
    let link: URL;
    try {
      link = new URL(href, pageUrl);
    } catch {
      continue;
    }
    if (
      link.origin !== pageUrl.origin ||
      !link.pathname.startsWith(pageUrl.pathname) ||
      link.pathname === pageUrl.pathname
    )
      continue;
    out.push(link);
  }
  return out;
}

/**
 * Crawls an HTTP directory index from `root` (a URL ending in `/`) and returns a row for every file that
 * matches `template`, with the file's URL in the `path` column. Directories are read concurrently (the
 * reader's queue bounds how many at once).
 */
export async function crawlIndex(
  root: URL,
  template: DrsTemplate,
  read: PageReader,
  onUnmatched?: (relPath: string) => void,
): Promise<CatalogRow[]> {
  const rows: CatalogRow[] = [];
  const seen = new Set<string>();
  const visit = async (dir: URL): Promise<void> => {
    if (seen.has(dir.href)) return;
    seen.add(dir.href);
    const subdirs: URL[] = [];
    for (const link of indexLinks(await read(dir.href), dir)) {
      if (link.pathname.endsWith('/')) {
        subdirs.push(link);
        continue;
      }
      const rel = decodeURIComponent(link.pathname.slice(root.pathname.length));
      const row = matchTemplate(template, rel, link.href);
      if (row) rows.push(row);
      else onUnmatched?.(rel);
    }
    await Promise.all(subdirs.map(visit));
  };
  await visit(root);
  return rows;
}
