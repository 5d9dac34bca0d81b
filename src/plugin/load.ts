import path from 'node:path';
import type { AnyPluginDefinition } from './define.js';
import { PluginCatalog } from './catalog.js';
import { findPluginPackages, loadPluginPackage } from './discover.js';

/** How `loadPlugins` looks. */
export interface LoadPluginsOptions {
  /** The project directory discovery starts from; default the current directory. */
  cwd?: string;
  /** Leave out installed packages: fairpod's own plugins only. */
  builtinOnly?: boolean;
}

const loaded = new Map<string, Promise<PluginCatalog>>();

/** fairpod's own plugins, imported only when a command needs plugins (start-up of the others stays fast). */
async function builtinPlugins(): Promise<readonly AnyPluginDefinition[]> {
  const module = (await import('../../plugins/index.js')) as { BUILTIN_PLUGINS: AnyPluginDefinition[] };
  return module.BUILTIN_PLUGINS;
}

/**
 * The plugins of a project: fairpod's own, then every installed plugin package (`fairpod-plugin-*`,
 * `@scope/fairpod-plugin-*`, or listed in `package.json`'s `fairpod.plugins`; see `findPluginPackages`).
 * Loaded once per directory and process; a package that fails to load is an error naming it.
 */
export function loadPlugins(options: LoadPluginsOptions = {}): Promise<PluginCatalog> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const cacheKey = `${options.builtinOnly ? 'builtin' : 'all'}:${cwd}`;
  let pending = loaded.get(cacheKey);
  if (!pending) {
    pending = (async () => {
      const catalog = new PluginCatalog((await builtinPlugins()).map((definition) => ({ definition })));
      if (options.builtinOnly) return catalog;
      for (const pkg of await findPluginPackages(cwd)) catalog.add(await loadPluginPackage(pkg));
      return catalog;
    })();
    // A failure is not cached: the user fixes the package and the next call sees it.
    pending.catch(() => loaded.delete(cacheKey));
    loaded.set(cacheKey, pending);
  }
  return pending;
}
