import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve as resolveImport } from 'import-meta-resolve';
import { FairpodError, ValidationError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { isPluginDefinition } from './define.js';
import type { LoadedPlugin } from './catalog.js';

/** The names a plugin package is found by in `node_modules`: `fairpod-plugin-*` and `@scope/fairpod-plugin-*`. */
export const PLUGIN_PACKAGE = /^(@[^/]+\/)?fairpod-plugin-[^/]+$/;

/** An installed package that holds a plugin, before it is loaded. */
export interface PluginPackage {
  name: string;
  /** The `node_modules` directory it was found in, or the project directory for a `fairpod.plugins` entry. */
  base: string;
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** `dir` and each of its parents, nearest first. */
function upwards(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

/**
 * The `node_modules` directories plugins are looked for in: those of `cwd` and its parents (nearest first),
 * then the one fairpod itself is installed in (a global install's plugins sit beside it).
 */
export async function pluginSearchDirs(cwd: string): Promise<string[]> {
  const dirs = upwards(cwd).map((d) => path.join(d, 'node_modules'));
  const parent = path.dirname(PACKAGE_ROOT);
  if (path.basename(parent) === 'node_modules') dirs.push(parent);
  const found: string[] = [];
  for (const d of new Set(dirs)) if (await exists(d)) found.push(d);
  return found;
}

/** The `fairpod-plugin-*` packages in one `node_modules` directory, scoped ones included. */
async function packagesIn(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await fs.readdir(nodeModules).catch(() => [])) {
    if (entry.startsWith('@')) {
      for (const scoped of await fs.readdir(path.join(nodeModules, entry)).catch(() => []))
        if (PLUGIN_PACKAGE.test(`${entry}/${scoped}`)) names.push(`${entry}/${scoped}`);
    } else if (PLUGIN_PACKAGE.test(entry)) names.push(entry);
  }
  return names.sort();
}

/** The nearest `package.json` from `cwd` upwards, if any. */
async function projectManifest(cwd: string): Promise<string | undefined> {
  for (const d of upwards(cwd)) {
    const file = path.join(d, 'package.json');
    if (await exists(file)) return file;
  }
  return undefined;
}

/** The package names of the project's `package.json` field `fairpod.plugins`, checked. */
async function listedPlugins(manifest: string): Promise<string[]> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(manifest, 'utf8'));
  } catch (err) {
    throw new ValidationError(`cannot read ${manifest}: ${(err as Error).message}`, {
      location: { file: manifest },
      hint: 'fairpod reads its "fairpod.plugins" field; fix the JSON',
    });
  }
  const listed = (json as { fairpod?: { plugins?: unknown } } | null)?.fairpod?.plugins;
  if (listed === undefined) return [];
  if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string' && n !== ''))
    throw new ValidationError('"fairpod.plugins" is not a list of package names', {
      location: { file: manifest, key: 'fairpod.plugins' },
      hint: 'e.g. "fairpod": { "plugins": ["my-data-source"] }',
    });
  return listed as string[];
}

/**
 * The plugin packages installed for a project in `cwd`: those listed in its `package.json` field
 * `fairpod.plugins`, then every `fairpod-plugin-*` package of the search directories. A name found twice is
 * taken from the nearest place.
 */
export async function findPluginPackages(cwd: string): Promise<PluginPackage[]> {
  const out = new Map<string, PluginPackage>();
  const manifest = await projectManifest(cwd);
  if (manifest)
    for (const name of await listedPlugins(manifest)) out.set(name, { name, base: path.dirname(manifest) });
  for (const dir of await pluginSearchDirs(cwd)) {
    for (const name of await packagesIn(dir))
      if (!out.has(name)) out.set(name, { name, base: path.dirname(dir) });
  }
  return [...out.values()];
}

/**
 * Imports a plugin package as Node would from its base directory (its `exports` or `main`), and takes its
 * default export (or an export named `plugin`), which must be what `definePlugin` returns. Anything that
 * goes wrong is an error naming the package.
 */
export async function loadPluginPackage(pkg: PluginPackage): Promise<LoadedPlugin> {
  const fail = (what: string, cause?: unknown): FairpodError =>
    new FairpodError(`plugin package ${pkg.name} ${what}`, {
      hint: `fix it or uninstall it (npm uninstall ${pkg.name}); fairpod looked for it from ${pkg.base}`,
      cause,
    });
  let url: string;
  try {
    url = resolveImport(pkg.name, pathToFileURL(path.join(pkg.base, 'package.json')).href);
  } catch (err) {
    throw fail(`cannot be found or has no entry point: ${(err as Error).message}`, err);
  }
  let module: { default?: unknown; plugin?: unknown };
  try {
    module = (await import(url)) as typeof module;
  } catch (err) {
    throw fail(`failed to load: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const definition = isPluginDefinition(module.default) ? module.default : module.plugin;
  if (!isPluginDefinition(definition))
    throw fail(
      'does not export a plugin: its default export must be what definePlugin({ name, description, options, create }) from fairpod/plugin returns',
    );
  const dir = path.dirname(new URL(url).pathname);
  const manifest = await readOwnManifest(pkg, dir);
  return { definition, package: pkg.name, version: manifest?.version, dir: manifest?.dir ?? dir };
}

/** The package's own `package.json` (its version and directory), found upwards from its entry point. */
async function readOwnManifest(
  pkg: PluginPackage,
  entryDir: string,
): Promise<{ version?: string; dir: string } | undefined> {
  for (const d of upwards(entryDir)) {
    const file = path.join(d, 'package.json');
    if (!(await exists(file))) continue;
    try {
      const json = JSON.parse(await fs.readFile(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg.name) return { version: json.version, dir: d };
    } catch {
      // a package.json that is not JSON is not this package's manifest: look further up
    }
  }
  return undefined;
}
