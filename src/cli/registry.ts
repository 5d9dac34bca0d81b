import os from 'node:os';
import type { Command } from 'commander';
import { ValidationError } from '../core/errors.js';
import { Project } from '../registry/project.js';
import { Registry } from '../registry/registry.js';
import { startRegistryServer } from '../registry/rest/server.js';
import { existingDataStoreDir } from '../registry/sync/dataStores.js';
import { createToken, revokeToken } from '../registry/rest/tokens.js';
import { say } from './projectCommand.js';

/** Runs `fn` on the registry at `--db` (an SQLite path or `postgres://` URL), else on the current project's. */
async function withRegistry<T>(db: string | undefined, fn: (registry: Registry) => Promise<T>): Promise<T> {
  if (db) {
    const registry = await Registry.open(db);
    try {
      return await fn(registry);
    } finally {
      await registry.close();
    }
  }
  const project = await Project.open();
  try {
    return await fn(project.registry);
  } finally {
    await project.close();
  }
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

/** `fairpod registry serve|token create|token revoke`. */
export function registerRegistry(program: Command): void {
  const registry = program
    .command('registry')
    .description('serve the registry over HTTP (FAIR data registry REST API)');
  const dbOption = '--db <location>';
  const dbHelp = 'registry: SQLite file or postgres:// URL (default: the current project’s)';
  registry
    .command('serve')
    .description('serve /api/ until interrupted; reads are anonymous, writes need a token')
    .option('--port <port>', 'TCP port (0: any free port)', parsePort, 8000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(dbOption, dbHelp)
    .option(
      '--data-store <dir>',
      'serve this directory at /data/: anyone reads, token holders PUT files (write-once, SHA-1 checked)',
    )
    .action(async (opts: { port: number; host: string; db?: string; dataStore?: string }) => {
      const dataStore =
        opts.dataStore &&
        (await existingDataStoreDir(
          opts.dataStore,
          '--data-store',
          'create the directory first (files pushed to this registry are written there)',
        ));
      await withRegistry(opts.db, async (r) => {
        const server = await startRegistryServer(r, { host: opts.host, port: opts.port, dataStore });
        say(`serving the registry at ${server.url}/api/ (Ctrl-C to stop)`);
        if (dataStore) say(`serving ${dataStore} at ${server.url}/data/`);
        await untilStopped();
        await server.close();
      });
    });
  const token = registry.command('token').description('API tokens (stored hashed; shown once)');
  token
    .command('create')
    .description('create a token and print it (the only time it is shown)')
    .option('--user <name>', 'the registry user the token writes as', os.userInfo().username)
    .option(dbOption, dbHelp)
    .action(async (opts: { user: string; db?: string }) => {
      say(await withRegistry(opts.db, (r) => createToken(r, opts.user)));
    });
  token
    .command('revoke')
    .description('revoke a token: writes with it fail from now on')
    .argument('<token>')
    .option(dbOption, dbHelp)
    .action(async (value: string, opts: { db?: string }) => {
      await withRegistry(opts.db, (r) => revokeToken(r, value));
      say('token revoked');
    });
}
