import fs from 'node:fs/promises';
import path from 'node:path';
import type { DataKey } from './dataKey.js';
import { DataKeyError } from './dataKey.js';
import { FairpodError } from './errors.js';
import type { PreprocessContext, PreprocessOutput, Preprocessor } from './services.js';
import type { VarlistEntry } from './varlist.js';
import { replaceAtomically } from '../store/atomicWrite.js';

/** `<work>/<POD>/<freq>/<CASE>.<var>.<freq>.nc`: where a POD finds each variable (MDTF's layout). */
export function podDataPath(entry: VarlistEntry, context: PreprocessContext): string {
  const freq = entry.frequency ?? 'fx';
  return path.join(context.workDir, entry.pod, freq, `${context.caseName}.${entry.placedName}.${freq}.nc`);
}

/**
 * The pass-through preprocessor (`--disable-preprocessor`): places a variable's single fetched file where
 * the POD expects it, as a hard link when the file system allows, else as a copy; the result is checked
 * to have the source's size. Several chunks need the real preprocessor to concatenate them.
 */
export class PlaceFilesPreprocessor implements Preprocessor {
  async process(
    entry: VarlistEntry,
    files: DataKey[],
    context: PreprocessContext,
  ): Promise<PreprocessOutput> {
    if (files.length !== 1) {
      throw new FairpodError(
        `${entry.label}: ${files.length} time chunks were chosen, but pass-through preprocessing places a single file`,
        {
          hint: 'run with the preprocessor enabled (drop --disable-preprocessor) so chunks are concatenated, or choose a period inside one file',
        },
      );
    }
    const source = files[0]!;
    const src = source.localPath ?? source.id;
    const dest = podDataPath(entry, context);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      await replaceAtomically(dest, async (temp) => {
        try {
          await fs.link(src, temp);
        } catch {
          await fs.copyFile(src, temp);
        }
        const [a, b] = await Promise.all([fs.stat(src), fs.stat(temp)]);
        if (a.size !== b.size)
          throw new DataKeyError(source.id, `copy of ${src} has ${b.size} bytes, expected ${a.size}`);
      });
    } catch (err) {
      if (err instanceof DataKeyError) throw err;
      throw new DataKeyError(source.id, `cannot place ${src} at ${dest}: ${(err as Error).message}`);
    }
    return { path: dest, variableName: entry.translation?.name ?? entry.name, history: [] };
  }
}
