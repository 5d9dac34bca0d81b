import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Hyperslab, NumericArray } from './ncTypes.js';

/** A read a worker is asked for: a hyperslab of one variable of one file. */
export interface SlabRequest {
  id: number;
  path: string;
  name: string;
  slab: Hyperslab;
}

/** A worker's answer: the values, or the message of what failed. */
export type SlabResponse = { id: number; values: NumericArray } | { id: number; error: string };

/** Bytes to decompress (whole chunks included) below which reading in workers does not pay for their start. */
export const PARALLEL_READ_BYTES = 256 << 20;

/**
 * Reader threads used at most by default: each holds its own h5wasm heap (about 55 MB once it has read
 * deflated chunks), so 2 keep preprocessing under 400 MB (measured: 312 MB with 2, 376 MB with 3, 464 MB with 4).
 */
export const MAX_DEFAULT_READERS = 2;

/**
 * How many reader threads to use for `bytes` of data to decompress: `FAIRPOD_PREPROCESS_READERS` when set (0
 * reads in the calling thread), else one per core (at most `MAX_DEFAULT_READERS`) when there is more than `PARALLEL_READ_BYTES`
 * and more than one core, else 0.
 */
export function readerThreads(bytes: number, env: NodeJS.ProcessEnv = process.env): number {
  const set = env.FAIRPOD_PREPROCESS_READERS;
  if (set !== undefined && set.trim() !== '') {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 0 || n > 64)
      throw new RangeError(`FAIRPOD_PREPROCESS_READERS="${set}" is not a whole number from 0 to 64`);
    return n;
  }
  const cores = availableParallelism();
  return cores > 1 && bytes > PARALLEL_READ_BYTES ? Math.min(cores, MAX_DEFAULT_READERS) : 0;
}

/**
 * Worker threads reading hyperslabs in parallel (`slabWorker.ts`): each read goes to the least busy worker,
 * and resolves with the values or rejects with the worker's message. Node's worker_threads do what no npm
 * pool library would add here: one message type, transferred buffers, per-worker open files.
 */
export class SlabReaderPool {
  private readonly workers: { worker: Worker; busy: number; exited: boolean }[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (v: NumericArray) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failure?: Error;

  constructor(threads: number) {
    const script = new URL('./slabWorker.js', import.meta.url);
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(script);
      const entry = { worker, busy: 0, exited: false };
      worker.on('message', (response: SlabResponse) => {
        entry.busy--;
        const waiting = this.pending.get(response.id);
        this.pending.delete(response.id);
        if (!waiting) return;
        if ('error' in response) waiting.reject(new Error(response.error));
        else waiting.resolve(response.values);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        entry.exited = true;
        if (code !== 0) this.fail(new Error(`a reader thread exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  /** Reads a hyperslab of `name` in `path` in one of the workers. */
  read(path: string, name: string, slab: Hyperslab): Promise<NumericArray> {
    if (this.failure) return Promise.reject(this.failure);
    const entry = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    entry.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      entry.worker.postMessage({ id, path, name, slab } satisfies SlabRequest);
    });
  }

  /** Ends the workers (their files closed); reads still pending are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('the reader threads were closed'));
    await Promise.all(
      this.workers.map(({ worker, exited }) =>
        exited
          ? undefined
          : new Promise<void>((resolve) => {
              worker.once('exit', () => resolve());
              worker.postMessage('close');
            }),
      ),
    );
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}
