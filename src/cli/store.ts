import type { Command } from 'commander';
import type { ContentStore } from '../store/contentStore.js';
import type { Project } from '../registry/project.js';
import { say } from './projectCommand.js';

/** Where `fairpod store` commands work, as `openStore` finds it. */
interface OpenedStore {
  store: ContentStore;
  /** The project's namespace, else `local`. */
  namespace: string;
  /** The store files the project's registry records (only when asked for; none outside a project). */
  recorded: string[];
}

/**
 * The store of the project containing the current directory, or `<cwd>/.fairpod/store` outside a project
 * (the store needs no registry). With `records`, also what the registry records: what `verify` checks is
 * there. Without, the registry is not opened (nor its database drivers loaded): `store add` starts fast.
 */
async function openStore(records = false): Promise<OpenedStore> {
  const [{ findProject }, { ContentStore, defaultStoreRoot }] = await Promise.all([
    import('../registry/findProject.js'),
    import('../store/contentStore.js'),
  ]);
  let found: Awaited<ReturnType<typeof findProject>>;
  try {
    found = await findProject();
  } catch {
    return { store: new ContentStore(defaultStoreRoot(process.cwd())), namespace: 'local', recorded: [] };
  }
  if (!records)
    return { store: new ContentStore(found.storeRoot), namespace: found.settings.namespace, recorded: [] };
  const [{ Project }, { recordedStoreFiles }] = await Promise.all([
    import('../registry/project.js'),
    import('../registry/maintenance.js'),
  ]);
  const project: Project = await Project.open(found.dir);
  try {
    return {
      store: project.store,
      namespace: project.settings.namespace,
      recorded: await recordedStoreFiles(project),
    };
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
        const { store: s, namespace } = await openStore();
        const r = await s.add(file, {
          namespace: opts.namespace ?? namespace,
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
      const { store: s } = await openStore();
      say((await s.get(ref)).path);
      await s.flush();
    });
  store
    .command('verify')
    .description(
      're-hash every stored file and check every file the registry records is there; report each bad one',
    )
    .action(async () => {
      const { store: s, recorded } = await openStore(true);
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
      for (const o of await (await openStore()).store.list())
        say(`${String(o.size).padStart(12)}  ${o.sha1}  ${o.relativePath}`);
    });
}
