import fs from 'node:fs/promises';
import os from 'node:os';
import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { ValidationError } from '../core/errors.js';
import type { Registry } from '../registry/registry.js';
import { say } from './projectCommand.js';

/** Where the registry of a `fairpod registry` command is given: `--db`, `--db-file`, or neither. */
interface DbOptions {
  db?: string;
  dbFile?: string;
}

/** The environment variable holding a registry location, so a password in it never shows in `ps`. */
export const DB_URL_ENV = 'FAIRPOD_DB_URL';

/**
 * The registry location: `--db`, else the first line of `--db-file`, else `$FAIRPOD_DB_URL`; undefined means
 * the current project's registry. A password written in `--db` is visible to every user in `ps`: say so.
 */
async function dbLocation(opts: DbOptions): Promise<string | undefined> {
  if (opts.db !== undefined) {
    if (/^[a-z]+:\/\/[^/@]*:[^/@]+@/i.test(opts.db))
      process.stderr.write(
        `fairpod: warning: the password in --db is visible in \`ps\` and shell history; set ${DB_URL_ENV} or use --db-file instead\n`,
      );
    return opts.db;
  }
  if (opts.dbFile !== undefined) {
    const text = await readSecretFile(opts.dbFile, '--db-file');
    const location = text.split('\n')[0]!.trim();
    if (!location)
      throw new ValidationError('the file holds no registry location', {
        location: { file: opts.dbFile, key: '--db-file' },
        hint: 'write the SQLite path or postgres:// URL on its first line',
      });
    return location;
  }
  return process.env[DB_URL_ENV] || undefined;
}

