// tsyringe needs the Reflect metadata polyfill loaded before it: every module importing it loads it first.
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import {
  DataSourceServices,
  StderrLogger,
  TOKENS,
  type Logger,
  type Preprocessor,
  type VariableTranslator,
} from './core/services.js';

/** The services the loop uses; the logger defaults to stderr. */
export interface Services {
  translator: VariableTranslator;
  preprocessor: Preprocessor;
  logger?: Logger;
}

/**
 * What tsyringe does in fairpod: it holds the services the loop (`DataRequest`) works with, the translator,
 * the preprocessor and the logger, under `TOKENS`, in a child container per run, so that a library user
 * overrides any of them (register another value under its token) without touching the loop; and it gives
 * the `Translator` singleton its fieldlists (see `settings/translator.ts`). Data-source plugins are not
 * injected: they are plain objects made by their definition's `create(options, services)`.
 */
export function createContainer(services: Services): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.Translator, { useValue: services.translator });
  c.register(TOKENS.Preprocessor, { useValue: services.preprocessor });
  c.register(TOKENS.Logger, { useValue: services.logger ?? new StderrLogger() });
  return c;
}

/** The loop's services as the container resolves them. */
export function resolveServices(c: DependencyContainer): DataSourceServices {
  return c.resolve(DataSourceServices);
}
