import { Registry } from '../../src/registry/registry.js';
import { startRegistryServer, type RunningRegistryServer } from '../../src/registry/rest/server.js';
import { createToken } from '../../src/registry/rest/tokens.js';
import type { RegistryLocations } from './backends.js';

/** A registry served on 127.0.0.1 (random port) with a token for writes. */
export interface ServedRegistry {
  registry: Registry;
  server: RunningRegistryServer;
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Opens a fresh registry on the backend of `locations`, serves it (with `dataStore`, that directory at
 * `/data/`), and creates a token for user `tester`.
 */
export async function serveFreshRegistry(
  locations: RegistryLocations,
  options: { dataStore?: string } = {},
): Promise<ServedRegistry> {
  const registry = await Registry.open(await locations.create());
  const server = await startRegistryServer(registry, { host: '127.0.0.1', port: 0, ...options });
  const token = await createToken(registry, 'tester');
  return {
    registry,
    server,
    url: server.url,
    token,
    close: async () => {
      await server.close();
      await registry.close();
    },
  };
}
