import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FairpodError } from './errors.js';

const run = promisify(execFile);

/** MDTF's ghostscript flags for PS/EPS/PDF → PNG (`output_manager.convert_pod_figures`). */
const GS_FLAGS = [
  '-dSAFER',
  '-dBATCH',
  '-dNOPAUSE',
  '-dEPSCrop',
  '-r150',
  '-sDEVICE=png16m',
  '-dTextAlphaBits=4',
  '-dGraphicsAlphaBits=4',
];

const VECTOR = /\.(e?ps|pdf)$/i;
const BITMAP = /\.(png|gif|jpe?g)$/i;

/** The MDTF output tree of a POD's work dir, made before the POD runs. */
export const OUTPUT_DIRS = ['model/PS', 'model/netCDF', 'obs/PS', 'obs/netCDF'];

/** Files below `dir` (recursively) whose names match `pattern`; none when `dir` does not exist. */
async function filesMatching(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** What converting one subtree did: the PNGs made and the vector files ghostscript could not read. */
export interface Conversion {
  converted: string[];
  malformed: { file: string; error: string }[];
}

/** Runs ghostscript; a missing `gs` is an error that says how to install it. */
async function ghostscript(gs: string, args: string[]): Promise<void> {
  try {
    await run(gs, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FairpodError(`ghostscript (${gs}) not found: PS/EPS figures cannot be converted to PNG`, {
        hint: 'install it (Debian: apt-get install ghostscript) or name it with --ghostscript PATH',
      });
    }
    throw err;
  }
}

/**
 * MDTF's `convert_pod_figures(src, dest)`: every PS, EPS or PDF below `<podWork>/<src>` becomes a PNG beside it
 * (one per page: `name.png`, or `name-0.png`, `name-1.png` ...), then every bitmap below `src` moves to the
 * same relative place below `<podWork>/<dest>` (`model/PS/a.eps` → `model/a.png`). A file ghostscript cannot
 * read is reported, not fatal: the POD's page then links a missing figure, and that fails the POD.
 */
export async function convertFigures(
  podWork: string,
  src: string,
  dest: string,
  gs = 'gs',
): Promise<Conversion> {
  const srcDir = path.join(podWork, src);
  const destDir = path.join(podWork, dest);
  const result: Conversion = { converted: [], malformed: [] };
  for (const file of await filesMatching(srcDir, VECTOR)) {
    const stem = file.slice(0, -path.extname(file).length);
    try {
      await ghostscript(gs, [...GS_FLAGS, `-sOutputFile=${stem}_MDTF_TEMP_%d.png`, file]);
    } catch (err) {
      if (err instanceof FairpodError) throw err;
      result.malformed.push({ file, error: String((err as { stderr?: string }).stderr || err).trim() });
      continue;
    }
    const pages = (await fs.readdir(path.dirname(file)))
      .filter((n) => n.startsWith(`${path.basename(stem)}_MDTF_TEMP_`) && n.endsWith('.png'))
      .sort((a, b) => pageNumber(a) - pageNumber(b));
    if (pages.length === 0) {
      result.malformed.push({ file, error: 'ghostscript wrote no page' });
      continue;
    }
    for (const [i, page] of pages.entries()) {
      await fs.rename(
        path.join(path.dirname(file), page),
        pages.length === 1 ? `${stem}.png` : `${stem}-${i}.png`,
      );
    }
  }
  for (const bitmap of await filesMatching(srcDir, BITMAP)) {
    const target = path.join(destDir, path.relative(srcDir, bitmap));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(bitmap, target);
    result.converted.push(target);
  }
  return result;
}

function pageNumber(name: string): number {
  return Number(/_MDTF_TEMP_(\d+)\.png$/.exec(name)?.[1] ?? 0);
}

/** MDTF's `cleanup_pod_files`, first step: bitmaps the POD ships with its obs data are copied to `<podWork>/obs`. */
export async function copyObsFigures(obsData: string, podWork: string): Promise<string[]> {
  const copied: string[] = [];
  for (const file of await filesMatching(obsData, BITMAP)) {
    const target = path.join(podWork, 'obs', path.basename(file));
    await fs.copyFile(file, target);
    copied.push(target);
  }
  return copied;
}

/** A PostScript banner, so that a POD page's `<img src="../mdtf_diag_banner.png">` shows something. */
const BANNER_PS = `%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 600 60
0.1 0.2 0.45 setrgbcolor 0 0 600 60 rectfill
1 1 1 setrgbcolor /Helvetica-Bold findfont 28 scalefont setfont 16 20 moveto
(fairpod: process-oriented diagnostics) show
showpage
`;

/** Writes `<workDir>/mdtf_diag_banner.png` (the banner MDTF's PODs link from their pages) with ghostscript. */
export async function writeBanner(workDir: string, gs = 'gs'): Promise<string> {
  const eps = path.join(workDir, '.mdtf_diag_banner.eps');
  const png = path.join(workDir, 'mdtf_diag_banner.png');
  await fs.writeFile(eps, BANNER_PS);
  try {
    await ghostscript(gs, [...GS_FLAGS.filter((f) => f !== '-r150'), '-r96', `-sOutputFile=${png}`, eps]);
  } finally {
    await fs.rm(eps, { force: true });
  }
  return png;
}
