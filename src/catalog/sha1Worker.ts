/**
 * A worker thread that hashes one file (its path is the worker's data) and posts the SHA-1 (hex). The table reader
 * runs it while it parses the table: on the main thread the hash of a 1M-row table took 180 ms of a 1.6 s plan.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const hash = crypto.createHash('sha1');
const fd = fs.openSync(workerData as string, 'r');
try {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
} finally {
  fs.closeSync(fd);
}
parentPort!.postMessage(hash.digest('hex'));
