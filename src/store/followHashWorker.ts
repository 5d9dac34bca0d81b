// The thread of `FollowHash` (followHash.ts): hashes files from disk up to the byte counts its owner posts.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FollowRequest, FollowReply } from './followHash.js';

/** One buffer, reused for every read: no allocation per chunk. */
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
const files = new Map<number, { fd: number; hashes: [string, Hash][]; done: number; failed?: string }>();

function hashUpTo(id: number, end: number): void {
  const f = files.get(id);
  if (!f || f.failed) return;
  try {
    while (f.done < end) {
      const n = fs.readSync(f.fd, buffer, 0, Math.min(buffer.length, end - f.done), f.done);
      if (n <= 0) throw new Error(`the file ends at byte ${f.done}, before the ${end} bytes written`);
      const chunk = buffer.subarray(0, n);
      for (const [, h] of f.hashes) h.update(chunk);
      f.done += n;
    }
  } catch (err) {
    f.failed = (err as Error).message;
  }
}

function close(id: number): void {
  const f = files.get(id);
  if (f) fs.closeSync(f.fd);
  files.delete(id);
}

parentPort!.on('message', (m: FollowRequest) => {
  if (m.kind === 'open') {
    try {
      files.set(m.id, {
        fd: fs.openSync(m.file, 'r'),
        hashes: m.algorithms.map((a) => [a, createHash(a)]),
        done: 0,
      });
    } catch (err) {
      files.set(m.id, { fd: -1, hashes: [], done: 0, failed: (err as Error).message });
    }
  } else if (m.kind === 'written') {
    hashUpTo(m.id, m.bytes);
  } else if (m.kind === 'finish') {
    hashUpTo(m.id, m.bytes);
    const f = files.get(m.id)!;
    const reply: FollowReply = f.failed
      ? { id: m.id, error: f.failed }
      : { id: m.id, digests: Object.fromEntries(f.hashes.map(([a, h]) => [a, h.digest('hex')])) };
    if (f.fd >= 0) close(m.id);
    else files.delete(m.id);
    parentPort!.postMessage(reply);
  } else if (files.get(m.id)?.fd !== -1) {
    close(m.id);
  } else {
    files.delete(m.id);
  }
});
