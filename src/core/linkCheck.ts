import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Parser } from 'htmlparser2';

/** The `href` of every `<a>` of an HTML text, as MDTF's `LinkParser` collects them. */
export function anchorTargets(html: string): string[] {
  const targets: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'a' && attributes.href !== undefined) targets.push(attributes.href);
    },
  });
  parser.write(html);
  parser.end();
  return targets;
}

/** A link whose target does not exist. */
export interface MissingLink {
  /** The page holding the link. */
  page: string;
  /** The missing file, relative to the root directory. */
  target: string;
}

/**
 * MDTF's `LinkVerifier.breadth_first`: from the page `root`, follow every `<a href>` that stays below
 * `rootDir` (links elsewhere, and to other sites, are not followed), parse linked HTML pages in turn, and
 * return every link whose file does not exist. Fragments and queries are ignored.
 */
export async function missingLinks(
  root: string,
  rootDir: string = path.dirname(root),
): Promise<MissingLink[]> {
  const base = path.resolve(rootDir) + path.sep;
  const missing: MissingLink[] = [];
  const seen = new Set([path.resolve(root)]);
  const queue = [path.resolve(root)];
  while (queue.length > 0) {
    const page = queue.shift()!;
    const html = await fs.readFile(page, 'utf8');
    for (const href of anchorTargets(html)) {
      let url: URL;
      try {
        url = new URL(href, pathToFileURL(page));
      } catch {
        continue; // not a URL at all: nothing a browser could open either
      }
      if (url.protocol !== 'file:') continue;
      const file = fileURLToPath(new URL(url.pathname, url));
      if (!file.startsWith(base) || seen.has(file)) continue;
      seen.add(file);
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat) {
        missing.push({ page, target: path.relative(rootDir, file) });
      } else if (stat.isFile() && /\.html?$/i.test(file)) {
        queue.push(file);
      }
    }
  }
  return missing;
}
