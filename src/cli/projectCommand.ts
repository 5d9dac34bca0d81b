import type { Project } from '../registry/project.js';

/** Runs `fn` on the project containing the current directory, closing it afterwards. */
export async function withProject<T>(fn: (project: Project) => Promise<T>): Promise<T> {
  const { Project } = await import('../registry/project.js');
  const project = await Project.open();
  try {
    return await fn(project);
  } finally {
    await project.close();
  }
}

/** Writes one line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Writes lines to stdout in one write: stdout to a pipe is synchronous, one system call per write. */
export function sayAll(lines: readonly string[]): void {
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
}
