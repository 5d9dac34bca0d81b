import PQueue from 'p-queue';
import { FairpodError } from './errors.js';
import { DataKeyError, type DataKey, type DataKeyInit } from './dataKey.js';
import type { CaseSpec, DataSource, RequestContext, RequestOptions } from './dataSource.js';
import type { Pod } from './pod.js';
import { selectExperiments, SelectionMemo } from './selection.js';
import type { DataSourceServices, PreprocessContext } from './services.js';
import { analysisPeriod, overlapsPeriod } from './timeCoverage.js';
import { nameOccursIn, seriesDirectory } from './caseMatch.js';
import { timeStage, type StageName } from './stageTimes.js';
import { firstViableAlternateSet, Stage, Status, VarlistEntry } from './varlist.js';

/** Thrown when the loop does not converge within its iteration cap. */
export class NonConvergenceError extends FairpodError {}

/**
 * The loop, for any data source. `run` drives the stages backwards: preprocess asks for fetched variables,
 * fetch asks for selected ones, select asks for queried ones, query takes what is initialised. A failed
 * variable is replaced by its first viable alternate set, which starts again at INITED; a failed data key
 * is removed from every variable that found it. One `DataRequest` serves one case's request.
 */
export class DataRequest {
  private readonly keys = new Map<string, DataKey>();
  private readonly fetches = new Map<string, Promise<void>>();
  private readonly memo = new SelectionMemo();
  private pods: Pod[] = [];
  private context!: RequestContext;
  /** Whether the case name occurs in the paths of the files found; decided on the first query results. */
  private caseNamed?: boolean;

  constructor(
    /** What finds and fetches the data. */
    readonly source: DataSource,
    private readonly services: DataSourceServices,
  ) {}

  /** Every data key found so far, by id. */
  get dataKeys(): ReadonlyMap<string, DataKey> {
    return this.keys;
  }

  /** Runs the loop for all PODs of a case until every active variable is done or has failed. */
  async run(pods: Pod[], caseSpec: CaseSpec, options: RequestOptions): Promise<void> {
    this.pods = pods;
    this.context = { caseSpec, options };
    const target = options.dryRun ? Stage.FETCHED : Stage.PREPROCESSED;
    const entries = pods.flatMap((p) => p.varlist);
    // A pass that fails a data key is progress (there are finitely many), so each failed key buys a pass:
    // a variable whose chosen files fail one by one goes on to the next candidate until none is left.
    const base = 2 * entries.length + 5;
    const cap = (): number =>
      options.maxIterations ?? base + [...this.keys.values()].filter((k) => k.failure !== undefined).length;
    for (const v of entries) if (v.requirement !== 'alternate' && v.stage === Stage.NOTSET) v.activate();
    await this.timed('catalog load', async () => this.source.setup?.(this.context));
    try {
      for (let iteration = 1; ; iteration++) {
        const pending = this.active().filter((v) => v.stage < target);
        if (pending.length === 0) break;
        if (iteration > cap()) {
          throw new NonConvergenceError(
            `the data request did not converge after ${iteration - 1} passes; still pending: ${pending.map((v) => `${v.label} (stage ${Stage[v.stage]})`).join(', ')}`,
            {
              hint: 'this is a bug in the data source plugin or an alternates cycle; report it with `fairpod plan --json` output',
            },
          );
        }
        if (options.dryRun) await this.fetchStage();
        else await this.preprocessStage();
      }
    } finally {
      await this.source.tearDown?.();
    }
    for (const pod of pods) this.settlePod(pod);
  }

  /** Runs `work` charged to `stage` when the request is timed (`--timings`). */
  private timed<T>(stage: StageName, work: () => Promise<T>): Promise<T> {
    return timeStage(this.context.options.timings, stage, work);
  }

  private active(): VarlistEntry[] {
    return this.pods.filter((p) => !p.failed).flatMap((p) => p.varlist.filter((v) => v.isActive));
  }

  private preprocessStage(): Promise<void> {
    return this.timed('preprocess', () => this.preprocessWork());
  }

  private async preprocessWork(): Promise<void> {
    if (this.active().some((v) => v.stage < Stage.FETCHED)) await this.fetchStage();
    const { caseSpec, options } = this.context;
    const preprocessContext: PreprocessContext = {
      caseName: caseSpec.name,
      firstYear: caseSpec.firstYear,
      lastYear: caseSpec.lastYear,
      workDir: options.workDir,
    };
    for (const v of this.active().filter((e) => e.stage === Stage.FETCHED)) {
      try {
        const output = await this.services.preprocessor.process(v, v.selection!.keys, preprocessContext);
        v.outputPath = output.path;
        v.outputVariable = output.variableName;
        v.stage = Stage.PREPROCESSED;
        v.status = Status.SUCCEEDED;
      } catch (err) {
        this.handleFailure(v, 'preprocess', err);
      }
    }
  }

