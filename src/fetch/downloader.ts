import fs from 'node:fs/promises';
import got, { type Request } from 'got';
import PQueue from 'p-queue';
import { FairpodError, ValidationError } from '../core/errors.js';
import type { Logger } from '../core/services.js';
import type { ContentStore, StoredObject } from '../store/contentStore.js';
import { HashMismatchError } from '../store/errors.js';
import { FollowHash } from '../store/followHash.js';
import { hashFile, type Digests, type HashAlgorithm } from '../store/hashing.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { CredentialStore } from './credentials.js';
import { DownloadState } from './downloadState.js';
import { DownloadError, RetryableError } from './errors.js';
import { defaultProgress, type ProgressSink } from './progress.js';
import type { DownloadFailure, DownloadSummary } from './summary.js';
import { checkUrl, redactUrl, storeNameForUrl } from './urls.js';

/** How a downloader behaves. */
export interface DownloaderOptions {
  /** Where downloads go (write-once, hash-verified). */
  store: ContentStore;
  /** Store namespace of downloaded files; default `downloads`. Files go to `<namespace>/<host>/<url path>`. */
  namespace?: string;
  /** Transfers at once over all hosts; default 8. */
  maxConnections?: number;
  /** Transfers at once to one host; default `maxConnections`. */
  maxPerHost?: number;
  /** Retries of one URL after a timeout, reset, 5xx or truncated body; default 5. */
  retries?: number;
  /** Connect/response timeout and stall timeout (no byte received for this long), ms; default 60 000. */
  timeoutMs?: number;
  /** Retry delays; default 500 ms doubling up to 30 s, with full jitter. */
  backoff?: BackoffOptions;
  credentials?: CredentialStore;
  /** Progress display; default a bar on a terminal, a line every 5 s to the logger otherwise; `false` for none. */
  progress?: ProgressSink | false;
  logger?: Logger;
}

/** One object to download. */
export interface DownloadRequest {
  /** The URL and its mirrors, tried in this order. The first one keys the object. */
  urls: string[];
  /** Published checksums (hex): the file enters the store only if they match. */
  expected?: Digests;
  /** Published size in bytes. */
  size?: number;
}

/** A downloaded (or already stored) object. */
export interface DownloadResult extends StoredObject {
  /** The URL it came from (credentials removed). */
  url: string;
  /** Digests known for the content (always sha1, plus the published ones). */
  digests: Digests;
  /** True when the store already held it and nothing was transferred. */
  cached: boolean;
  /** Bytes received for it in this run. */
  bytes: number;
}

/** The outcome of a dry-run probe. */
export interface ProbeResult {
  url: string;
  size?: number;
  cached: boolean;
}

/** A failure that retrying the same URL cannot fix (4xx, wrong size, wrong checksum): the next mirror is tried. */
class PermanentError extends Error {}

const RETRY_STATUS = new Set([408, 429]);

/**
 * Received bytes gathered into one write of the partial file: few, large writes (each hands work to a libuv
 * thread, measured at 0.3 ms of this thread on the busy machine), and at most two batches per transfer held.
 */
const WRITE_BATCH_BYTES = 2 * 1024 * 1024;

/**
 * Downloads into the content store (got for HTTP, p-queue for the global and per-host limits). Each object
 * is downloaded once at a time across PODs (an in-process map) and processes (a lock file in the store);
 * bytes are hashed and written into the store as they arrive and also appended to a partial file, so a
 * dropped connection or a killed run resumes with an HTTP Range request. A file that does not match its
 * published checksum or size never enters the store.
 */
export class Downloader {
  private readonly store: ContentStore;
  private readonly namespace: string;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly credentials: CredentialStore;
  private readonly state: DownloadState;
  private readonly global: PQueue;
  private readonly maxPerHost: number;
  private readonly hosts = new Map<string, PQueue>();
  private readonly inFlight = new Map<string, Promise<DownloadResult>>();
  private readonly progressOption?: ProgressSink | false;
  private progressSink?: ProgressSink;
  private readonly logger?: Logger;
  private readonly counts = { files: 0, bytes: 0, cacheHits: 0, retries: 0 };
  private readonly failures: DownloadFailure[] = [];
  private startedAt?: number;

