/**
 * How a case is told apart in a data source, as MDTF 4.2 does it: the case name is looked for in each file's
 * path (MDTF searches the catalog's `path` column for the case name), and the files of one variable's time
 * series come from one directory, so that two model runs are never stitched into one series.
 */
import path from 'node:path';

const WORD_CHAR = /[A-Za-z0-9]/;

/**
 * True when `name` occurs in `text` as a whole part: at the ends or between characters that are not letters
 * or digits (`/`, `.`, `_`, `-` ...). So case `CMIP_Synthetic` names `.../CMIP_Synthetic_r1i1p1f1_gr1/...`,
 * but case `C` does not name `.../CMIP6/...`. (MDTF searches the bare name; a short name then matches almost
 * anything, hence the boundaries.)
 */
export function nameOccursIn(name: string, text: string): boolean {
  if (name === '') return false;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = at === 0 ? '' : text[at - 1]!;
    const after = text[at + name.length] ?? '';
    if (!WORD_CHAR.test(before) && !WORD_CHAR.test(after)) return true;
  }
  return false;
}

/** The directory of a data key's path or URL (query strings dropped): the series its chunk belongs to. */
export function seriesDirectory(id: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(id)) {
    try {
      const url = new URL(id);
      return `${url.origin}${path.posix.dirname(url.pathname)}`;
    } catch {
      // not a URL after all: treated as a path below
    }
  }
  return path.dirname(id);
}
