import type { Command } from 'commander';
import { ContentStore, defaultStoreRoot } from '../store/contentStore.js';
import { recordedStoreFiles } from '../registry/maintenance.js';
import { Project } from '../registry/project.js';
import { say } from './projectCommand.js';

/** The project's store, or `<cwd>/.fairpod/store` outside a project (the store needs no registry). */
async function openStore(): Promise<ContentStore> {
  return (await openStoreWithRecords()).store;
}

/**
 * The store as `openStore` finds it, with the store files the project's registry records (none outside a
 * project): what `verify` checks is there.
 */
async function openStoreWithRecords(): Promise<{ store: ContentStore; recorded: string[] }> {
  let project: Project;
  try {
    project = await Project.open();
  } catch {
    return { store: new ContentStore(defaultStoreRoot(process.cwd())), recorded: [] };
  }
  try {
    return { store: project.store, recorded: await recordedStoreFiles(project) };
  } finally {
    await project.close();
  }
}

/** `fairpod store add|get|verify|ls`. */
export function registerStore(program: Command): void {
  const store = program.command('store').description('the write-once, hash-verified store');
  store
    .command('add')
    .description('copy a file into the store (hashed while it streams), print its store path')
    .argument('<file>')
    .requiredOption('--name <name>', 'name in the store, e.g. cmip6/CESM2/tas')
    .option('--namespace <ns>', 'namespace (default: the project namespace)')
    .option('--ext <ext>', 'extension (default: the file’s)')
    .option('--md5 <hex>', 'publisher MD5 the content must match')
    .option('--sha256 <hex>', 'publisher SHA-256 the content must match')
    .action(
      async (
        file: string,
        opts: { name: string; namespace?: string; ext?: string; md5?: string; sha256?: string },
      ) => {
        const s = await openStore();
        const namespace =
          opts.namespace ??
          (await Project.open()
            .then(async (p) => (await p.close(), p.settings.namespace))
            .catch(() => 'local'));
        const r = await s.add(file, {
          namespace,
          name: opts.name,
          ext: opts.ext,
          expected: { md5: opts.md5, sha256: opts.sha256 },
        });
        await s.flush();
        say(`${r.path}${r.deduplicated ? '  (already stored)' : ''}`);
      },
    );
  store
    .command('get')
    .description('verify a stored file (by store path) and print its absolute path')
    .argument('<path>')
    .action(async (ref: string) => {
      const s = await openStore();
      say((await s.get(ref)).path);
      await s.flush();
    });
  store
    .command('verify')
    .description(
      're-hash every stored file and check every file the registry records is there; report each bad one',
    )
    .action(async () => {
      const { store: s, recorded } = await openStoreWithRecords();
      const report = await s.verify(recorded);
      for (const bad of report.bad)
        process.stderr.write(
          `BAD ${bad.relativePath}: ${bad.reason}${bad.actual ? ` (sha1 ${bad.actual})` : ''}\n`,
        );
      say(`${report.checked} files checked, ${report.bad.length} bad`);
      if (report.bad.length) process.exitCode = 1;
    });
  store
    .command('ls')
    .description('list stored files: size, sha1, store path')
    .action(async () => {
      for (const o of await (await openStore()).list())
        say(`${String(o.size).padStart(12)}  ${o.sha1}  ${o.relativePath}`);
    });
}
