import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

/**
 * The files others wrote (MDTF POD settings and directories, fieldlists, ESM catalogs, FAIR configs) that
 * the interop suite reads in place: `FAIRPOD_SHARED_EXAMPLES`, else `../shared/examples` beside the clone.
 */
export const SHARED_EXAMPLES = path.resolve(
  process.env.FAIRPOD_SHARED_EXAMPLES ?? path.join(PACKAGE_ROOT, '..', 'shared', 'examples'),
);

/** A folder of the shared examples, e.g. `examplesDir('mdtf-pods')`. */
export function examplesDir(...parts: string[]): string {
  return path.join(SHARED_EXAMPLES, ...parts);
}
