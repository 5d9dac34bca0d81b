import { FairpodError, ValidationError } from '../core/errors.js';
import type { AnyPluginDefinition } from './define.js';

/** Where a plugin came from: shipped with fairpod, or an installed npm package. */
export interface PluginOrigin {
  /** The npm package's name; unset for the plugins shipped with fairpod. */
  package?: string;
  version?: string;
  /** The package's directory. */
  dir?: string;
}

/** A plugin as the catalog holds it. */
export interface LoadedPlugin extends PluginOrigin {
  definition: AnyPluginDefinition;
}

/** Plugin names compare case-insensitively, ignoring `_`, `-` and spaces. */
export function normalizePluginName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

function describeOrigin(p: PluginOrigin): string {
  return p.package ? `package ${p.package}${p.dir ? ` (${p.dir})` : ''}` : 'fairpod itself';
}

/** The data-source plugins known to one run: fairpod's own, then the installed ones. */
export class PluginCatalog {
  private readonly plugins: LoadedPlugin[] = [];

  constructor(plugins: readonly LoadedPlugin[]) {
    for (const p of plugins) this.add(p);
  }

  /** Adds a plugin; a name or alias that another plugin has already is an error naming both packages. */
  add(plugin: LoadedPlugin): void {
    const names = [plugin.definition.name, ...(plugin.definition.aliases ?? [])];
    for (const name of names) {
      const owner = this.lookup(name);
      if (owner)
        throw new FairpodError(
          `plugin name or alias "${name}" of ${describeOrigin(plugin)} is taken by plugin ${owner.definition.name} of ${describeOrigin(owner)}`,
          { hint: 'uninstall one of them, or rename the plugin' },
        );
    }
    this.plugins.push(plugin);
  }

  /** Every plugin, fairpod's own first. */
  list(): readonly LoadedPlugin[] {
    return this.plugins;
  }

  /** Finds a plugin by name or alias; an unknown name is an error at `--data-manager` listing the known ones. */
  find(name: string): LoadedPlugin {
    const found = this.lookup(name);
    if (!found) {
      throw new ValidationError(`unknown data manager "${name}"`, {
        location: { key: '--data-manager' },
        hint: `known data managers: ${this.plugins.map((p) => `${p.definition.name} (${p.definition.aliases?.join(', ') || 'no aliases'})`).join('; ')}; plugins are npm packages named fairpod-plugin-* (see \`fairpod plugins\`)`,
      });
    }
    return found;
  }

  private lookup(name: string): LoadedPlugin | undefined {
    const wanted = normalizePluginName(name);
    return this.plugins.find((p) =>
      [p.definition.name, ...(p.definition.aliases ?? [])].some((n) => normalizePluginName(n) === wanted),
    );
  }
}
