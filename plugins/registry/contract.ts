import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createToken, Registry, startRegistryServer } from 'fairpod';
import { RegistryClient, type ContractFixture } from 'fairpod/plugin';

/** One file to register as a data product: its name, version, and path below the root. */
export interface SeedProduct {
  name: string;
  version: string;
  path: string;
  /** SHA-1 of the content; computed from the file when left out (the file must then exist). */
  hash?: string;
}

/**
 * Registers files under a storage root as data products through the REST API (namespace, storage_root,
 * storage_location, object, data_product), as a publisher would. Used by the contract fixture and tests.
 */
export async function seedDataProducts(
  client: RegistryClient,
  options: { root: string; namespace: string; products: SeedProduct[] },
): Promise<void> {
  const namespace = await client.postOrGet('namespace', { name: options.namespace });
  const root = await client.postOrGet('storage_root', {
    root: options.root,
    local: options.root.startsWith('file:'),
  });
  for (const p of options.products) {
    const hash =
      p.hash ??
      createHash('sha1')
        .update(await fs.readFile(new URL(p.path, options.root)))
        .digest('hex');
    const location = await client.postOrGet('storage_location', {
      path: p.path,
      hash,
      storage_root: root.url,
    });
    // The registry creates the object's whole_object component, as the FAIR registry does.
    const object = await client.post('object', { storage_location: location.url });
    await client.post('data_product', {
      object: object.url,
      namespace: namespace.url,
      name: p.name,
      version: p.version,
    });
  }
}

/**
 * A real fairpod registry server on 127.0.0.1 (SQLite in the temporary directory) listing `present` (a file
 * under a `file://` root) and `missing` (registered, but its file is not there) as CMIP6-named data products.
 */
export const contractFixture: ContractFixture = {
  async create(dir) {
    const data = path.join(dir, 'data');
    await fs.mkdir(data, { recursive: true });
    await fs.writeFile(path.join(data, 'present_200001-200112.nc'), 'not read by the contract suite');
    const registry = await Registry.open(path.join(dir, 'registry.db'));
    const server = await startRegistryServer(registry, { host: '127.0.0.1', port: 0 });
    try {
      const client = new RegistryClient(server.url, { token: await createToken(registry, 'contract') });
      await seedDataProducts(client, {
        root: pathToFileURL(data + path.sep).href,
        namespace: 'contract',
        products: [
          {
            name: 'cmip6/M/historical/r1i1p1f1/Amon/present/gn',
            version: '1.0.0',
            path: 'present_200001-200112.nc',
          },
          {
            name: 'cmip6/M/historical/r1i1p1f1/Amon/missing/gn',
            version: '1.0.0',
            path: 'missing_200001-200112.nc',
            hash: '0'.repeat(40),
          },
        ],
      });
    } catch (err) {
      await server.close();
      await registry.close();
      throw err;
    }
    return {
      options: { registryUrl: `${server.url}/api/`, dataRoot: data, store: path.join(dir, 'store') },
      teardown: async () => {
        await server.close();
        await registry.close();
      },
    };
  },
};
