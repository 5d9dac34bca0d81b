import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS_DIR } from '../paths.js';
import { ValidationError } from './errors.js';

const SETTINGS_NAMES = ['settings.jsonc', 'settings.json', 'settings.yaml', 'settings.yml'];
/** Where fairpod's own example PODs live; a POD can be named by its folder there. */
export const SHIPPED_PODS_DIR = path.join(SETTINGS_DIR, 'pods');

function settingsIn(dir: string): string | undefined {
  return SETTINGS_NAMES.map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
}

/**
 * Finds a POD's settings file from what the user typed: a settings file, a POD directory holding
 * `settings.jsonc` (or `.yaml`), or the name of a POD shipped in `settings/pods/`.
 */
export function locatePodSettings(arg: string): string {
  const resolved = path.resolve(arg);
  if (fs.existsSync(resolved)) {
    if (fs.statSync(resolved).isFile()) return resolved;
    const inside = settingsIn(resolved);
    if (inside) return inside;
    throw new ValidationError(`POD directory ${resolved} holds no ${SETTINGS_NAMES.join(' or ')}`, {
      hint: 'give the path of the POD settings file itself, or add settings.jsonc to the directory',
    });
  }
  const shipped = settingsIn(path.join(SHIPPED_PODS_DIR, arg));
  if (shipped) return shipped;
  const known = fs.existsSync(SHIPPED_PODS_DIR)
    ? fs
        .readdirSync(SHIPPED_PODS_DIR)
        .filter((n) => settingsIn(path.join(SHIPPED_PODS_DIR, n)))
        .sort()
    : [];
  throw new ValidationError(`no POD "${arg}": not a file, a directory, or a POD shipped with fairpod`, {
    hint: `give a settings file or POD directory; shipped PODs: ${known.join(', ') || 'none'}`,
  });
}
