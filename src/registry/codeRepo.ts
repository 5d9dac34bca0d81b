import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The code a run used: its repository and the exact commit (`-dirty` when the work tree had changes). */
export interface CodeRepoState {
  /** The remote URL (`origin`), or `file://<dir>` for a repository without one. */
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
  const url = (await git(top, 'config', '--get', 'remote.origin.url').catch(() => '')) || `file://${top}`;
  return { url, commit: dirty ? `${head}-dirty` : head, name: path.basename(url).replace(/\.git$/, '') };
}