  private fetchStage(): Promise<void> {
    return this.timed('fetch', () => this.fetchWork());
  }

  private async fetchWork(): Promise<void> {
    if (this.active().some((v) => v.stage < Stage.QUERIED || !v.selection)) await this.selectStage();
    const batch = this.active().filter((v) => v.stage === Stage.QUERIED && v.selection);
    const queue = new PQueue({ concurrency: this.context.options.concurrency ?? 4 });
    const wanted = new Map<string, DataKey>();
    for (const v of batch) for (const k of v.selection!.keys) wanted.set(k.id, k);
    await Promise.all([...wanted.values()].map((k) => this.fetchOnce(k, queue)));
    for (const v of batch) {
      if (!v.isActive || !v.selection) continue;
      const broken = v.selection.keys.find((k) => k.failure);
      if (!broken) v.stage = Stage.FETCHED;
    }
  }

  /** Fetches a key once however many variables or passes want it; a failure fails the key everywhere. */
  private fetchOnce(key: DataKey, queue: PQueue): Promise<void> {
    let pending = this.fetches.get(key.id);
    if (!pending) {
      pending = queue.add(async () => {
        try {
          const result = await this.source.fetch(key, this.context);
          key.localPath = result.localPath;
          key.bytesFetched = result.bytes;
          key.cached = result.cached;
        } catch (err) {
          this.failDataKey(key, errorMessage(err));
        }
      });
      this.fetches.set(key.id, pending);
    }
    return pending;
  }

  private selectStage(): Promise<void> {
    return this.timed('select', () => this.selectWork());
  }

  private async selectWork(): Promise<void> {
    if (this.active().some((v) => v.stage < Stage.QUERIED)) await this.queryStage();
    const batch = this.active().filter((v) => v.stage === Stage.QUERIED && !v.selection);
    if (batch.length === 0) return;
    const { caseSpec, options } = this.context;
    const failures = selectExperiments(
      batch,
      {
        columns: this.source.experimentColumns,
        tieBreakers: options.strict ? [] : [...(this.source.tieBreakers ?? [])],
        strict: options.strict ?? false,
        period: analysisPeriod(caseSpec.firstYear, caseSpec.lastYear),
        seriesOf: (key) => this.source.seriesOf?.(key) ?? seriesDirectory(key.id),
      },
      this.memo,
    );
    for (const { entry, reason } of failures) this.failEntry(entry, `select: ${reason}`);
  }

  private queryStage(): Promise<void> {
    return this.timed('query', () => this.queryWork());
  }

  private async queryWork(): Promise<void> {
    const { caseSpec } = this.context;
    const found = new Map<VarlistEntry, { keys: DataKey[]; description: string }>();
    for (const v of this.active().filter((e) => e.stage === Stage.INITED)) {
      try {
        const pod = this.pods.find((p) => p.name === v.pod)!;
        v.translation = this.services.translator.translate(
          {
            name: v.name,
            standard_name: v.spec.standard_name,
            units: v.spec.units,
            modifier: v.spec.modifier,
            dimensions: v.spec.dimensions,
            scalar_coordinates: v.spec.scalar_coordinates,
            use_exact_name: v.spec.use_exact_name,
            realm: v.spec.realm,
          },
          caseSpec.convention ?? pod.convention,
          pod.settings.dimensions,
        );
        const result = await this.source.query(v, this.context);
        v.queryDescription = result.description;
        const keys = result.keys.map((k) => this.intern(k)).filter((k) => !k.failure);
        found.set(v, { keys, description: result.description });
      } catch (err) {
        this.handleFailure(v, 'query', err);
      }
    }
    // MDTF keeps the files whose path names the case; fairpod does so once any file found names it.
    const named = (k: DataKey): boolean => nameOccursIn(caseSpec.name, k.id);
    if (this.caseNamed === undefined && [...found.values()].some((r) => r.keys.length > 0))
      this.caseNamed = [...found.values()].some((r) => r.keys.some(named));
    for (const [v, result] of found) this.takeCandidates(v, result.keys, result.description);
  }

