import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FairpodError } from '../core/errors.js';
import type { WorkingConfig } from '../settings/fairConfigResolve.js';
import { storeRootUrlOf } from './codeRun.js';
import type { Project } from './project.js';
import { isoNow } from './registry.js';

/**
 * Applies a working config's `register` entries: namespaces and authors become rows; files under a local
 * `root` are added to the store and registered as data products (and external objects) with their version.
 * Registering the same version with the same content again is a no-op; with other content it is an error.
 */
export async function applyRegisterEntries(project: Project, config: WorkingConfig): Promise<void> {
  const r = project.registry;
  for (const entry of config.register) {
    const e = entry as Record<string, unknown>;
    if (typeof e.namespace === 'string' && !('root' in e)) {
      await r.write((trx) =>
        r.namespace(trx, e.namespace as string, {
          full_name: e.full_name as string | undefined,
          website: e.website as string | undefined,
        }),
      );
      continue;
    }
    if (typeof e.author === 'string') {
      await r.write((trx) =>
        r.getOrCreate(
          trx,
          'author',
          { name: e.author },
          { identifier: e.identifier ?? null, uuid: randomUUID() },
        ),
      );
      continue;
    }
    const name = String(e.data_product ?? e.external_object);
    const root = String(e.root);
    if (/^[a-z]+:\/\//i.test(root) && !root.startsWith('file://')) {
      throw new FairpodError(`cannot register ${name} from ${root}: only local roots are supported here`, {
        hint: 'download the file and register it from a local directory, or use `fairpod pull` from a registry',
      });
    }
    const file = path.join(root.startsWith('file://') ? new URL(root).pathname : root, String(e.path));
    await fs.access(file).catch(() => {
      throw new FairpodError(`cannot register ${name}: ${file} does not exist`, {
        hint: 'check root and path of the register entry',
      });
    });
    const use = (e.use ?? {}) as { namespace?: string; version?: string };
    const namespace =
      (e.namespace_name as string | undefined) ??
      use.namespace ??
      config.run_metadata.default_output_namespace;
    const version = (e.version as string | undefined) ?? use.version ?? '0.0.1';
    const ext = (e.file_type as string | undefined) ?? path.extname(file).slice(1);
    const stored = await project.store.add(file, { namespace, name, ext });
    await r.write(async (trx) => {
      const namespaceId = await r.namespace(trx, namespace);
      const existing = (await trx('data_product as d')
        .join('object as o', 'd.object_id', 'o.id')
        .join('storage_location as s', 'o.storage_location_id', 's.id')
        .where({ 'd.namespace_id': namespaceId, 'd.name': name, 'd.version': version })
        .first('s.hash')) as { hash: string } | undefined;
      if (existing) {
        if (existing.hash === stored.sha1) return;
        throw new FairpodError(`${namespace}:${name}@${version} is already registered with other content`, {
          hint: 'data products are immutable: register a new version',
        });
      }
      const rootId = await r.storageRoot(trx, storeRootUrlOf(project.store), true);
      const locationId = await r.getOrCreate(
        trx,
        'storage_location',
        { storage_root_id: rootId, hash: stored.sha1, public: true },
        { path: stored.relativePath },
        { unique: true },
      );
      const fileTypeId = ext ? await r.fileType(trx, ext) : null;
      const { objectId } = await r.createObject(trx, {
        storage_location_id: locationId,
        file_type_id: fileTypeId,
        description: (e.description as string | undefined) ?? null,
      });
      const dataProductId = await r.insert(trx, 'data_product', {
        object_id: objectId,
        namespace_id: namespaceId,
        name,
        version,
        last_updated: isoNow(),
      });
      if ('title' in e || e.identifier || e.unique_name) {
        await trx('external_object').insert({
          data_product_id: dataProductId,
          identifier: (e.identifier as string | undefined) ?? null,
          alternate_identifier:
            (e.unique_name as string | undefined) ?? (e.alternate_identifier as string | undefined) ?? null,
          alternate_identifier_type: (e.alternate_identifier_type as string | undefined) ?? null,
          primary: Boolean(e.primary),
          release_date: (e.release_date as string | undefined) ?? isoNow(),
          title: (e.title as string | undefined) ?? name,
          description: (e.description as string | undefined) ?? null,
          last_updated: isoNow(),
        });
      }
    });
  }
}
