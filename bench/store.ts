/**
 * `store add` of a 1 GiB file (hash + copy in one pass) against `sha1sum` (hash only) on the same file,
 * in the same run. Bound from the issue: fairpod's throughput at least 0.9x sha1sum's.
 * Usage: node dist/bench/store.js [MiB]   (default 1024)
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ContentStore } from '../src/store/contentStore.js';

const mib = Number(process.argv[2] ?? 1024);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-store-'));

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [(performance.now() - t0) / 1000, out];
}

try {
  const file = path.join(dir, 'big.nc');
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await fs.open(file, 'w');
  for (let written = 0; written < mib * 1024 * 1024; written += block.length)
    await fh.write(block, 0, Math.min(block.length, mib * 1024 * 1024 - written));
  await fh.close();
  await promisify(execFile)('sha1sum', [file]); // warm the page cache so both read from memory

  // Round 0 warms up (page cache, first-time allocation of store pages) and is reported but not judged.
  const results: Array<{ peer: number; ours: number }> = [];
  for (let round = 0; round < 4; round++) {
    const [peer, out] = await timed(() => promisify(execFile)('sha1sum', [file], { encoding: 'utf8' }));
    const store = new ContentStore(path.join(dir, `store${round}`));
    const [ours, added] = await timed(() => store.add(file, { namespace: 'bench', name: 'big' }));
    if (out.stdout.split(' ')[0] !== added.sha1) throw new Error('SHA-1 differs from sha1sum');
    results.push({ peer, ours });
    await fs.rm(store.root, { recursive: true, force: true });
  }
  results.forEach((r, round) => {
    console.log(
      `store: round ${round}${round === 0 ? ' (warm-up)' : ''}: add ${mib} MiB ${r.ours.toFixed(2)} s (${(mib / r.ours).toFixed(0)} MiB/s); ` +
        `sha1sum ${r.peer.toFixed(2)} s (${(mib / r.peer).toFixed(0)} MiB/s); ratio ${(r.peer / r.ours).toFixed(2)}`,
    );
  });
  const ratios = results
    .slice(1)
    .map((r) => r.peer / r.ours)
    .sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  console.log(
    `store: median throughput ratio fairpod/sha1sum = ${median.toFixed(2)} (bound 0.9: ${median >= 0.9 ? 'ok' : 'FAIL'})`,
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