  /** Keeps a variable's files of the case inside the period as its candidates, or fails it saying why. */
  private takeCandidates(v: VarlistEntry, keys: DataKey[], description: string): void {
    const { caseSpec } = this.context;
    const period = analysisPeriod(caseSpec.firstYear, caseSpec.lastYear);
    let ofCase = keys;
    if (this.caseNamed) {
      ofCase = keys.filter((k) => nameOccursIn(caseSpec.name, k.id));
      if (ofCase.length < keys.length)
        v.decisions.push(
          `dropped ${keys.length - ofCase.length} file(s) whose path does not name case ${caseSpec.name}`,
        );
    } else if (keys.length > 0) {
      v.decisions.push(
        `no file found names case ${caseSpec.name} in its path: the case's files are told apart by facets, period and directory only`,
      );
    }
    v.candidates = ofCase.filter((k) => overlapsPeriod(k, period, v.frequency));
    const outside = ofCase.length - v.candidates.length;
    if (outside > 0)
      v.decisions.push(`dropped ${outside} file(s) outside ${caseSpec.firstYear}-${caseSpec.lastYear}`);
    if (v.candidates.length === 0) {
      const why =
        keys.length === 0
          ? 'no data found'
          : ofCase.length === 0
            ? `none of ${keys.length} file(s) has case name ${caseSpec.name} in its path`
            : `none of ${ofCase.length} file(s) overlaps ${caseSpec.firstYear}-${caseSpec.lastYear}`;
      this.failEntry(v, `query: ${why} (${description})`);
      return;
    }
    v.stage = Stage.QUERIED;
  }

  private intern(init: DataKeyInit): DataKey {
    const existing = this.keys.get(init.id);
    if (existing) return existing;
    const key: DataKey = { ...init };
    this.keys.set(key.id, key);
    return key;
  }

  private handleFailure(v: VarlistEntry, stage: string, err: unknown): void {
    if (err instanceof DataKeyError && this.keys.has(err.keyId)) {
      this.failDataKey(this.keys.get(err.keyId)!, err.message);
      if (v.isActive && v.stage === Stage.FETCHED) this.failEntry(v, `${stage}: ${err.message}`);
      return;
    }
    this.failEntry(v, `${stage}: ${errorMessage(err)}`);
  }

  /**
   * Removes a failed key from every variable that found it. Variables whose chosen files included it go
   * back to selection with what is left; a variable left with no candidates fails.
   */
  private failDataKey(key: DataKey, reason: string): void {
    key.failure ??= reason;
    for (const v of this.pods.flatMap((p) => p.varlist)) {
      if (!v.candidates.includes(key)) continue;
      v.candidates = v.candidates.filter((k) => k !== key);
      v.decisions.push(`dropped ${key.id}: ${reason}`);
      if (!v.isActive) continue;
      if (v.candidates.length === 0) this.failEntry(v, `fetch: ${reason}`);
      else if (v.selection?.keys.includes(key)) {
        v.selection = undefined;
        v.stage = Stage.QUERIED;
      }
    }
  }

  /** Fails a variable and lets everything that needed it fall back to an alternate set. */
  private failEntry(v: VarlistEntry, reason: string): void {
    v.status = Status.FAILED;
    v.failures.push(reason);
    v.selection = undefined;
    const entries = this.pods.flatMap((p) => p.varlist);
    const needers = entries.filter((p) => p.activeAlternate?.includes(v));
    if (v.requirement !== 'alternate') needers.unshift(v);
    for (const p of needers) this.activateAlternate(p);
  }

  private activateAlternate(v: VarlistEntry): void {
    const previous = v.activeAlternate ?? [];
    const set = firstViableAlternateSet(v);
    v.activeAlternate = set;
    if (set) {
      v.triedAlternates.push(set);
      for (const m of set) if (m.status === Status.INACTIVE) m.activate();
      this.services.logger.info(`${v.label}: using alternate ${set.map((m) => m.name).join(' + ')}`);
    } else if (v.requirement === 'required') {
      this.pods.find((p) => p.name === v.pod)?.fail(unsatisfiedReport(v));
    }
    const entries = this.pods.flatMap((p) => p.varlist);
    for (const m of previous) {
      const stillNeeded =
        m.requirement !== 'alternate' || entries.some((p) => p.activeAlternate?.includes(m));
      if (!stillNeeded && m.status === Status.ACTIVE) m.status = Status.INACTIVE;
    }
  }

  /** After the loop: a POD whose required variable is not satisfied fails with the full story. */
  private settlePod(pod: Pod): void {
    if (pod.failed || this.context.options.dryRun) return;
    const missing = pod.requested.filter((v) => v.requirement === 'required' && !v.satisfied);
    if (missing.length > 0) pod.fail(missing.map(unsatisfiedReport).join('\n'));
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof FairpodError) return err.format();
  return err instanceof Error ? err.message : String(err);
}

/** Every candidate tried for a variable and why each failed. */
export function unsatisfiedReport(v: VarlistEntry): string {
  const lines = [`required variable ${v.name} (${v.spec.standard_name}) could not be provided:`];
  lines.push(`  - ${v.name}: ${v.failures.join('; ') || 'not attempted'}`);
  const seen = new Set<VarlistEntry>([v]);
  for (const set of v.triedAlternates) {
    for (const m of set) {
      if (seen.has(m)) continue;
      seen.add(m);
      lines.push(`  - alternate ${m.name}: ${m.failures.join('; ') || `status ${m.status}`}`);
    }
  }
  if (v.alternates.length === 0) lines.push('  (it has no alternates)');
  return lines.join('\n');
}
