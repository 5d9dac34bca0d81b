import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import got, { HTTPError, RequestError } from 'got';
import { FairpodError, ValidationError } from '../../core/errors.js';
import { HashMismatchError } from '../../store/errors.js';
import { writeOnceFile } from '../../store/writeOnceFile.js';

/** Where a push puts files so that the remote registry's readers can fetch them. */
export interface RemoteDataStore {
  /** The storage root URL (ending in `/`) the uploaded files are registered under on the remote. */
  readonly root: string;
  /** Whether that root is a local path (`file://`) rather than a URL readers download from. */
  readonly local: boolean;
  /** Puts the local file at `relPath` with its SHA-1 checked; false when the same content was there already. */
  upload(file: string, relPath: string, sha1: string, size: number): Promise<boolean>;
}

/** A writable directory (`file://` URL), e.g. one a remote `fairpod registry serve --data-store` serves. */
class DirectoryDataStore implements RemoteDataStore {
  readonly local = true;
  constructor(readonly root: string) {}

  async upload(file: string, relPath: string, sha1: string): Promise<boolean> {
    const result = await writeOnceFile(fileURLToPath(this.root), relPath, () => createReadStream(file), sha1);
    return result.created;
  }
}

/**
 * Files from this size on are looked for (HEAD) before they are sent; smaller ones are sent at once (the
 * server answers 200 for content it has), as a HEAD would cost about as much as the upload.
 */
const HEAD_FIRST_BYTES = 1 << 20;

/** Attempts of one PUT: a stream body cannot be replayed by got, so 5xx and connection failures are retried here. */
const PUT_ATTEMPTS = 4;

/**
 * An HTTP data store that accepts `PUT <root><path>` with the token and an `X-Content-SHA1` header, as
 * `fairpod registry serve --data-store DIR` does at `/data/`: 201 when created, 200 when the same content
 * is there, 409 when other content is. A large file the store already serves at that size is not sent
 * again (the paths pushed are content-addressed, and every reader checks the SHA-1 the registry holds).
 */
class HttpDataStore implements RemoteDataStore {
  readonly local = false;
  constructor(
    readonly root: string,
    private readonly token?: string,
  ) {}

  async upload(file: string, relPath: string, sha1: string, size: number): Promise<boolean> {
    const url = this.root + relPath.split('/').map(encodeURIComponent).join('/');
    if (size >= HEAD_FIRST_BYTES) {
      const head = await got.head(url, { throwHttpErrors: false, retry: { limit: 2 } });
      if (head.statusCode === 200 && Number(head.headers['content-length']) === size) return false;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await got.put(url, {
          body: createReadStream(file),
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': String(size),
            'x-content-sha1': sha1,
            ...(this.token ? { authorization: `token ${this.token}` } : {}),
          },
          retry: { limit: 0 },
          timeout: { request: 600_000 },
        });
        return response.statusCode === 201;
      } catch (err) {
        const status = err instanceof HTTPError ? err.response.statusCode : undefined;
        const retriable = status === undefined ? err instanceof RequestError : status >= 500;
        if (retriable && attempt < PUT_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
          continue;
        }
        const body = err instanceof HTTPError ? String(err.response.body ?? '') : (err as Error).message;
        if (status === 400 && body.includes('X-Content-SHA1')) {
          // The server hashed other bytes than those registered: the local file changed since.
          throw new HashMismatchError({
            path: file,
            algorithm: 'sha1',
            expected: sha1,
            actual: '(other content)',
          });
        }
        throw uploadError(url, err, status, body);
      }
    }
  }
}

function uploadError(url: string, err: unknown, status: number | undefined, body: string): FairpodError {
  return new FairpodError(`PUT ${url} failed: ${status ?? ''} ${body}`.replace(/ {2,}/g, ' '), {
    cause: err,
    hint:
      status === 401
        ? 'uploads need the remote’s token: give a token file (mode 600) or set FAIRPOD_REGISTRY_TOKEN'
        : status === 409
          ? 'the data store holds other content at that path; files there are never replaced'
          : undefined,
  });
}

/**
 * The absolute path of `dir`, which must be an existing directory (a data store is never created on the
 * fly: a typo would otherwise scatter files); otherwise a `ValidationError` on `option` with `hint`.
 */
export async function existingDataStoreDir(dir: string, option: string, hint: string): Promise<string> {
  const abs = path.resolve(dir);
  if (!(await fs.stat(abs).catch(() => undefined))?.isDirectory()) {
    throw new ValidationError(`data store ${abs} is not a directory`, { location: { key: option }, hint });
  }
  return abs;
}

/** The data store at `url`: a `file://` directory, or an `http(s)://` root taking PUT uploads with `token`. */
export function openDataStore(url: string, options: { token?: string } = {}): RemoteDataStore {
  const root = url.endsWith('/') ? url : `${url}/`;
  if (root.startsWith('file:')) return new DirectoryDataStore(root);
  if (/^https?:/.test(root)) return new HttpDataStore(root, options.token);
  throw new ValidationError(`data store ${url} is neither a file:// directory nor an http(s):// URL`, {
    location: { key: 'data_store' },
    hint: 'give a directory, or the /data/ URL of `fairpod registry serve --data-store DIR`',
  });
}
