import type { PodSettings } from '../settings/types.js';
import { VarlistEntry, Status } from './varlist.js';

/** A diagnostic in a run: its settings, its variables, and whether it can still run. */
export class Pod {
  readonly name: string;
  /** Every varlist entry, alternates included, in file order. */
  readonly varlist: VarlistEntry[];
  /** Set when a required variable has no viable alternate left. */
  failure?: string;

  constructor(readonly settings: PodSettings) {
    this.name = settings.name;
    this.varlist = settings.varlist.map((spec) => new VarlistEntry(settings.name, spec, settings.dimensions));
    const byName = new Map(this.varlist.map((v) => [v.name, v]));
    for (const v of this.varlist) {
      // Settings validation guarantees every alternate names an entry.
      v.alternates = v.spec.alternates.map((set) => set.map((n) => byName.get(n)!));
    }
  }

  get convention(): string {
    return this.settings.settings.convention;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Entries the POD asked for directly (not only as alternates). */
  get requested(): VarlistEntry[] {
    return this.varlist.filter((v) => v.requirement !== 'alternate');
  }

  /** Marks the POD failed and stops work on its variables. */
  fail(reason: string): void {
    this.failure ??= reason;
    for (const v of this.varlist) if (v.status === Status.ACTIVE) v.status = Status.INACTIVE;
  }
}
