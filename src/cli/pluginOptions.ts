import { Option, type Command } from 'commander';
import { FairpodError } from '../core/errors.js';
import type { PluginCatalog } from '../plugin/catalog.js';
import { optionFlag, optionPlaceholder, type OptionSpec } from '../plugin/options.js';

const wanting = new WeakSet<Command>();

/** Marks a command (`run`, `plan`) that takes every plugin's own options; they are added just before it parses. */
export function wantsPluginOptions(command: Command): Command {
  wanting.add(command);
  return command;
}

/**
 * The `preSubcommand` hook of the program: when the command about to parse takes plugins' options, loads
 * the plugins (only then: other commands start without importing any) and adds their flags to it.
 */
export async function beforeSubcommand(command: Command): Promise<void> {
  if (!wanting.has(command)) return;
  const { loadPlugins } = await import('../plugin/load.js');
  addPluginOptions(command, await loadPlugins());
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds each plugin option's flag once, with the names of the plugins that take it. Values stay commander's
 * strings: the core parses them for the chosen plugin only (`parseOptions`), so defaults are not set here.
 * A flag that fairpod's own options use, or that one plugin takes as a switch and another with a value, is
 * an error naming the plugins.
 */
export function addPluginOptions(command: Command, catalog: PluginCatalog): void {
  const byFlag = new Map<string, { spec: OptionSpec; users: string[] }>();
  for (const { definition } of catalog.list()) {
    for (const [name, spec] of Object.entries(definition.options ?? {})) {
      const flag = optionFlag(name);
      if (command.options.some((o) => o.long === flag))
        throw new FairpodError(
          `plugin ${definition.name}'s option ${flag} clashes with an option of fairpod ${command.name()}`,
          { hint: `rename the option in plugin ${definition.name}` },
        );
      const seen = byFlag.get(flag);
      if (!seen) byFlag.set(flag, { spec, users: [definition.name] });
      else if ((seen.spec.type === 'boolean') !== (spec.type === 'boolean'))
        throw new FairpodError(
          `option ${flag} is a switch in one of plugins ${[...seen.users, definition.name].join(', ')} and takes a value in another`,
          { hint: `rename the option in plugin ${definition.name}` },
        );
      else seen.users.push(definition.name);
    }
  }
  for (const [flag, { spec, users }] of byFlag) {
    const placeholder = optionPlaceholder(spec);
    const defaults = spec.default === undefined ? '' : ` (default: ${String(spec.default)})`;
    const option = new Option(
      placeholder ? `${flag} ${placeholder}` : flag,
      `${spec.description}${defaults} [${users.join(', ')}]`,
    );
    if (spec.type === 'list') option.argParser(collect);
    command.addOption(option);
  }
}
