import leven, { closestMatch } from 'leven';

/**
 * The candidate a user most likely meant when they typed `word`, or undefined when none is close.
 * A candidate that `word` abbreviates (`freq` → `frequency`) wins first, because edit distance alone
 * rates such abbreviations as far apart; otherwise the closest by Levenshtein distance, within a
 * tolerance that grows with the word's length.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  if (lower.length >= 3) {
    const abbreviated = candidates
      .filter((c) => c.toLowerCase().startsWith(lower))
      .sort((a, b) => a.length - b.length || a.localeCompare(b));
    if (abbreviated.length > 0) return abbreviated[0];
  }
  const tolerance = lower.length <= 3 ? 1 : Math.max(2, Math.floor(lower.length / 3));
  const byLower = new Map(candidates.map((c) => [c.toLowerCase(), c]));
  const best = closestMatch(lower, [...byLower.keys()], { maxDistance: tolerance });
  if (best === undefined || leven(lower, best) > tolerance) return undefined;
  return byLower.get(best);
}

/** `; did you mean `x`?` to append to a message, or the empty string when there is no suggestion. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
}
