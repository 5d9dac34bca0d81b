/** Retry timing: exponential backoff with full jitter (AWS architecture blog), capped. */
export interface BackoffOptions {
  /** First delay's upper bound in ms. */
  baseMs: number;
  /** Largest delay in ms. */
  capMs: number;
}

/** Delay before retry number `attempt` (1-based): uniform in [0, min(cap, base·2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.round(random() * Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1)));
}
