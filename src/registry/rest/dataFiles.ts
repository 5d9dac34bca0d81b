import fastifyStatic from '@fastify/static';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ValidationError } from '../../core/errors.js';
import { HashMismatchError } from '../../store/errors.js';
import { WriteOnceConflictError, writeOnceFile } from '../../store/writeOnceFile.js';
import { HttpError } from './httpError.js';

/** The URL path under which a served registry's data store is read (GET, HEAD with Range) and written (PUT). */
export const DATA_PREFIX = '/data/';

const SHA1 = /^[0-9a-f]{40}$/;

/** How long an upload URL from `POST /api/data/<sha1>` stays valid. */
const UPLOAD_TICKET_MS = 60 * 60 * 1000;

/**
 * Signed upload URLs, as the FAIR registry hands out presigned object-store URLs: the ticket is
 * `<expiry ms>.<HMAC-SHA256 of path and expiry>` under a key made when the server starts (hand-written:
 * the FAIR registry uses S3 presigning, which no npm library offers for a plain directory).
 */
class UploadTickets {
  private readonly key = randomBytes(32);

  create(relPath: string, now = Date.now()): string {
    const expiry = now + UPLOAD_TICKET_MS;
    return `${expiry}.${this.sign(relPath, expiry)}`;
  }

  valid(relPath: string, ticket: string, now = Date.now()): boolean {
    const m = /^(\d+)\.([0-9a-f]{64})$/.exec(ticket);
    if (!m || Number(m[1]) < now) return false;
    const expected = Buffer.from(this.sign(relPath, Number(m[1])), 'hex');
    return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
  }

  private sign(relPath: string, expiry: number): string {
    return createHmac('sha256', this.key).update(`${relPath}\n${expiry}`).digest('hex');
  }
}

/**
 * Serves the directory `root` as the registry's data store: anonymous `GET`/`HEAD` through @fastify/static
 * (Range, conditional requests, no listings, no dotfiles, no temporary files), and `PUT /data/<path>` for
 * writers with a token: the body streams into `root/<path>` write-once with the SHA-1 of `X-Content-SHA1`
 * checked (201 created, 200 the same content was there, 409 other content is, 400 a bad path or hash).
 * FAIR-CLI's upload handshake: `POST /api/data/<sha1>` (or `POST /api/data` with `{checksum}`) by a token
 * holder answers `{url}`, a signed URL to PUT the file to without a token (the SHA-1 is the file name), or
 * 409 when that file is stored already.
 */
export async function registerDataFiles(
  app: FastifyInstance,
  root: string,
  requireUser: (request: FastifyRequest) => Promise<unknown>,
  /** Refuses (403) a write under `<namespace>/...` by a user who does not own that namespace. */
  mayWriteUnder: (namespace: string, user: unknown) => Promise<void> = async () => undefined,
): Promise<void> {
  const absRoot = path.resolve(root);
  const tickets = new UploadTickets();
  const handshake = async (
    request: FastifyRequest,
    reply: FastifyReply,
    given: unknown,
  ): Promise<unknown> => {
    await requireUser(request);
    const checksum = typeof given === 'string' ? given.toLowerCase() : '';
    if (!SHA1.test(checksum))
      return reply.code(400).send({ checksum: ['A SHA-1 as 40 hex digits is required.'] });
    if (existsSync(path.join(absRoot, checksum))) return reply.code(409).send();
    const url = `${request.protocol}://${request.host}${DATA_PREFIX}${checksum}`;
    return { url: `${url}?upload=${tickets.create(checksum)}` };
  };
  app.post<{ Params: { checksum: string } }>('/api/data/:checksum', (request, reply) =>
    handshake(request, reply, request.params.checksum),
  );
  app.post('/api/data', (request, reply) =>
    handshake(request, reply, (request.body as { checksum?: unknown } | undefined)?.checksum),
  );
  await app.register(async (scope) => {
    // Upload bodies reach the handler as the raw stream, whatever their content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    await scope.register(fastifyStatic, {
      root: absRoot,
      prefix: DATA_PREFIX,
      index: false,
      list: false,
      dotfiles: 'deny',
      decorateReply: false,
      allowedPath: (pathName) => !pathName.endsWith('.tmp'),
    });
    scope.put<{ Params: { '*': string }; Querystring: { upload?: string } }>(
      `${DATA_PREFIX}*`,
      async (request, reply) => {
        const relPath = request.params['*'];
        const ticket = request.query.upload;
        const signed = ticket !== undefined && tickets.valid(relPath, ticket);
        if (!signed) {
          const user = await requireUser(request);
          // Content-addressed uploads (`files/<sha1>/...`) are anyone's; a namespace's paths are its owner's.
          const top = relPath.split('/')[0] ?? '';
          if (top !== 'files') await mayWriteUnder(decodeURIComponent(top), user);
        }
        const sha1 = String(request.headers['x-content-sha1'] ?? (signed ? relPath : '')).toLowerCase();
        if (!SHA1.test(sha1)) {
          throw new HttpError(400, {
            'X-Content-SHA1': ['The SHA-1 of the body, as 40 hex digits, is required.'],
          });
        }
        const body = request.body as Readable | undefined;
        try {
          const result = await writeOnceFile(absRoot, relPath, () => body ?? Readable.from([]), sha1);
          const url = `${request.protocol}://${request.host}${DATA_PREFIX}${relPath}`;
          return reply.code(result.created ? 201 : 200).send({ url, path: relPath, sha1, size: result.size });
        } catch (err) {
          if (err instanceof ValidationError) throw new HttpError(400, { path: [err.message] });
          if (err instanceof HashMismatchError) throw new HttpError(400, { 'X-Content-SHA1': [err.message] });
          if (err instanceof WriteOnceConflictError) {
            throw new HttpError(409, {
              detail: `${relPath} exists with other content; files are never replaced.`,
            });
          }
          throw err;
        }
      },
    );
  });
}