  constructor(options: DownloaderOptions) {
    this.store = options.store;
    this.namespace = options.namespace ?? 'downloads';
    const max = positive(options.maxConnections ?? 8, '--max-connections');
    this.maxPerHost = positive(options.maxPerHost ?? max, 'maxPerHost');
    this.retries = Math.max(0, Math.floor(options.retries ?? 5));
    this.timeoutMs = positive(options.timeoutMs ?? 60_000, '--timeout');
    this.backoff = options.backoff ?? { baseMs: 500, capMs: 30_000 };
    this.credentials = options.credentials ?? new CredentialStore();
    this.state = new DownloadState(this.store.root);
    this.global = new PQueue({ concurrency: max });
    this.progressOption = options.progress;
    this.logger = options.logger;
  }

  /**
   * Downloads one object (or finds it in the store). Throws `DownloadError` with the reason of every mirror
   * when all fail, `ValidationError` when a URL would escape the store.
   */
  download(request: DownloadRequest): Promise<DownloadResult> {
    this.startedAt ??= Date.now();
    let urls: URL[];
    try {
      if (request.urls.length === 0)
        throw new ValidationError('a download needs at least one URL', {
          hint: 'give the URL in the catalog path column',
        });
      urls = request.urls.map((u) => checkUrl(u));
    } catch (err) {
      this.failures.push({ url: redactUrl(request.urls[0] ?? ''), reason: (err as Error).message });
      return Promise.reject(err);
    }
    const key = this.state.keyOf(urls[0]!.href);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.downloadLocked(key, urls, request).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Checks (HEAD) that one of the URLs answers, without downloading; for dry runs. */
  async probe(request: DownloadRequest): Promise<ProbeResult> {
    const urls = request.urls.map((u) => checkUrl(u));
    const cached = await this.fromStore(this.state.keyOf(urls[0]!.href), urls[0]!, request);
    if (cached) return { url: cached.url, size: cached.size, cached: true };
    const reasons: string[] = [];
    for (const url of urls) {
      try {
        const response = await this.slot(url, () =>
          got.head(url, {
            headers: this.headers(url),
            timeout: this.timeouts(),
            retry: { limit: this.retries },
            throwHttpErrors: false,
            hooks: this.hooks(),
          }),
        );
        if (response.statusCode < 300) {
          const size = Number(response.headers['content-length']);
          return {
            url: redactUrl(url.href),
            size: Number.isFinite(size) ? size : request.size,
            cached: false,
          };
        }
        reasons.push(
          `${redactUrl(url.href)}: HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim(),
        );
      } catch (err) {
        reasons.push(`${redactUrl(url.href)}: ${describe(err)}`);
      }
    }
    throw new DownloadError(redactUrl(urls[0]!.href), reasons.join('; '));
  }

  /** The text of a page (a directory index), with the same credentials, limits and retries. */
  async getText(raw: string): Promise<string> {
    const url = checkUrl(raw);
    try {
      return await this.slot(url, () =>
        got(url, {
          headers: this.headers(url),
          timeout: this.timeouts(),
          retry: { limit: this.retries },
          hooks: this.hooks(),
        }).text(),
      );
    } catch (err) {
      throw new DownloadError(redactUrl(url.href), describe(err));
    }
  }

  /** What was done so far. */
  summary(): DownloadSummary {
    return {
      ...this.counts,
      failures: [...this.failures],
      elapsedMs: this.startedAt ? Date.now() - this.startedAt : 0,
    };
  }

  /** Stops the progress display and returns the summary. */
  finish(): DownloadSummary {
    this.progressSink?.stop();
    return this.summary();
  }

  private get progress(): ProgressSink | undefined {
    if (this.progressOption === false) return undefined;
    this.progressSink ??= this.progressOption ?? defaultProgress((line) => this.logger?.info(line));
    return this.progressSink;
  }

  private async downloadLocked(key: string, urls: URL[], request: DownloadRequest): Promise<DownloadResult> {
    const release = await this.state.lock(key);
    try {
      const cached = await this.fromStore(key, urls[0]!, request);
      if (cached) {
        this.counts.cacheHits++;
        return cached;
      }
      const reasons: string[] = [];
      for (const url of urls) {
        try {
          const result = await this.withRetries(key, url, request);
          this.counts.files++;
          await this.state.writeRecord(key, {
            url: urls[0]!.href,
            relativePath: result.relativePath,
            size: result.size,
            digests: result.digests,
          });
          return result;
        } catch (err) {
          reasons.push(urls.length > 1 ? `${redactUrl(url.href)}: ${describe(err)}` : describe(err));
        }
      }
      const primary = redactUrl(urls[0]!.href);
      this.failures.push({ url: primary, reason: reasons.join('; ') });
      throw new DownloadError(primary, reasons.join('; '));
    } finally {
      await release();
    }
  }

  /** The stored object of an earlier download, if it is intact and matches the published checksums and size. */
  private async fromStore(
    key: string,
    url: URL,
    request: DownloadRequest,
  ): Promise<DownloadResult | undefined> {
    const record = await this.state.readRecord(key);
    if (!record) return undefined;
    let stored: StoredObject;
    try {
      stored = await this.store.get(record.relativePath);
    } catch {
      await this.state.forgetRecord(key);
      return undefined;
    }
    const digests = { ...record.digests };
    for (const [algorithm, want] of Object.entries(request.expected ?? {})) {
      if (!want) continue;
      // A checksum type the earlier download did not compute: hash the stored file once for it.
      digests[algorithm as HashAlgorithm] ??= (
        await hashFile(stored.path, [algorithm as HashAlgorithm])
      ).digests[algorithm as HashAlgorithm];
      if (digests[algorithm as HashAlgorithm] !== want.toLowerCase()) return undefined;
    }
    if (request.size !== undefined && stored.size !== request.size) return undefined;
    return { ...stored, url: redactUrl(url.href), digests, cached: true, bytes: 0 };
  }

  private async withRetries(key: string, url: URL, request: DownloadRequest): Promise<DownloadResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.slot(url, () => this.attempt(key, url, request));
      } catch (err) {
        if (!(err instanceof RetryableError) || attempt > this.retries) throw err;
        this.counts.retries++;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, this.backoff)));
      }
    }
  }

  /** Runs `task` in a global and a per-host connection slot. */
  private slot<T>(url: URL, task: () => Promise<T>): Promise<T> {
    let host = this.hosts.get(url.host);
    if (!host) this.hosts.set(url.host, (host = new PQueue({ concurrency: this.maxPerHost })));
    return host.add(() => this.global.add(task) as Promise<T>) as Promise<T>;
  }

  /** One HTTP transfer, resuming from the partial file when there is one. */
  private async attempt(key: string, url: URL, request: DownloadRequest): Promise<DownloadResult> {
    const meta = await this.state.readPartialMeta(key);
    let have = meta?.url === url.href ? await this.state.partialSize(key) : 0;
    if (have === 0 && meta) await this.state.discardPartial(key);
    const headers: Record<string, string> = { ...this.headers(url), 'accept-encoding': 'identity' };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      const validator = meta?.etag ?? meta?.lastModified;
      if (validator) headers['if-range'] = validator;
    }
    const req = got.stream(url, {
      headers,
      timeout: this.timeouts(),
      retry: { limit: 0 },
      decompress: false,
      throwHttpErrors: false,
      hooks: this.hooks(),
    });
    let response: Request['response'];
    try {
      response = await new Promise<Request['response']>((resolve, reject) => {
        req.once('response', resolve);
        req.once('error', reject);
      });
    } catch (err) {
      req.destroy();
      throw retryable(err);
    }
    const status = response!.statusCode;
    let total: number | undefined;
    if (status === 206 && have > 0) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(response!.headers['content-range'] ?? ''));
      if (!range || Number(range[1]) !== have) {
        req.destroy();
        await this.state.discardPartial(key);
        throw new RetryableError(
          `server answered the range request with bytes ${range?.[1] ?? '?'}-, not ${have}-; starting again from zero`,
        );
      }
      total = range[2] === '*' ? undefined : Number(range[2]);
    } else if (status === 200) {
      have = 0; // the server ignored the range (or the file changed): start over
      const length = Number(response!.headers['content-length']);
      total =
        Number.isFinite(length) && response!.headers['content-length'] !== undefined ? length : undefined;
    } else {
      req.destroy();
      const what = `HTTP ${status}${response!.statusMessage ? ` ${response!.statusMessage}` : ''}`;
      if (status === 416) {
        await this.state.discardPartial(key);
        throw new RetryableError(`${what} for the partial download; starting again from zero`);
      }
      if (status >= 500 || RETRY_STATUS.has(status)) throw new RetryableError(what);
      throw new PermanentError(what);
    }
    if (total !== undefined && request.size !== undefined && total !== request.size) {
      req.destroy();
      await this.state.discardPartial(key);
      throw new PermanentError(`the server has ${total} bytes, the catalog says ${request.size}`);
    }
    await this.state.writePartialMeta(key, {
      url: url.href,
      etag: header(response!.headers.etag),
      lastModified: header(response!.headers['last-modified']),
    });

    const name = storeNameForUrl(url);
    const progress = this.progress;
    progress?.started(total !== undefined ? total - have : undefined);
    // The bytes go to disk once, into the partial file; a worker thread hashes them from there as they are
    // written (see FollowHash), and the finished file is moved into the store as it is (no second copy).
    // Hashing on this thread (measured: 96 x 8 MiB, SHA-1 + SHA-256) took 40% of its time, and the socket
    // reads and the writes' bookkeeping the rest; handing it the bytes themselves (transferred or copied
    // buffers) cost more than it saved, reading them back from the page cache does not.
    const file = this.state.partialPath(key);
    let hash: FollowHash | undefined;
    try {
      const out = await fs.open(file, have > 0 ? 'r+' : 'w');
      hash = new FollowHash(file, ['sha1', ...(Object.keys(request.expected ?? {}) as HashAlgorithm[])]);
      hash.written(have);
      const end = await this.receive(req, key, out, have, total ?? request.size, hash);
      const digests = await hash.finish(end);
      hash = undefined;
      const added = await this.store.adopt(file, digests, {
        namespace: this.namespace,
        name: `${name.host}/${name.name}`,
        ext: name.ext,
        expected: request.expected,
      });
      await this.state.discardPartial(key);
      // This transfer's bytes: the shared counter also counts the other connections' meanwhile.
      return { ...added, url: redactUrl(url.href), cached: false, bytes: end - have };
    } catch (err) {
      if (err instanceof HashMismatchError) {
        await this.state.discardPartial(key);
        if (have > 0)
          throw new RetryableError(
            `checksum mismatch after resuming at byte ${have}; starting again from zero`,
          );
        throw new PermanentError(
          `checksum mismatch: ${err.algorithm} is ${err.actual}, expected ${err.expected}`,
        );
      }
      if (err instanceof RetryableError || err instanceof PermanentError) throw err;
      if (err instanceof FairpodError) throw new PermanentError(err.message);
      throw retryable(err);
    } finally {
      hash?.abort();
      progress?.finished();
    }
  }

  /**
   * Appends the network's bytes to the partial file `out` (which holds `have` bytes already) in batches, one
   * write in flight at a time (the next batch fills meanwhile; the socket waits while both are full), telling
   * `hash` what is on disk after each write. Closes `out`; resolves with the file's length once it is
   * complete on disk.
   */
  private async receive(
    req: Request,
    key: string,
    out: fs.FileHandle,
    have: number,
    total: number | undefined,
    hash: FollowHash,
  ): Promise<number> {
    let position = have;
    let batch: Buffer[] = [];
    let batched = 0;
    let writing: Promise<void> = Promise.resolve();
    let writeError: unknown;
    const flush = (): Promise<void> => {
      const buffers = batch;
      const at = position;
      const bytes = batched;
      batch = [];
      batched = 0;
      position += bytes;
      writing = writing.then(async () => {
        if (writeError) return;
        try {
          await writeAll(out, buffers, at, bytes);
          hash.written(at + bytes);
        } catch (err) {
          writeError = err;
        }
      });
      return writing;
    };
    let received = 0;
    let networkError: unknown;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        received += chunk.length;
        this.counts.bytes += chunk.length;
        this.progress?.received(chunk.length);
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH_BYTES) {
          await writing;
          if (writeError) break;
          void flush();
        }
      }
    } catch (err) {
      networkError = err;
    } finally {
      req.destroy();
    }
    // What arrived is kept (a resume starts after it), unless a write failed.
    if (!writeError && batched > 0) void flush();
    await writing;
    await out.close().catch((err: unknown) => (writeError ??= err));
    if (writeError) {
      // A partial file that could not be written in full must not be resumed from.
      await this.state.discardPartial(key);
      throw new PermanentError(`cannot write ${this.state.partialPath(key)}: ${describe(writeError)}`);
    }
    if (networkError) throw retryable(networkError);
    if (total !== undefined && have + received !== total) {
      throw new RetryableError(`the connection ended after ${have + received} of ${total} bytes`);
    }
    return have + received;
  }

  private headers(url: URL): Record<string, string> {
    return this.credentials.headersFor(url);
  }

  private timeouts(): Record<string, number> {
    const t = this.timeoutMs;
    // `socket` is an idle timeout: it fires when no byte moves for `t`, i.e. a stalled transfer.
    return { lookup: t, connect: t, secureConnect: t, send: t, response: t, socket: t };
  }

  /** Credentials follow a redirect only to the same host; another host gets its own (or none). */
  private hooks(): {
    beforeRedirect: ((options: {
      url?: string | URL;
      headers: Record<string, string | string[] | undefined>;
    }) => void)[];
  } {
    return {
      beforeRedirect: [
        (options) => {
          delete options.headers.authorization;
          if (options.url) Object.assign(options.headers, this.headers(new URL(String(options.url))));
        },
      ],
    };
  }
}

/** Writes all `bytes` of `buffers` at `position`, continuing after short writes. */
async function writeAll(
  out: fs.FileHandle,
  buffers: Buffer[],
  position: number,
  bytes: number,
): Promise<void> {
  let done = (await out.writev(buffers, position)).bytesWritten;
  if (done === bytes) return;
  const rest = Buffer.concat(buffers);
  while (done < bytes) done += (await out.write(rest, done, bytes - done, position + done)).bytesWritten;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function positive(n: number, flag: string): number {
  if (!Number.isFinite(n) || n <= 0)
    throw new ValidationError(`${flag} must be a positive number, not ${n}`, {
      location: { key: flag },
      hint: `e.g. ${flag} 8`,
    });
  return n;
}

/** Network errors (timeouts, resets, refused connections, truncated bodies) are worth another attempt. */
function retryable(err: unknown): Error {
  if (err instanceof RetryableError || err instanceof PermanentError) return err;
  return new RetryableError(describe(err), { cause: err });
}

/** One line for a failure: got's code and message, without credentials. */
function describe(err: unknown): string {
  const e = err as Error & { code?: string };
  const text = e.message ?? String(err);
  const withCode = e.code && !text.includes(e.code) ? `${e.code}: ${text}` : text;
  return redactUrl(withCode).replace(/(https?:\/\/)[^/@\s]*@/g, '$1');
}
