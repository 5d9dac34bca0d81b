import type { CaseSpec } from './dataSource.js';
import type { Pod } from './pod.js';

/** One POD run being recorded: what it read and wrote, and how it ended. */
export interface PodRunRecord {
  /** The code run's id (SHA-1 of its configuration and start time). */
  readonly runId: string;
  read(file: string): Promise<void>;
  /** A file fairpod wrote for the POD (a preprocessed variable). */
  write(file: string): Promise<void>;
  /** A file the POD produced under `podWork`: a result, registered as a data product. */
  writeResult(file: string, podWork: string): Promise<void>;
  finish(succeeded: boolean): Promise<void>;
}

/** Where `fairpod run` records each POD run (a code run in the project's registry). */
export interface RunProvenance {
  /** Opens the record of one POD's run; `configuration` is what made this run what it is. */
  openPodRun(pod: Pod, caseSpec: CaseSpec, configuration: Record<string, unknown>): Promise<PodRunRecord>;
}
