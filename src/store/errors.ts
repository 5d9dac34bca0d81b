import { FairpodError, type Location } from '../core/errors.js';

/** A file's content does not match the hash it was stored or published under. Never silently re-used. */
export class HashMismatchError extends FairpodError {
  readonly algorithm: string;
  readonly expected: string;
  readonly actual: string;
  readonly path: string;

  constructor(args: {
    path: string;
    algorithm: string;
    expected: string;
    actual: string;
    location?: Location;
    hint?: string;
  }) {
    super(`${args.algorithm} of ${args.path} is ${args.actual}, expected ${args.expected}`, {
      location: args.location ?? { file: args.path },
      hint:
        args.hint ??
        'the file was altered or corrupted; delete it (`fairpod delete --force PATH`) and fetch or produce it again',
    });
    this.algorithm = args.algorithm;
    this.expected = args.expected;
    this.actual = args.actual;
    this.path = args.path;
  }
}

/** A store operation that cannot be done as asked (bad name, missing object ...). */
export class StoreError extends FairpodError {}
