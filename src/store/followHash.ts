import { Worker } from 'node:worker_threads';
import type { Digests, HashAlgorithm } from './hashing.js';

/** A message to the hashing thread. */
export type FollowRequest =
  | { kind: 'open'; id: number; file: string; algorithms: HashAlgorithm[] }
  | { kind: 'written'; id: number; bytes: number }
  | { kind: 'finish'; id: number; bytes: number }
  | { kind: 'abort'; id: number };

/** The hashing thread's answer to `finish`. */
export type FollowReply = { id: number; digests: Digests } | { id: number; error: string };

// Hand-written: no npm package hashes a file in another thread while it is being written.
// One thread per process, shared by every download, held (`ref`) only while a file is followed.
let worker: Worker | undefined;
let nextId = 0;
let open = 0;
/**
 * Bytes written between two messages to the thread: each message wakes it, and a wake-up cost 0.3 ms on the
 * busy 2-core machine (measured: 864 messages for 768 MiB took 250 ms of the receiving thread).
 */
const NOTIFY_BYTES = 8 * 1024 * 1024;
const waiting = new Map<number, { resolve(d: Digests): void; reject(e: Error): void }>();

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./followHashWorker.js', import.meta.url));
  w.on('message', (reply: FollowReply) => {
    const p = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (!p) return;
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve(reply.digests);
  });
  const fail = (err: Error): void => {
    if (worker === w) worker = undefined;
    for (const p of waiting.values()) p.reject(err);
    waiting.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the hashing thread exited with code ${code}`)));
  if (open === 0) w.unref();
  return (worker = w);
}

/**
 * The digests of a file being written, computed in a worker thread that reads back what was written (from the
 * page cache): the thread that receives and writes the bytes does not hash them, so a download uses both
 * cores, and what is hashed is what is on disk. The writer calls `written(n)` whenever bytes `0..n` are on
 * disk, then `finish(n)` once for the digests of the first `n` bytes; `abort()` if it gives up.
 */
export class FollowHash {
  private readonly id = nextId++;
  private closed = false;
  private told = 0;

  /** Starts following `file`, which must exist (its first bytes may already be there: `written` them). */
  constructor(file: string, algorithms: Iterable<HashAlgorithm>) {
    const w = thread();
    if (open++ === 0) w.ref();
    w.postMessage({
      kind: 'open',
      id: this.id,
      file,
      algorithms: [...new Set(algorithms)],
    } satisfies FollowRequest);
  }

  /** Bytes `0..bytes` of the file are written: the thread may hash them (it is told every 8 MiB). */
  written(bytes: number): void {
    if (this.closed || bytes - this.told < NOTIFY_BYTES) return;
    this.told = bytes;
    thread().postMessage({ kind: 'written', id: this.id, bytes } satisfies FollowRequest);
  }

  /** The hex digests of the first `bytes` bytes; rejects when the file could not be read that far. */
  finish(bytes: number): Promise<Digests> {
    if (this.closed) return Promise.reject(new Error('FollowHash already finished'));
    const w = thread();
    this.closed = true;
    // Held until the answer arrives: an unreferenced thread would let the process exit while awaiting it.
    const done = new Promise<Digests>((resolve, reject) => waiting.set(this.id, { resolve, reject }));
    w.postMessage({ kind: 'finish', id: this.id, bytes } satisfies FollowRequest);
    return done.finally(() => this.release());
  }

  /** Stops following the file (the download failed); no digests. */
  abort(): void {
    if (this.closed) return;
    worker?.postMessage({ kind: 'abort', id: this.id } satisfies FollowRequest);
    this.release();
  }

  private release(): void {
    this.closed = true;
    if (--open === 0) worker?.unref();
  }
}
