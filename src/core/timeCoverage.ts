/**
 * Time ranges of catalog rows and the coverage check of the chosen chunks against the analysis period.
 *
 * Catalogs rarely state their calendar, so month ends are read leniently: a chunk ending on day 28..31 of a
 * month (the last day in some CF calendar: 360_day ends every month on the 30th, noleap February on the 28th)
 * is taken to end with that month. Written by hand: no library compares these partial date stamps.
 */

/**
 * A date as written in a file name or catalog: the parts present say its precision. The catalog engine's
 * `CatalogDate` (parsed by `tryParseCatalogDate` / `parseTimeRange` in `src/catalog/dates.ts`) is one.
 */
export interface DateStamp {
  year: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
}

/** Milliseconds since 1970 (proleptic Gregorian, UTC); setUTCFullYear keeps years 0..99 as written. */
function utc(year: number, month = 1, day = 1, hour = 0, minute = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, 0, 0);
  return d.getTime();
}

function daysInGregorianMonth(year: number, month: number): number {
  return new Date(utc(year, month + 1, 1) - 1).getUTCDate();
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Nominal time step of a frequency, used for stamps precise to the hour (their last step ends one step later). */
export function frequencyStepMs(frequency: string | undefined): number {
  const m = /^(\d*)\s*(hr|h|hour|min|mi|day|d|mon|yr|year)/i.exec(frequency ?? '');
  if (!m) return HOUR;
  const n = m[1] ? Number(m[1]) : 1;
  switch (m[2]!.toLowerCase()) {
    case 'min':
    case 'mi':
      return n * 60_000;
    case 'day':
    case 'd':
      return n * DAY;
    case 'mon':
      return n * 30 * DAY;
    case 'yr':
    case 'year':
      return n * 365 * DAY;
    default:
      return n * HOUR;
  }
}

/** First instant a stamp covers. */
export function startInstant(s: DateStamp): number {
  return utc(s.year, s.month ?? 1, s.day ?? 1, s.hour ?? 0, s.minute ?? 0);
}

/** First instant after what an end stamp covers (exclusive end), reading month ends leniently (see module doc). */
export function endInstant(s: DateStamp, frequency?: string): number {
  if (s.month === undefined) return utc(s.year + 1);
  if (s.day === undefined) return utc(s.year, s.month + 1);
  if (s.hour === undefined) {
    const monthEnd =
      s.day >= 28 && (s.day >= 30 || s.month === 2 || s.day === daysInGregorianMonth(s.year, s.month));
    return monthEnd ? utc(s.year, s.month + 1) : utc(s.year, s.month, s.day + 1);
  }
  return startInstant(s) + frequencyStepMs(frequency);
}

/** `yyyy-mm-dd` (with `hh:mm` when not midnight) of an instant. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  const date = iso.slice(0, 10).replace(/^\+?0*(\d{4})/, '$1');
  return iso.slice(11, 16) === '00:00' ? date : `${date} ${iso.slice(11, 16)}`;
}

/** Anything with an optional time extent (a data key). */
export interface TimeExtent {
  id: string;
  start?: DateStamp;
  end?: DateStamp;
}

/** The analysis period FIRSTYR..LASTYR as [start, end) instants. */
export function analysisPeriod(firstYear: number, lastYear: number): { start: number; end: number } {
  return { start: utc(firstYear), end: utc(lastYear + 1) };
}

/** True when the extent overlaps [start, end); extents without dates overlap everything. */
export function overlapsPeriod(
  e: TimeExtent,
  period: { start: number; end: number },
  frequency?: string,
): boolean {
  if (!e.start || !e.end) return true;
  return startInstant(e.start) < period.end && endInstant(e.end, frequency) > period.start;
}

/** Result of checking that chosen chunks tile the analysis period. */
export type CoverageResult<T extends TimeExtent> = { ok: true; chunks: T[] } | { ok: false; reason: string };

/**
 * Checks that the chunks overlapping the period cover it without gaps or overlaps; returns them in time order,
 * or the reason naming the gap or overlap. Sub-daily stamps get a tolerance of one time step.
 */
export function checkCoverage<T extends TimeExtent>(
  extents: T[],
  period: { start: number; end: number },
  frequency?: string,
): CoverageResult<T> {
  const inside = extents.filter((e) => overlapsPeriod(e, period, frequency));
  if (inside.length === 0) {
    return {
      ok: false,
      reason: `no file covers any of ${formatInstant(period.start)} to ${formatInstant(period.end - 1)}`,
    };
  }
  const undated = inside.filter((e) => !e.start || !e.end);
  if (undated.length > 0) {
    if (inside.length === 1) return { ok: true, chunks: inside };
    return {
      ok: false,
      reason: `${inside.length} files overlap (${undated.map((e) => e.id).join(', ')} ${undated.length === 1 ? 'has' : 'have'} no time range)`,
    };
  }
  const sorted = [...inside].sort((a, b) => startInstant(a.start!) - startInstant(b.start!));
  const tolerance = sorted.some((e) => e.start!.hour !== undefined || e.end!.hour !== undefined)
    ? frequencyStepMs(frequency)
    : 0;
  const firstStart = startInstant(sorted[0]!.start!);
  if (firstStart > period.start + tolerance) {
    return {
      ok: false,
      reason: `gap: nothing covers ${formatInstant(period.start)} to ${formatInstant(firstStart - 1)} (first file ${sorted[0]!.id})`,
    };
  }
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    const prevEnd = endInstant(prev.end!, frequency);
    const nextStart = startInstant(next.start!);
    if (nextStart > prevEnd + tolerance) {
      return {
        ok: false,
        reason: `gap: nothing covers ${formatInstant(prevEnd)} to ${formatInstant(nextStart - 1)} (between ${prev.id} and ${next.id})`,
      };
    }
    if (nextStart < prevEnd - tolerance) {
      return {
        ok: false,
        reason: `overlap: ${prev.id} and ${next.id} both cover ${formatInstant(nextStart)} to ${formatInstant(Math.min(prevEnd, endInstant(next.end!, frequency)) - 1)}`,
      };
    }
  }
  const lastEnd = endInstant(sorted[sorted.length - 1]!.end!, frequency);
  if (lastEnd < period.end - tolerance) {
    return {
      ok: false,
      reason: `gap: nothing covers ${formatInstant(lastEnd)} to ${formatInstant(period.end - 1)} (last file ${sorted[sorted.length - 1]!.id})`,
    };
  }
  return { ok: true, chunks: sorted };
}
