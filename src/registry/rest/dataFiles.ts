import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ValidationError } from '../../core/errors.js';
import { HashMismatchError } from '../../store/errors.js';
import { WriteOnceConflictError, writeOnceFile } from '../../store/writeOnceFile.js';
import { HttpError } from './httpError.js';

/** The URL path under which a served registry's data store is read (GET, HEAD with Range) and written (PUT). */
export const DATA_PREFIX = '/data/';

const SHA1 = /^[0-9a-f]{40}$/;

/**
 * Serves the directory `root` as the registry's data store: anonymous `GET`/`HEAD` through @fastify/static
 * (Range, conditional requests, no listings, no dotfiles, no temporary files), and `PUT /data/<path>` for
 * writers with a token: the body streams into `root/<path>` write-once with the SHA-1 of `X-Content-SHA1`
 * checked (201 created, 200 the same content was there, 409 other content is, 400 a bad path or hash).
 */
export async function registerDataFiles(
  app: FastifyInstance,
  root: string,
  requireUser: (request: FastifyRequest) => Promise<unknown>,
): Promise<void> {
  const absRoot = path.resolve(root);
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
    scope.put<{ Params: { '*': string } }>(`${DATA_PREFIX}*`, async (request, reply) => {
      await requireUser(request);
      const relPath = request.params['*'];
      const sha1 = String(request.headers['x-content-sha1'] ?? '').toLowerCase();
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
    });
  });
}
