import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicWrite.js';

/** One POD's line on the run's index page. */
export interface IndexEntry {
  name: string;
  description: string;
  ok: boolean;
  /** Why the POD failed, when it did. */
  failure?: string;
}

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

/**
 * Writes `<workDir>/index.html`, the run's top page as MDTF's output manager makes it (a header with the date,
 * then per POD its description, its status, and links to its page `<POD>/<POD>.html`, its log and the data it
 * used). Only files that exist are linked, so every link of the page resolves.
 */
export async function writeIndexPage(
  workDir: string,
  caseName: string,
  entries: IndexEntry[],
  banner: boolean,
): Promise<string> {
  const items: string[] = [];
  for (const e of entries) {
    const links: string[] = [];
    for (const [file, label] of [
      [`${e.name}/${e.name}.html`, 'plots'],
      [`${e.name}/${e.name}.log`, e.ok ? 'log' : 'error log'],
      [`${e.name}/${e.name}.data.log`, 'data used'],
    ] as const) {
      if (await exists(path.join(workDir, file))) links.push(`<a href="${escapeHtml(file)}">${label}</a>`);
    }
    const status = e.ok ? 'succeeded' : 'FAILED';
    items.push(
      `<h3 class="pod ${e.ok ? 'ok' : 'failed'}" id="${escapeHtml(e.name)}">${escapeHtml(e.description || e.name)}` +
        ` (${escapeHtml(e.name)}): <span class="status">${status}</span>${links.length ? `: ${links.join(', ')}` : ''}.</h3>`,
      ...(e.failure ? [`<pre class="failure">${escapeHtml(e.failure)}</pre>`] : []),
    );
  }
  const html = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>fairpod: case ${escapeHtml(caseName)}</title>
<style>h3.failed .status { color: #b00; } h3.ok .status { color: #070; } h3 { color: navy; }</style>
</head>
<body>
${banner ? '<img src="mdtf_diag_banner.png" alt="banner">\n' : ''}<p>Case ${escapeHtml(caseName)}: run finished on ${escapeHtml(new Date().toUTCString())}.</p>
<hr>
${items.join('\n')}
<hr>
</body>
</html>
`;
  const file = path.join(workDir, 'index.html');
  await writeFileAtomic(file, html);
  return file;
}
