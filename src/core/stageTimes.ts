/**
 * Wall time spent in each stage of a `fairpod run` or `plan` (`--timings`): the catalog load, query, select,
 * fetch, preprocess, the POD drivers, registry recording and the POD output pages, so that what a run adds over
 * its plan can be told apart from the work it does (bench/runScale.ts).
 *
 * Stages nest (the loop drives them backwards: fetch asks select, which asks query), and each stage is charged
 * only its own time: a nested stage's time is taken off the stage around it. The timed sections of one run are
 * sequential (each is awaited before the next starts), which the stack of open stages relies on.
 */

/** The stages, in the order they are printed. */
export const STAGES = [
  'catalog load',
  'query',
  'select',
  'fetch',
  'preprocess',
  'POD drivers',
  'registry recording',
  'POD output',
] as const;

/** One stage. */
export type StageName = (typeof STAGES)[number];

/** Accumulated wall time (ms) per stage. */
export class StageTimes {
  private readonly totals = new Map<StageName, number>();
  private readonly open: { started: number; nested: number }[] = [];

  /** Runs `work`, charging its wall time, less that of the stages timed inside it, to `stage`. */
  async time<T>(stage: StageName, work: () => Promise<T>): Promise<T> {
    const frame = { started: performance.now(), nested: 0 };
    this.open.push(frame);
    try {
      return await work();
    } finally {
      this.open.pop();
      const elapsed = performance.now() - frame.started;
      this.totals.set(stage, (this.totals.get(stage) ?? 0) + elapsed - frame.nested);
      const outer = this.open[this.open.length - 1];
      if (outer) outer.nested += elapsed;
    }
  }

  /** Milliseconds charged to `stage` so far. */
  ms(stage: StageName): number {
    return this.totals.get(stage) ?? 0;
  }

  /**
   * The table `--timings` prints: start-up (process start to `startedAt`, ms of `performance.now()`: Node, module
   * loading, option and settings checks), each stage, the rest (the report, the project's opening and closing,
   * what no stage covers) and the total, from the process's start to now.
   */
  format(startedAt: number): string {
    const total = performance.now();
    const rows: [string, number][] = [['start-up', startedAt]];
    for (const stage of STAGES) rows.push([stage, this.ms(stage)]);
    rows.push(['other', total - rows.reduce((n, [, ms]) => n + ms, 0)]);
    rows.push(['total', total]);
    return `stage times (wall):\n${rows.map(([name, ms]) => `  ${name.padEnd(20)} ${(ms / 1000).toFixed(3)} s`).join('\n')}\n`;
  }
}

/** Runs `work` charged to `stage` of `timings`, or only runs it when nothing is timed. */
export function timeStage<T>(
  timings: StageTimes | undefined,
  stage: StageName,
  work: () => Promise<T>,
): Promise<T> {
  return timings ? timings.time(stage, work) : work();
}

/** Parses what `StageTimes.format` printed (among other lines) into seconds by stage. */
export function parseStageTimes(text: string): Record<string, number> {
  const start = text.indexOf('stage times (wall):\n');
  if (start === -1) return {};
  const out: Record<string, number> = {};
  for (const line of text.slice(start).split('\n').slice(1)) {
    const m = /^ {2}(\S.*?)\s+(-?\d+\.\d+) s$/.exec(line);
    if (!m) break;
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
