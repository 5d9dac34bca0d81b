/** Where in a user's file a problem is. Every field is optional; the more is known, the better the message. */
export interface Location {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path inside the file, e.g. `varlist.tas.frequency`. */
  key?: string;
}

/**
 * The base of every error fairpod reports to a user: a message, where it happened, and what to do.
 * The CLI prints `file:line:column: key: message` followed by the hint, and exits non-zero.
 */
export class FairpodError extends Error {
  readonly location: Location;
  readonly hint?: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(
    message: string,
    options: { location?: Location; hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.location = options.location ?? {};
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }

  /** The full, human-readable report: location prefix, message, then the hint on its own line. */
  format(): string {
    const prefix = formatLocation(this.location);
    const text = prefix ? `${prefix}: ${this.message}` : this.message;
    return this.hint ? `${text}\n  hint: ${this.hint}` : text;
  }
}

/** `file:line:column: key` with whatever parts are known. */
export function formatLocation(loc: Location): string {
  let where = loc.file ?? '';
  if (loc.file && loc.line !== undefined) {
    where += `:${loc.line}`;
    if (loc.column !== undefined) where += `:${loc.column}`;
  }
  if (loc.key) where = where ? `${where}: ${loc.key}` : loc.key;
  return where;
}

/** Bad user input: a settings file, catalog, config or option. */
export class ValidationError extends FairpodError {
  constructor(message: string, options: { location?: Location; hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** Several validation problems found in one pass; reported together. */
export class ValidationErrors extends FairpodError {
  readonly errors: FairpodError[];
  constructor(errors: FairpodError[]) {
    super(errors.map((e) => e.format()).join('\n'), { exitCode: 2 });
    this.errors = errors;
  }
  override format(): string {
    return this.message;
  }
}
