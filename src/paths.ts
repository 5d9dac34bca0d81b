import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fairpod package root (holds `settings/`, `catalogs/`); this file compiles to `dist/src/paths.js`. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** fairpod's shipped fieldlists, example PODs and default run configuration. */
export const SETTINGS_DIR = path.join(PACKAGE_ROOT, 'settings');
/** ESM catalogs and DRS templates shipped with fairpod. */
export const CATALOGS_DIR = path.join(PACKAGE_ROOT, 'catalogs');
/** The `fairpod` command's entry point, for scripts that run fairpod (session shims, Slurm jobs, FAIR-CLI). */
export const CLI_MAIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
