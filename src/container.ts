import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import type { DataSourceBase } from './core/dataSource.js';
import { ValidationError } from './core/errors.js';
import {
  StderrLogger,
  TOKENS,
  type Logger,
  type Preprocessor,
  type VariableTranslator,
} from './core/services.js';

/** A plugin's own command-line option, added to `fairpod run` and `fairpod plan`. */
export interface PluginOption {
  /** commander flags, e.g. `--catalog <file>`. */
  flags: string;
  description: string;
  defaultValue?: string;
}

/** How a data-source plugin announces itself. */
export interface PluginRegistration {
  name: string;
  aliases: string[];
  description: string;
  options: PluginOption[];
  /** The plugin class; it extends DataSourceBase and receives DataSourceServices by injection. */
  plugin: new (...args: never[]) => DataSourceBase;
}

const registrations: PluginRegistration[] = [];

/** Plugin names compare case-insensitively, ignoring `_`, `-` and spaces. */
export function normalizePluginName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** Registers a data-source plugin; called once from the plugin's own `index.ts`. */
export function registerPlugin(registration: PluginRegistration): void {
  const taken = new Set(registrations.flatMap((r) => [r.name, ...r.aliases].map(normalizePluginName)));
  const clash = [registration.name, ...registration.aliases].find((n) => taken.has(normalizePluginName(n)));
  if (clash) throw new Error(`plugin name or alias "${clash}" is already registered`);
  registrations.push(registration);
}

/** Every registered plugin, in registration order. */
export function listPlugins(): readonly PluginRegistration[] {
  return registrations;
}

/** Finds a plugin by name or alias; an unknown name is an error listing the known ones. */
export function findPlugin(name: string): PluginRegistration {
  const wanted = normalizePluginName(name);
  const found = registrations.find((r) =>
    [r.name, ...r.aliases].some((n) => normalizePluginName(n) === wanted),
  );
  if (!found) {
    throw new ValidationError(`unknown data manager "${name}"`, {
      location: { key: '--data-manager' },
      hint: `known data managers: ${registrations.map((r) => `${r.name} (${r.aliases.join(', ') || 'no aliases'})`).join('; ')}`,
    });
  }
  return found;
}

/** The services plugins receive; the logger defaults to stderr. */
export interface Services {
  translator: VariableTranslator;
  preprocessor: Preprocessor;
  logger?: Logger;
}

/** A child container holding the services plugins receive, so a library user can supply their own. */
export function createContainer(services: Services): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.Translator, { useValue: services.translator });
  c.register(TOKENS.Preprocessor, { useValue: services.preprocessor });
  c.register(TOKENS.Logger, { useValue: services.logger ?? new StderrLogger() });
  return c;
}

/** Resolves the plugin named by `--data-manager` from the container and hands it its options. */
export function resolveDataSource(
  c: DependencyContainer,
  name: string,
  options: Record<string, unknown> = {},
): DataSourceBase {
  const registration = findPlugin(name);
  const source = c.resolve(registration.plugin as unknown as InjectionToken<DataSourceBase>);
  source.configure(options);
  return source;
}
