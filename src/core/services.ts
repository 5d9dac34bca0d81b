// tsyringe needs the Reflect metadata polyfill loaded before it: every module importing it loads it first.
import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import type { DimensionSpec, TranslationRequest, Translation, VarlistEntrySpec } from '../settings/types.js';
import type { DataKey } from './dataKey.js';
import type { VarlistEntry } from './varlist.js';

/** Injection tokens of the services the loop (`DataRequest`) works with; a library user may register others. */
export const TOKENS = {
  Translator: Symbol.for('fairpod.Translator'),
  Preprocessor: Symbol.for('fairpod.Preprocessor'),
  Logger: Symbol.for('fairpod.Logger'),
} as const;

/** Maps a POD's request to a model convention's native variable (`dimensions`: the POD's dimensions section). */
export interface VariableTranslator {
  translate(
    request: TranslationRequest,
    convention: string,
    dimensions?: Readonly<Record<string, DimensionSpec>>,
  ): Translation;
}

/** What a preprocessor is told about the run. */
export interface PreprocessContext {
  caseName: string;
  firstYear: number;
  lastYear: number;
  workDir: string;
}

/** The single file a POD reads for one variable. */
export interface PreprocessOutput {
  path: string;
  /** The variable's name inside that file (MDTF's `<var>_var`). */
  variableName: string;
  /** One line per step that changed something (for provenance). */
  history: string[];
}

/** Turns a variable's fetched files into the single file its POD reads. */
export interface Preprocessor {
  /** Lets the preprocessor add what it can convert from (e.g. a precipitation rate as alternate of a flux). */
  editVarlist?(varlist: VarlistEntrySpec[]): VarlistEntrySpec[];
  process(entry: VarlistEntry, files: DataKey[], context: PreprocessContext): Promise<PreprocessOutput>;
}

/** Where progress and notes go; the CLI prints them, tests collect them. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** A logger that writes to stderr, so stdout stays clean for `--json`. */
export class StderrLogger implements Logger {
  info(message: string): void {
    process.stderr.write(`${message}\n`);
  }
  warn(message: string): void {
    process.stderr.write(`warning: ${message}\n`);
  }
}

/** The services the loop works with, resolved from the container (`resolveServices`) or made directly. */
@injectable()
export class DataSourceServices {
  constructor(
    @inject(TOKENS.Translator) readonly translator: VariableTranslator,
    @inject(TOKENS.Preprocessor) readonly preprocessor: Preprocessor,
    @inject(TOKENS.Logger) readonly logger: Logger,
  ) {}
}
