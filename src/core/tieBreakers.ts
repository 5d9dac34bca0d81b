import type { TieBreaker } from './selection.js';

/** `r1i1p1f1` → [1,1,1,1]; other labels sort after every parsed one. */
function ripf(label: string): number[] {
  const m = /^r(\d+)i(\d+)p(\d+)(?:f(\d+))?/.exec(label);
  return m ? m.slice(1).map((x) => Number(x ?? 0)) : [Infinity];
}

function compareNumberLists(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Prefers the lowest ensemble member (`r1i1p1f1` before `r2i1p1f1` before `r10i1p1f1`). */
export function lowestEnsembleMember(column: string): TieBreaker {
  return {
    column,
    description: 'lowest ensemble member',
    compare: (a, b) => compareNumberLists(ripf(a), ripf(b)) || a.localeCompare(b),
  };
}

/**
 * Prefers the newest version (`v20200101` before `v20190101`, with or without the `v`; digits compared as
 * numbers); `latest`, as data centres name the newest, comes first.
 */
export function newestVersion(column: string): TieBreaker {
  const num = (v: string) => (v === 'latest' ? Infinity : Number(v.replace(/\D/g, '') || -1));
  return { column, description: 'newest version', compare: (a, b) => num(b) - num(a) || b.localeCompare(a) };
}

/** Prefers values in the given order (e.g. native grid `gn` before regridded `gr`). */
export function preferredValues(column: string, order: string[], description: string): TieBreaker {
  const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
  return { column, description, compare: (a, b) => rank(a) - rank(b) };
}
