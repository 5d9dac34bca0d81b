/**
 * An index of the rows' periods, so that a date-range search is a binary search plus a bounded walk instead of a
 * test of every row's period keys.
 *
 * Catalogs repeat few distinct periods over many rows (every variable and member of a chunk shares it), so the
 * index keeps the distinct periods sorted by first key, with the running maximum of their last keys, and the rows
 * of each period (its postings). A period overlaps the query [qFirst, qLast] when first <= qLast and last >= qFirst:
 * the candidates are the sorted prefix of periods starting at or before qLast, and the walk begins where the
 * running maximum first reaches qFirst (no period before it ends late enough). The walk is over distinct periods,
 * not rows; the rows come from the matching periods' postings. Rows without a period always match (fixed fields).
 * Written by hand: this interval lookup is a few lines over typed arrays, which no library offers.
 */

/** The arrays of a period index (persisted as they are in a catalog's snapshot). */
export interface PeriodIndexParts {
  /** Distinct periods' first keys, ascending (ties by last key). */
  starts: Float64Array;
  /** Distinct periods' last keys. */
  ends: Float64Array;
  /** Running maximum of `ends`. */
  maxLast: Float64Array;
  /** The rows of period p are `rows[offsets[p] .. offsets[p+1])`, ascending; one entry more than the periods. */
  offsets: Uint32Array;
  /** Rows grouped by period, then the rows without a period (from `offsets[periods]` on), ascending. */
  rows: Int32Array;
}

/** Rows (ascending) whose period overlaps a query, answered from the sorted distinct periods and their rows. */
export class PeriodIndex {
  constructor(readonly parts: PeriodIndexParts) {}

  /** Builds the index of rows whose period keys are `first[i]`, `last[i]` (NaN for a row without a period). */
  static build(first: Float64Array, last: Float64Array): PeriodIndex {
    const n = first.length;
    // Distinct periods by first key, then last key (numbers as Map keys: no strings made per row).
    const ids = new Map<number, Map<number, number>>();
    const found: [number, number][] = [];
    const period = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(first[i])) continue;
      let byLast = ids.get(first[i]);
      if (!byLast) ids.set(first[i], (byLast = new Map()));
      let id = byLast.get(last[i]);
      if (id === undefined) {
        id = found.length;
        byLast.set(last[i], id);
        found.push([first[i], last[i]]);
      }
      period[i] = id;
    }
    return PeriodIndex.ofPeriods(period, found);
  }

  /**
   * The same index as `build`, from each row's period as an id into `periods` (-1 for none), as a table's period
   * keys are computed (one per distinct combination of time cells): no per-row lookup of the keys. Ids of equal
   * periods are merged, and periods no row has are left out, so that the index is `build`'s.
   */
  static fromIds(rowPeriod: Int32Array, periods: [number, number][]): PeriodIndex {
    const used = new Uint8Array(periods.length);
    for (let i = 0; i < rowPeriod.length; i++) if (rowPeriod[i] >= 0) used[rowPeriod[i]] = 1;
    // Each used id's distinct period, in order of first use as `build` numbers them (the order is re-sorted anyway).
    const distinct = new Map<number, Map<number, number>>();
    const found: [number, number][] = [];
    const merged = new Int32Array(periods.length).fill(-1);
    periods.forEach(([f, l], id) => {
      if (!used[id]) return;
      let byLast = distinct.get(f);
      if (!byLast) distinct.set(f, (byLast = new Map()));
      let d = byLast.get(l);
      if (d === undefined) {
        d = found.length;
        byLast.set(l, d);
        found.push([f, l]);
      }
      merged[id] = d;
    });
    const period = new Int32Array(rowPeriod.length);
    for (let i = 0; i < rowPeriod.length; i++) period[i] = rowPeriod[i] < 0 ? -1 : merged[rowPeriod[i]];
    return PeriodIndex.ofPeriods(period, found);
  }

  /** The index of rows whose period is `found[period[i]]` (-1: none); `found` holds distinct periods. */
  private static ofPeriods(period: Int32Array, found: [number, number][]): PeriodIndex {
    const n = period.length;
    const u = found.length;
    const sorted = Array.from({ length: u }, (_, k) => k).sort(
      (a, b) => found[a][0] - found[b][0] || found[a][1] - found[b][1],
    );
    const rank = new Int32Array(u);
    const starts = new Float64Array(u);
    const ends = new Float64Array(u);
    const maxLast = new Float64Array(u);
    let max = -Infinity;
    sorted.forEach((id, p) => {
      rank[id] = p;
      starts[p] = found[id][0];
      ends[p] = found[id][1];
      max = Math.max(max, ends[p]);
      maxLast[p] = max;
    });
    // A counting sort of the rows by period: stable, so each period's rows stay ascending.
    const offsets = new Uint32Array(u + 1);
    for (let i = 0; i < n; i++) if (period[i] >= 0) offsets[rank[period[i]] + 1]++;
    for (let p = 1; p <= u; p++) offsets[p] += offsets[p - 1];
    const next = offsets.slice(0, u);
    const rows = new Int32Array(n);
    let undated = offsets[u];
    for (let i = 0; i < n; i++) {
      if (period[i] < 0) rows[undated++] = i;
      else rows[next[rank[period[i]]]++] = i;
    }
    return new PeriodIndex({ starts, ends, maxLast, offsets, rows });
  }

  /** How many rows `overlapping(qFirst, qLast)` returns (a walk over the distinct periods, no row touched). */
  count(qFirst: number, qLast: number): number {
    const { ends, offsets, rows } = this.parts;
    const [lo, hi] = this.window(qFirst, qLast);
    let n = rows.length - offsets[ends.length];
    for (let p = lo; p < hi; p++) if (ends[p] >= qFirst) n += offsets[p + 1] - offsets[p];
    return n;
  }

  /**
   * Rows whose period overlaps [qFirst, qLast], and every row without a period: ascending, or, with
   * `sorted: false`, grouped by period (for a caller that filters them further and sorts what is left).
   */
  overlapping(qFirst: number, qLast: number, sorted = true): Int32Array {
    const { ends, offsets, rows } = this.parts;
    const [lo, hi] = this.window(qFirst, qLast);
    const out = new Int32Array(this.count(qFirst, qLast));
    let n = 0;
    let runs = 0;
    for (let p = lo; p < hi; p++) {
      if (ends[p] < qFirst) continue;
      out.set(rows.subarray(offsets[p], offsets[p + 1]), n);
      n += offsets[p + 1] - offsets[p];
      runs++;
    }
    const dated = offsets[ends.length];
    if (dated < rows.length) {
      out.set(rows.subarray(dated), n);
      runs++;
    }
    // One ascending run needs no sort.
    return sorted && runs > 1 ? out.sort() : out;
  }

  /** The distinct periods [lo, hi) that may overlap [qFirst, qLast]: start at or before qLast, and late enough. */
  private window(qFirst: number, qLast: number): [number, number] {
    const { starts, maxLast } = this.parts;
    const hi = upperBound(starts, qLast, 0, starts.length);
    return [lowerBound(maxLast, qFirst, 0, hi), hi];
  }
}

/** First index in [lo, hi) of sorted `a` whose value is >= x (hi when none). */
function lowerBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) of sorted `a` whose value is > x (hi when none). */
function upperBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
