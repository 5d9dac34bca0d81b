import { FairpodError } from '../core/errors.js';

/** A download that failed for good (after retries and mirrors); `reason` says why in one line. */
export class DownloadError extends FairpodError {
  /** The URL (credentials removed) that was asked for first. */
  readonly url: string;
  constructor(url: string, reason: string, options: { hint?: string; cause?: unknown } = {}) {
    super(`download of ${url} failed: ${reason}`, {
      location: { file: url },
      hint: options.hint ?? 'check the URL and the server; run again to resume (partial downloads are kept)',
      cause: options.cause,
    });
    this.url = url;
  }
}

/** One attempt failed in a way worth retrying (timeout, reset, 5xx, truncated body). */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}
