import fs from 'node:fs/promises';
import path from 'node:path';
import { FairpodError } from './errors.js';
import { convertFigures, copyObsFigures, OUTPUT_DIRS } from './figures.js';
import { writePodHtml } from './htmlTemplate.js';
import { missingLinks } from './linkCheck.js';
import type { Pod } from './pod.js';
import type { PodPaths } from './podEnvironment.js';

/** Makes MDTF's output tree below the POD's work dir (`model/PS`, `model/netCDF`, `obs/PS`, `obs/netCDF`). */
export async function makeOutputTree(podWork: string): Promise<void> {
  for (const dir of OUTPUT_DIRS) await fs.mkdir(path.join(podWork, dir), { recursive: true });
}

/** What making a POD's output did. */
export interface PodOutput {
  /** `<podWork>/<POD>.html`, when it was written. */
  page?: string;
  /** Why the POD counts as failed although its driver exited 0. */
  failure?: string;
  /** Figures ghostscript could not read (as in MDTF, a failure only when the page links them). */
  warnings: string[];
}

/**
 * MDTF's `HTMLPodOutputManager.make_output` and `verify_pod_links` for a POD whose driver exited 0: fill its
 * HTML template(s), convert `model/PS` and `obs/PS` figures to PNG in `model` and `obs`, copy bitmaps shipped
 * with its obs data to `obs`, then check every link of its page. A figure ghostscript
 * cannot read is a warning; a missing template, a missing ghostscript, or a linked file that does not exist
 * makes the POD failed.
 */
export async function makePodOutput(
  pod: Pod,
  paths: PodPaths,
  values: Record<string, string>,
  ghostscript = 'gs',
): Promise<PodOutput> {
  let page: string;
  try {
    page = await writePodHtml(pod, paths.podWork, values);
  } catch (err) {
    if (err instanceof FairpodError) return { failure: failureOf(err), warnings: [] };
    throw err;
  }
  const warnings: string[] = [];
  for (const side of ['model', 'obs']) {
    try {
      const { malformed } = await convertFigures(paths.podWork, path.join(side, 'PS'), side, ghostscript);
      for (const m of malformed) {
        warnings.push(`malformed figure ${path.relative(paths.podWork, m.file)}: ${m.error.split('\n')[0]}`);
      }
    } catch (err) {
      if (!(err instanceof FairpodError)) throw err;
      return { page, failure: failureOf(err), warnings };
    }
  }
  if (paths.obsData) await copyObsFigures(paths.obsData, paths.podWork);
  const missing = await missingLinks(page, paths.podWork);
  if (missing.length === 0) return { page, warnings };
  const failure =
    `the driver exited 0 but ${missing.length} file(s) its page ${path.relative(paths.podWork, page)} links are missing: ` +
    missing.map((m) => m.target).join(', ');
  return { page, failure: [failure, ...warnings].join('\n'), warnings };
}

function failureOf(err: FairpodError): string {
  return err.hint ? `${err.message}\nhint: ${err.hint}` : err.message;
}
