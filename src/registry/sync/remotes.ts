import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { FairpodError, ValidationError } from '../../core/errors.js';
import { checkUrl } from '../../fetch/urls.js';
import { loadRegistryToken } from '../client/token.js';
import { existingDataStoreDir } from './dataStores.js';

/** The file beside `.fairpod/config.yaml` that names a project's remotes. */
export const REMOTES_FILE = 'remotes.yaml';

/** A named remote registry. */
export interface Remote {
  /** The registry's base URL (`http://host:port` or its `/api/` root). */
  url: string;
  /** Absolute path of a mode-600 file holding the token for writes. */
  token_file?: string;
  /**
   * Where pushed files go: a writable directory (`file://` URL) the remote serves files from, or an HTTP
   * root taking PUT uploads (`fairpod registry serve --data-store DIR` serves one at `/data/`).
   */
  data_store?: string;
}

/** Remotes by name. */
export type Remotes = Record<string, Remote>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reads `.fairpod/remotes.yaml` (no file: no remotes). */
export async function loadRemotes(fairpodDir: string): Promise<Remotes> {
  const file = path.join(fairpodDir, REMOTES_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  const parsed = (YAML.parse(text) ?? {}) as unknown;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('the remotes file is not a mapping of names to remotes', {
      location: { file },
      hint: 'fix it with `fairpod remote add|remove`, or delete it',
    });
  }
  return parsed as Remotes;
}

async function saveRemotes(fairpodDir: string, remotes: Remotes): Promise<void> {
  const file = path.join(fairpodDir, REMOTES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, YAML.stringify(remotes));
  await fs.rename(tmp, file);
}

/** Adds a remote; the token file (if any) must be readable by its owner only, the data store a directory. */
export async function addRemote(
  fairpodDir: string,
  name: string,
  url: string,
  options: { tokenFile?: string; dataStore?: string } = {},
): Promise<Remote> {
  if (!NAME.test(name)) {
    throw new ValidationError(`"${name}" is not a remote name`, {
      location: { key: 'NAME' },
      hint: 'use letters, digits, ".", "_" and "-", e.g. origin',
    });
  }
  checkUrl(url, { key: 'URL' });
  const remotes = await loadRemotes(fairpodDir);
  if (remotes[name]) {
    throw new FairpodError(`remote "${name}" exists already (${remotes[name].url})`, {
      hint: `remove it first: fairpod remote remove ${name}`,
    });
  }
  const remote: Remote = { url };
  if (options.tokenFile) {
    remote.token_file = path.resolve(options.tokenFile);
    await loadRegistryToken({ file: remote.token_file, env: {} });
  }
  if (options.dataStore) remote.data_store = await dataStoreUrl(options.dataStore);
  await saveRemotes(fairpodDir, { ...remotes, [name]: remote });
  return remote;
}

/** `--data-store` as a URL: an http(s) root taking PUT uploads, or an existing directory as `file://`. */
async function dataStoreUrl(value: string): Promise<string> {
  if (/^https?:\/\//i.test(value)) {
    checkUrl(value, { key: '--data-store' });
    return value.endsWith('/') ? value : `${value}/`;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file:')) {
    throw new ValidationError(`data store ${value} is neither a directory nor an http(s) URL`, {
      location: { key: '--data-store' },
      hint: 'give the directory the remote serves files from, or its http(s) /data/ URL',
    });
  }
  const dir = await existingDataStoreDir(
    value.startsWith('file:') ? fileURLToPath(value) : value,
    '--data-store',
    'create the directory the remote registry serves files from, or give its http(s) /data/ URL',
  );
  return pathToFileURL(dir + path.sep).href;
}

/** Removes a remote; an unknown name is an error. */
export async function removeRemote(fairpodDir: string, name: string): Promise<void> {
  const remotes = await loadRemotes(fairpodDir);
  if (!remotes[name]) throw unknownRemote(name, remotes);
  delete remotes[name];
  await saveRemotes(fairpodDir, remotes);
}

/** The remote named `name`, or the only one (or `origin`) when no name is given. */
export async function findRemote(
  fairpodDir: string,
  name?: string,
): Promise<{ name: string; remote: Remote }> {
  const remotes = await loadRemotes(fairpodDir);
  const names = Object.keys(remotes);
  const chosen = name ?? (names.length === 1 ? names[0] : remotes.origin ? 'origin' : undefined);
  if (!chosen || !remotes[chosen]) throw unknownRemote(name ?? '(none given)', remotes);
  return { name: chosen, remote: remotes[chosen] };
}

function unknownRemote(name: string, remotes: Remotes): FairpodError {
  const names = Object.keys(remotes);
  return new FairpodError(`no remote "${name}"`, {
    hint: names.length
      ? `remotes: ${names.join(', ')}`
      : 'add one with `fairpod remote add NAME URL --token-file FILE`',
  });
}
