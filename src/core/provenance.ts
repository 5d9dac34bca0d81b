import type { RegistryProductRef } from './dataKey.js';
import type { CaseSpec } from './dataSource.js';
import type { Pod } from './pod.js';

/** One POD run being recorded: what it read and wrote, and how it ended. */
export interface PodRunRecord {
  /** The code run's id (SHA-1 of its configuration and start time). */
  readonly runId: string;
  /** A file the POD read; `dataProduct` when it is a registry's data product (recorded as that product). */
  read(file: string, dataProduct?: RegistryProductRef): Promise<void>;
  /** A file fairpod wrote for the POD (a preprocessed variable). */
  write(file: string): Promise<void>;
  /** A file the POD produced under `podWork`: a result, registered as a data product. */
  writeResult(file: string, podWork: string): Promise<void>;
  finish(succeeded: boolean): Promise<void>;
}

/** Where `fairpod run` records each POD run (a code run in the project's registry). */
export interface RunProvenance {
  /** Opens the record of one POD's run with its cases; `configuration` is what made this run what it is. */
  openPodRun(pod: Pod, cases: CaseSpec[], configuration: Record<string, unknown>): Promise<PodRunRecord>;
}

/** Names of variables whose values are secrets: never written to a record. */
const SECRET = /token|secret|passw(or)?d|credential|api[_-]?key|private[_-]?key|auth/i;

/**
 * A POD's environment as a run records it: every variable fairpod set, with the values of secret-looking
 * names (`*TOKEN*`, `*SECRET*`, `*PASSWORD*` ...) replaced by `<redacted>`, and only the names of the
 * variables it inherited from fairpod's own process (their values are the user's shell, not the run's).
 */
export function recordedEnvironment(
  set: Record<string, string>,
  inherited: NodeJS.ProcessEnv = process.env,
): { set: Record<string, string>; inherited: string[] } {
  return {
    set: Object.fromEntries(
      Object.entries(set)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, SECRET.test(k) ? '<redacted>' : v]),
    ),
    inherited: Object.keys(inherited)
      .filter((k) => !Object.hasOwn(set, k))
      .sort(),
  };
}
