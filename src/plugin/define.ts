import type { DataSource } from '../core/dataSource.js';
import { ValidationError } from '../core/errors.js';
import type { Logger } from '../core/services.js';
import { optionFlag, parseOptions, type OptionSpecs, type OptionValues } from './options.js';

/** What a plugin's `create` receives besides its options. */
export interface PluginServices {
  /** Where progress and notes go (stderr in the CLI). */
  logger: Logger;
  /**
   * The content store downloads go to unless the plugin has an option saying otherwise: the project's store
   * with `fairpod run`, else `.fairpod/store` of the current directory.
   */
  storeRoot: string;
}

/** A data-source plugin: its names, its options declared once with their types, and how to make its source. */
export interface PluginDefinition<S extends OptionSpecs = OptionSpecs> {
  /** The `--data-manager` name. Names compare case-insensitively, ignoring `_`, `-` and spaces. */
  name: string;
  aliases?: readonly string[];
  /** One line for `fairpod plugins`. */
  description: string;
  /** Its own command-line options, by camelCase name (`maxConnections` is `--max-connections`). */
  options?: S;
  /** Makes the data source of one request from the parsed options. */
  create(options: OptionValues<S>, services: PluginServices): DataSource;
}

/**
 * A definition whose option types are no longer known statically (what discovery and the core hold); any
 * definition is one, as `create` is a method (its options are checked by `parseOptions` at run time).
 */
export type AnyPluginDefinition = PluginDefinition<OptionSpecs>;

const NAME = /^[A-Za-z][\w-]*$/;

/**
 * Declares a data-source plugin. The option types flow into `create`; the definition is checked here so that
 * a malformed one fails where it is written, not when it is first used.
 */
export function definePlugin<const S extends OptionSpecs = Record<never, never>>(
  definition: PluginDefinition<S>,
): PluginDefinition<S> {
  for (const name of [definition.name, ...(definition.aliases ?? [])]) {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new ValidationError(`plugin name or alias "${String(name)}" is not a name`, {
        location: { key: 'name' },
        hint: 'letters, digits, `_` and `-`, starting with a letter',
      });
  }
  if (typeof definition.create !== 'function')
    throw new ValidationError(`plugin ${definition.name} has no create function`, {
      location: { key: 'create' },
      hint: 'create(options, services) returns the data source',
    });
  for (const [key, spec] of Object.entries(definition.options ?? {})) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(key) || typeof spec?.description !== 'string')
      throw new ValidationError(`plugin ${definition.name}: option "${key}" is malformed`, {
        location: { key: `options.${key}` },
        hint: `options are camelCase names (the flag is ${optionFlag('exampleName')}), each with a type and a description`,
      });
  }
  return definition;
}

/** True when `value` has the shape `definePlugin` returns. */
export function isPluginDefinition(value: unknown): value is AnyPluginDefinition {
  const v = value as Partial<AnyPluginDefinition> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.description === 'string' &&
    typeof v.create === 'function'
  );
}

/**
 * Parses raw option values once (see `parseOptions`) and makes the plugin's data source. Returns the parsed
 * options too, for the record of the run.
 */
export function createDataSource(
  definition: AnyPluginDefinition,
  raw: Readonly<Record<string, unknown>>,
  services: PluginServices,
): { source: DataSource; options: Record<string, unknown> } {
  const options = parseOptions(definition.options ?? {}, raw, { plugin: definition.name });
  return { source: definition.create(options, services), options };
}