/** The text of a file given for a secret (`-` reads stdin). */
async function readSecretFile(file: string, flag: string): Promise<string> {
  try {
    return file === '-' ? await text(process.stdin) : await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read ${file}: ${(err as Error).message}`, {
      location: { file, key: flag },
      hint: 'give a readable file (mode 600), or - for stdin',
      cause: err,
    });
  }
}

/** Runs `fn` on the registry `dbLocation` names, else on the current project's. */
async function withRegistry<T>(opts: DbOptions, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const db = await dbLocation(opts);
  if (db) {
    const { Registry } = await import('../registry/registry.js');
    const registry = await Registry.open(db);
    try {
      return await fn(registry);
    } finally {
      await registry.close();
    }
  }
  const { Project } = await import('../registry/project.js');
  const project = await Project.open();
  try {
    return await fn(project.registry);
  } finally {
    await project.close();
  }
}

/** A token id as `token list` prints it. */
function parseTokenId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0)
    throw new ValidationError(`not a token id: ${value}`, {
      location: { key: '--id' },
      hint: '`fairpod registry token list` shows the ids',
    });
  return id;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ValidationError(`not a TCP port: ${value}`, {
      location: { key: '--port' },
      hint: 'give 0..65535 (0: any free port)',
    });
  }
  return port;
}

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM). */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A `--data-url`: an http(s) URL, ending in `/` as a storage root does. */
function parseDataUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`not a URL: ${value}`, {
      location: { key: '--data-url' },
      hint: 'give an http(s) URL, e.g. http://localhost:8001/data/',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ValidationError(`not an http(s) URL: ${value}`, {
      location: { key: '--data-url' },
      hint: 'give an http(s) URL, e.g. http://localhost:8001/data/',
    });
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** `fairpod registry serve|token create|token revoke`. */
export function registerRegistry(program: Command): void {
  const registry = program
    .command('registry')
    .description('serve the registry over HTTP (FAIR data registry REST API)');
  const dbOption = '--db <location>';
  const dbHelp = `registry: SQLite file or postgres:// URL (default: $${DB_URL_ENV}, else the current project’s)`;
  const dbFileOption = '--db-file <file>';
  const dbFileHelp = 'file whose first line is the registry location (keeps a password out of `ps`)';
  registry
    .command('serve')
    .description('serve /api/ until interrupted; reads are anonymous, writes need a token')
    .option('--port <port>', 'TCP port (0: any free port)', parsePort, 8000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(dbOption, dbHelp)
    .option(dbFileOption, dbFileHelp)
    .option(
      '--data-store <dir>',
      'serve this directory at /data/: anyone reads, token holders PUT files (write-once, SHA-1 checked)',
    )
    .option(
      '--data-url <url>',
      'the storage root the data store is registered as (default http://HOST:PORT/data/); FAIR-CLI takes a root on the API’s own host:port for an API URL, so give it another name for the same server, e.g. http://localhost:PORT/data/',
      parseDataUrl,
    )
    .action(
      async (opts: { port: number; host: string; dataStore?: string; dataUrl?: string } & DbOptions) => {
        const [{ existingDataStoreDir }, { startRegistryServer }] = await Promise.all([
          import('../registry/sync/dataStores.js'),
          import('../registry/rest/server.js'),
        ]);
        const dataStore =
          opts.dataStore &&
          (await existingDataStoreDir(
            opts.dataStore,
            '--data-store',
            'create the directory first (files pushed to this registry are written there)',
          ));
        await withRegistry(opts, async (r) => {
          if (opts.dataUrl && !dataStore)
            throw new ValidationError('--data-url names the URL of the data store: give --data-store too', {
              location: { key: '--data-url' },
              hint: 'add --data-store DIR, or drop --data-url',
            });
          const server = await startRegistryServer(r, {
            host: opts.host,
            port: opts.port,
            dataStore,
            dataUrl: opts.dataUrl,
          });
          say(`serving the registry at ${server.url}/api/ (Ctrl-C to stop)`);
          if (dataStore) say(`serving ${dataStore} at ${server.url}/data/`);
          await untilStopped();
          await server.close();
        });
      },
    );
  registry
    .command('install')
    .description(
      'make a local registry FAIR-CLI starts and writes to (as `fair registry install` does for the Django one): a fairpod project with user admin, its token and start/stop scripts',
    )
    .option('--directory <dir>', 'where (default: $FAIR_REGISTRY_DIR, else ~/.fair/registry)')
    .option('--identifier <uri>', 'the author’s identifier, e.g. an ORCID URL')
    .option('--namespace <name>', 'namespace for inputs and outputs (default: admin)')
    .action(async (opts: { directory?: string; identifier?: string; namespace?: string }) => {
      const { installFairCliRegistry, defaultFairCliRegistryDir } =
        await import('../registry/fairCliRegistry.js');
      const made = await installFairCliRegistry(opts.directory ?? defaultFairCliRegistryDir(), opts);
      say(`FAIR-CLI local registry in ${made.dir} (token ${made.tokenFile})`);
      say(
        '`fair init` uses it; `fair registry start`, `fair pull`, `fair run` start it as `fairpod registry serve`',
      );
    });
  const token = registry.command('token').description('API tokens (stored hashed; shown once)');
  token
    .command('create')
    .description('create a token and print it (the only time it is shown); its id goes to stderr')
    .option('--user <name>', 'the registry user the token writes as', os.userInfo().username)
    .option(dbOption, dbHelp)
    .option(dbFileOption, dbFileHelp)
    .action(async (opts: { user: string } & DbOptions) => {
      const [{ createToken }, { tokenId }] = await Promise.all([
        import('../registry/rest/tokens.js'),
        import('../registry/tokenAdmin.js'),
      ]);
      await withRegistry(opts, async (r) => {
        const secret = await createToken(r, opts.user);
        say(secret);
        process.stderr.write(
          `token id ${await tokenId(r, secret)} (revoke it with \`fairpod registry token revoke --id ID\`)\n`,
        );
      });
    });
  token
    .command('list')
    .description('the tokens: id, user, created, revoked (never the secrets)')
    .option(dbOption, dbHelp)
    .option(dbFileOption, dbFileHelp)
    .action(async (opts: DbOptions) => {
      const { listTokens } = await import('../registry/tokenAdmin.js');
      for (const t of await withRegistry(opts, listTokens))
        say(
          `${String(t.id).padStart(5)}  ${t.user}  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}`,
        );
    });
  token
    .command('revoke')
    .description(
      'revoke a token by id, or by its secret read from a file or stdin: writes with it fail from now on',
    )
    .argument('[token]', 'the secret itself (deprecated: it shows in `ps` and shell history)')
    .option('--id <id>', 'the token’s id, as `token list` and `token create` show it', parseTokenId)
    .option('--token-file <file>', 'file holding the secret (- for stdin)')
    .option(dbOption, dbHelp)
    .option(dbFileOption, dbFileHelp)
    .action(async (value: string | undefined, opts: { id?: number; tokenFile?: string } & DbOptions) => {
      const given = [value !== undefined, opts.id !== undefined, opts.tokenFile !== undefined].filter(
        Boolean,
      );
      if (given.length !== 1)
        throw new ValidationError('name one token: --id ID or --token-file FILE', {
          location: { key: '--id' },
          hint: '`fairpod registry token list` shows the ids; `--token-file -` reads the secret from stdin',
        });
      if (value !== undefined)
        process.stderr.write(
          'fairpod: warning: a token given as an argument is visible in `ps` and shell history; use --id or --token-file\n',
        );
      const [{ revokeToken }, { revokeTokenById }] = await Promise.all([
        import('../registry/rest/tokens.js'),
        import('../registry/tokenAdmin.js'),
      ]);
      await withRegistry(opts, async (r) => {
        if (opts.id !== undefined) await revokeTokenById(r, opts.id);
        else await revokeToken(r, value ?? (await readSecretFile(opts.tokenFile!, '--token-file')).trim());
      });
      say('token revoked');
    });
}
