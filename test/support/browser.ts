import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Debian's Chromium (apt package `chromium`, installed by .ci/setup.d/50-ghostscript-chromium.sh). */
export const CHROMIUM = process.env.FAIRPOD_CHROMIUM ?? '/usr/bin/chromium';

/** What a headless browser saw on a results page and on every page it links below the same directory. */
export interface BrowsedSite {
  /** Every page visited (the index first), as file paths. */
  pages: string[];
  /** Links (absolute file paths) whose target did not load. */
  brokenLinks: string[];
  /** `<img>` elements that did not render (naturalWidth 0), as `page: src`. */
  brokenImages: string[];
  /** PNG figures opened through a link and rendered by the browser, with their pixel width. */
  figures: { file: string; width: number }[];
}

/**
 * Opens `index` in headless Chromium and follows every link below its directory: each HTML page is loaded
 * (its images must render), each linked PNG is opened and must decode. Fails with a hint when Chromium is
 * not installed.
 */
export async function browseResults(index: string): Promise<BrowsedSite> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the results-page test needs Debian's chromium (apt-get install chromium; CI: .ci/setup.d/50-ghostscript-chromium.sh) or FAIRPOD_CHROMIUM=PATH`,
    );
  }
  // playwright gives the browser a new temporary profile of its own (its --user-data-dir).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const root = path.dirname(index) + path.sep;
  const site: BrowsedSite = { pages: [], brokenLinks: [], brokenImages: [], figures: [] };
  try {
    const page = await browser.newPage();
    const queue = [index];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const file = queue.shift()!;
      const response = await page.goto(pathToFileURL(file).href);
      if (!response || !fs.existsSync(file)) {
        site.brokenLinks.push(file);
        continue;
      }
      if (/\.png$/i.test(file)) {
        // Page scripts are strings: the project compiles without the DOM library.
        const width = (await page.evaluate("document.querySelector('img')?.naturalWidth ?? 0")) as number;
        if (width > 0) site.figures.push({ file, width });
        else site.brokenImages.push(`${file}: does not decode`);
        continue;
      }
      if (!/\.html?$/i.test(file)) continue;
      site.pages.push(file);
      const images = (await page.evaluate(
        "[...document.images].map((i) => ({ src: i.getAttribute('src') ?? '', ok: i.complete && i.naturalWidth > 0 }))",
      )) as { src: string; ok: boolean }[];
      for (const img of images) if (!img.ok) site.brokenImages.push(`${file}: ${img.src}`);
      const links = (await page.evaluate(
        "[...document.querySelectorAll('a[href]')].map((a) => a.href)",
      )) as string[];
      for (const href of links) {
        const url = new URL(href);
        if (url.protocol !== 'file:') continue;
        const target = decodeURIComponent(url.pathname);
        if (!target.startsWith(root) || seen.has(target)) continue;
        seen.add(target);
        if (!fs.existsSync(target)) site.brokenLinks.push(target);
        else queue.push(target);
      }
    }
  } finally {
    await browser.close();
  }
  return site;
}
