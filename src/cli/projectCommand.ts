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
