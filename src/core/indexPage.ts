import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicWrite.js';

/** A case a POD ran with, as the index page shows it (MDTF's "Case Settings"). */
export interface IndexCase {
  name: string;
  startdate: string;
  enddate: string;
  convention: string;
}

/** One POD's line on the work dir's index page. */
export interface IndexEntry {
  name: string;
  description: string;
  ok: boolean;
  /** Why the POD failed, when it did. */
  failure?: string;
  /** The cases of the POD's run, in order. */
  cases: IndexCase[];
  /** When the run finished (ISO 8601). */
  finished: string;
}

/** `<workDir>/fairpod-index.json`: the index page's entries, which a later run into the work dir updates. */
export const INDEX_ENTRIES_FILE = 'fairpod-index.json';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function isIndexEntry(value: unknown): value is IndexEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.name === 'string' &&
    typeof e.description === 'string' &&
    typeof e.ok === 'boolean' &&
    typeof e.finished === 'string' &&
    Array.isArray(e.cases)
  );
}

/** The entries an earlier run left in the work dir; a file that is not fairpod's is reported and set aside. */
async function earlierEntries(workDir: string, warnings: string[]): Promise<IndexEntry[]> {
  const file = path.join(workDir, INDEX_ENTRIES_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value) && value.every(isIndexEntry)) return value;
  } catch {
    // reported below
  }
  warnings.push(`${file} is not a list of index entries: index.html lists this run's PODs only`);
  return [];
}

/** The page's text for one POD's entry, with links to the files of it that exist. */
async function entryHtml(workDir: string, e: IndexEntry): Promise<string[]> {
  const links: string[] = [];
  for (const [file, label] of [
    [`${e.name}/${e.name}.html`, 'plots'],
    [`${e.name}/${e.name}.log`, e.ok ? 'log' : 'error log'],
    [`${e.name}/${e.name}.data.log`, 'data used'],
  ] as const) {
    if (await exists(path.join(workDir, file))) links.push(`<a href="${escapeHtml(file)}">${label}</a>`);
  }
  const status = e.ok ? 'succeeded' : 'FAILED';
  const cases = e.cases
    .map(
      (c) =>
        `${escapeHtml(c.name)} (${escapeHtml(c.startdate)}-${escapeHtml(c.enddate)}, ${escapeHtml(c.convention)})`,
    )
    .join(', ');
  return [
    `<h3 class="pod ${e.ok ? 'ok' : 'failed'}" id="${escapeHtml(e.name)}">${escapeHtml(e.description || e.name)}` +
      ` (${escapeHtml(e.name)}): <span class="status">${status}</span>${links.length ? `: ${links.join(', ')}` : ''}.</h3>`,
    `<p class="cases">Case${e.cases.length > 1 ? 's' : ''}: ${cases}; run finished ${escapeHtml(e.finished)}.</p>`,
    ...(e.failure ? [`<pre class="failure">${escapeHtml(e.failure)}</pre>`] : []),
  ];
}

/**
 * Writes `<workDir>/index.html`, the work dir's top page as MDTF's output manager makes it (a header, then per
 * POD its description, its status, its cases, and links to its page `<POD>/<POD>.html`, its log and the data
 * it used). `entries` (this run's PODs) replace the earlier entries of the same PODs, kept in
 * `fairpod-index.json`; the other PODs' entries stay, as MDTF appends each POD to an existing index.html. Only
 * files that exist are linked, so every link of the page resolves.
 */
export async function updateIndexPage(
  workDir: string,
  entries: IndexEntry[],
  banner: boolean,
): Promise<{ page: string; warnings: string[] }> {
  const warnings: string[] = [];
  const fresh = new Map(entries.map((e) => [e.name, e]));
  const earlier = await earlierEntries(workDir, warnings);
  const all = [
    ...earlier.map((e) => fresh.get(e.name) ?? e),
    ...entries.filter((e) => !earlier.some((x) => x.name === e.name)),
  ];
  const items: string[] = [];
  for (const e of all) items.push(...(await entryHtml(workDir, e)));
  const html = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>fairpod: results in ${escapeHtml(path.basename(workDir))}</title>
<style>h3.failed .status { color: #b00; } h3.ok .status { color: #070; } h3 { color: navy; }</style>
</head>
<body>
${banner ? '<img src="mdtf_diag_banner.png" alt="banner">\n' : ''}<p>PODs run in ${escapeHtml(workDir)}; page written on ${escapeHtml(new Date().toUTCString())}.</p>
<hr>
${items.join('\n')}
<hr>
</body>
</html>
`;
  await writeFileAtomic(path.join(workDir, INDEX_ENTRIES_FILE), `${JSON.stringify(all, null, 2)}\n`);
  const page = path.join(workDir, 'index.html');
  await writeFileAtomic(page, html);
  return { page, warnings };
}
