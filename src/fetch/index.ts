/** The downloader shared by every plugin that fetches remotely. */
export { Downloader } from './downloader.js';
export type { DownloaderOptions, DownloadRequest, DownloadResult, ProbeResult } from './downloader.js';
export { DownloadError, RetryableError } from './errors.js';
export { CredentialStore, parseNetrc } from './credentials.js';
export type { HostCredentials, NetrcEntry } from './credentials.js';
export { DownloadState } from './downloadState.js';
export type { DownloadRecord, PartialMeta } from './downloadState.js';
export { BarProgress, LineProgress, defaultProgress } from './progress.js';
export type { ProgressSink } from './progress.js';
export { formatSummary } from './summary.js';
export type { DownloadFailure, DownloadSummary } from './summary.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { checkUrl, redactUrl, storeNameForUrl } from './urls.js';
export type { StoreName } from './urls.js';
