import type { DimensionSpec, Requirement, Translation, VarlistEntrySpec } from '../settings/types.js';
import type { DataKey } from './dataKey.js';

/** Last stage a variable completed. Ordered: a later stage implies the earlier ones. */
export enum Stage {
  NOTSET = 0,
  INITED = 1,
  QUERIED = 2,
  FETCHED = 3,
  PREPROCESSED = 4,
}

/** Whether a variable is being worked on, done, failed, or not (yet) needed. */
export enum Status {
  ACTIVE = 'ACTIVE',
  INACTIVE = 'INACTIVE',
  FAILED = 'FAILED',
  SUCCEEDED = 'SUCCEEDED',
}

/** The experiment a variable's data was chosen from, and the files (chunks) that make it up. */
export interface Selection {
  /** Experiment column → value. */
  experiment: Record<string, string>;
  keys: DataKey[];
}

/** One requested variable of one POD, with the state the loop moves it through. */
export class VarlistEntry {
  readonly name: string;
  readonly requirement: Requirement;
  /** Alternate sets: each set replaces this entry only if every member succeeds. */
  alternates: VarlistEntry[][] = [];
  stage = Stage.NOTSET;
  status = Status.INACTIVE;
  translation?: Translation;
  /** Candidate data keys left after the query and the period filter (failed keys are removed). */
  candidates: DataKey[] = [];
  /** Description of the query that found the candidates (for plans and errors). */
  queryDescription?: string;
  selection?: Selection;
  /** The alternate set standing in for this entry after it failed. */
  activeAlternate?: VarlistEntry[];
  /** Every alternate set activated for this entry, in order. */
  readonly triedAlternates: VarlistEntry[][] = [];
  /** Why this entry failed, in order (one per failure). */
  readonly failures: string[] = [];
  /** Why candidates or experiments were dropped (for `fairpod plan`). */
  readonly decisions: string[] = [];
  /** The preprocessed file handed to the POD. */
  outputPath?: string;
  /** The variable's name inside `outputPath`. */
  outputVariable?: string;

  constructor(
    readonly pod: string,
    readonly spec: VarlistEntrySpec,
    /** The POD's `dimensions` section: names, units and axes the POD wants its coordinates in. */
    readonly podDimensions: Readonly<Record<string, DimensionSpec>> = {},
  ) {
    this.name = spec.name;
    this.requirement = spec.requirement;
  }

  /** `POD/name`, for messages. */
  get label(): string {
    return `${this.pod}/${this.name}`;
  }

  /** The name the POD reads this variable's data under: its own, or that of the entry it stands for. */
  get placedName(): string {
    return this.spec.stands_for ?? this.name;
  }

  get frequency(): string | undefined {
    return this.spec.frequency;
  }

  get isActive(): boolean {
    return this.status === Status.ACTIVE;
  }

  /** Starts (or restarts) work on this entry at INITED. */
  activate(): void {
    this.status = Status.ACTIVE;
    this.stage = Stage.INITED;
    this.selection = undefined;
  }

  /** True when this entry or its active alternate set has all its data preprocessed. */
  get satisfied(): boolean {
    if (this.status === Status.SUCCEEDED) return true;
    return !!this.activeAlternate && this.activeAlternate.every((v) => v.status === Status.SUCCEEDED);
  }
}

/** Identity of a set of entries, for recognising a set seen before. */
function setId(set: VarlistEntry[]): string {
  return set
    .map((v) => v.name)
    .sort()
    .join('+');
}

/**
 * The first viable alternate set of `entry`: sets are walked breadth-first through alternates of alternates
 * (as MDTF's `iter_alternates`), skipping sets seen before and sets holding a failed member.
 */
export function firstViableAlternateSet(entry: VarlistEntry): VarlistEntry[] | undefined {
  const queue: VarlistEntry[][] = [...entry.alternates];
  const seen = new Set<string>([setId([entry])]);
  while (queue.length > 0) {
    const set = queue.shift()!;
    const id = setId(set);
    if (seen.has(id)) continue;
    seen.add(id);
    for (const member of set) queue.push(...member.alternates);
    if (set.some((v) => v.status === Status.FAILED)) continue;
    return set;
  }
  return undefined;
}
