/** One download that failed for good. */
export interface DownloadFailure {
  url: string;
  reason: string;
}

/** What a downloader did, for the end-of-run report. */
export interface DownloadSummary {
  /** Files downloaded (not counting cache hits). */
  files: number;
  /** Bytes received over the network, including those of failed attempts. */
  bytes: number;
  /** Requests answered from the store without a transfer. */
  cacheHits: number;
  /** Attempts repeated after a timeout, reset, 5xx or truncated body. */
  retries: number;
  failures: DownloadFailure[];
  /** Wall time from the first request to the summary, in ms. */
  elapsedMs: number;
}

/** The summary in a few lines for a terminal. */
export function formatSummary(s: DownloadSummary): string {
  const mib = s.bytes / 2 ** 20;
  const rate = s.elapsedMs > 0 ? mib / (s.elapsedMs / 1000) : 0;
  const lines = [
    `downloads: ${s.files} file(s), ${mib.toFixed(1)} MiB in ${(s.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(1)} MiB/s), ` +
      `${s.cacheHits} cache hit(s), ${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}, ${s.failures.length} failure(s)`,
  ];
  for (const f of s.failures) lines.push(`  failed: ${f.url}: ${f.reason}`);
  return lines.join('\n');
}
