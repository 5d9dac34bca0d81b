import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The code a run used: its repository and the exact commit (`-dirty` when the work tree had changes). */
export interface CodeRepoState {
  /** The remote URL (`origin`; a local path as `file://`), or `file://<dir>` for a repository without one. */
  url: string;
  /** The commit hash, suffixed `-dirty` if tracked files were modified. */
  commit: string;
  /** Repository name (last path segment of the URL, without `.git`). */
  name: string;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await run('git', ['-C', dir, ...args], { encoding: 'utf8' })).stdout.trim();
}

/** The state of the git repository containing `dir`; undefined when `dir` is not in one. */
export async function readCodeRepo(dir: string): Promise<CodeRepoState | undefined> {
  let top: string;
  try {
    top = await git(dir, 'rev-parse', '--show-toplevel');
  } catch {
    return undefined;
  }
  const head = await git(top, 'rev-parse', 'HEAD').catch(() => '');
  if (!head) return undefined;
  const dirty = (await git(top, 'status', '--porcelain', '--untracked-files=no')) !== '';
  const origin = await git(top, 'config', '--get', 'remote.origin.url').catch(() => '');
  const url = origin ? originUrl(origin, top) : `file://${top}`;
  return { url, commit: dirty ? `${head}-dirty` : head, name: path.basename(url).replace(/\.git$/, '') };
}

/**
 * An `origin` as a URL: URLs (`https://`, `ssh://`, `file://`) and scp-like `user@host:path` stay as they
 * are; a local path (a clone of a clone on the same machine) becomes `file://<absolute path>`, resolved
 * against the repository, so a storage root is always a URL.
 */
function originUrl(origin: string, top: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(origin) || /^[^/\\]+@[^/:]+:/.test(origin)) return origin;
  return `file://${path.resolve(top, origin)}`;
}
