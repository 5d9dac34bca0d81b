import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pod } from './pod.js';

/** Every file below `dir`, sorted; none when it does not exist. */
export async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Source files of a POD that may read `$OBS_DATA` (not its pages or data). */
const CODE = /\.(py|ipynb|ncl|r|sh|bash|csh|js|mjs|jl|m|f90|f)$/i;

/** Where a POD's code names `OBS_DATA`, and the files it names right after it (`{OBS_DATA}/x.nc`, `OBS_DATA"] + "/x.nc"`). */
export interface ObsReferences {
  /** `file:line` of each mention. */
  mentions: string[];
  /** File names relative to OBS_DATA written literally in the code. */
  files: string[];
}

/** Scans the POD's code for `OBS_DATA`. */
export async function obsReferences(pod: Pod): Promise<ObsReferences> {
  const mentions: string[] = [];
  const files = new Set<string>();
  for (const file of await filesBelow(pod.settings.podHome)) {
    if (!CODE.test(file)) continue;
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (!line.includes('OBS_DATA')) return;
      mentions.push(`${path.relative(pod.settings.podHome, file)}:${i + 1}`);
      const pattern = /OBS_DATA[}"'\])]*\s*(?:\+\s*)?["']?\/([\w.\-/]+\.[A-Za-z0-9]+)/g;
      for (const m of line.matchAll(pattern)) files.add(m[1]!);
    });
  }
  return { mentions, files: [...files].sort() };
}

/** What is wrong with a POD's obs data before it runs. */
export interface ObsCheck {
  /** Set when the POD reads obs data and there is no directory to give it: the POD cannot run. */
  failure?: string;
  /** Files the code names that are not in the obs directory (the POD may still run on another branch). */
  missingFiles: string[];
}

/**
 * Checks a POD's obs data before it runs: a POD whose code uses `OBS_DATA` needs `--obs-data-root DIR` with
 * `DIR/<POD>/` present; files its code names literally should be there.
 */
export async function checkObsData(pod: Pod, obsData: string | undefined): Promise<ObsCheck> {
  const refs = await obsReferences(pod);
  if (refs.mentions.length === 0) return { missingFiles: [] };
  const where = `$OBS_DATA is used in ${refs.mentions.slice(0, 3).join(', ')}${refs.mentions.length > 3 ? ', ...' : ''}`;
  const expected = refs.files.length ? ` (expected there: ${refs.files.join(', ')})` : '';
  if (obsData === undefined) {
    return {
      failure: `POD ${pod.name} reads observational data but no --obs-data-root was given: ${where}\nhint: give --obs-data-root DIR with the POD's obs data in DIR/${pod.name}/${expected}`,
      missingFiles: refs.files,
    };
  }
  const stat = await fs.stat(obsData).catch(() => undefined);
  if (!stat?.isDirectory()) {
    return {
      failure: `obs data directory ${obsData} of POD ${pod.name} does not exist: ${where}\nhint: put the POD's obs data in ${obsData}/${expected}, or correct --obs-data-root`,
      missingFiles: refs.files,
    };
  }
  const missingFiles: string[] = [];
  for (const f of refs.files) {
    if (!(await fs.stat(path.join(obsData, f)).catch(() => undefined)))
      missingFiles.push(path.join(obsData, f));
  }
  return { missingFiles };
}
