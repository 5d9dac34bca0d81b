import fs from 'node:fs/promises';
import { FairpodError, ValidationError } from '../../core/errors.js';

/** The environment variable a registry token is read from first. */
export const TOKEN_ENV = 'FAIRPOD_REGISTRY_TOKEN';

/**
 * The registry token: `FAIRPOD_REGISTRY_TOKEN` if set, else the first line of `file`. A token file readable
 * by group or others is refused (as ssh refuses a private key), since anyone reading it can write to the
 * registry. Returns undefined when neither is given (anonymous, read-only access).
 */
export async function loadRegistryToken(
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string | undefined> {
  const fromEnv = (options.env ?? process.env)[TOKEN_ENV]?.trim();
  if (fromEnv) return fromEnv;
  if (!options.file) return undefined;
  let stat;
  try {
    stat = await fs.stat(options.file);
  } catch (err) {
    throw new FairpodError(`cannot read the registry token file: ${(err as Error).message}`, {
      location: { file: options.file },
      hint: `create it with the token from \`fairpod registry token create\` and \`chmod 600\`, or set ${TOKEN_ENV}`,
    });
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new ValidationError(
      `the registry token file is readable by others (mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')})`,
      { location: { file: options.file }, hint: `run \`chmod 600 ${options.file}\`` },
    );
  }
  const token = (await fs.readFile(options.file, 'utf8')).split(/\r?\n/)[0]!.trim();
  if (!token) {
    throw new ValidationError('the registry token file is empty', {
      location: { file: options.file, line: 1 },
      hint: 'put the token printed by `fairpod registry token create` on its first line',
    });
  }
  return token;
}
