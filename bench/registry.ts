/**
 * Records one code run with 10,000 inputs and 10,000 outputs on SQLite (the bound: under 2 s),
 * against the peer: the same rows inserted with one plain INSERT per row by the sqlite3 driver in a single
 * transaction, the floor a hand-written recorder would reach.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCodeRun } from '../src/registry/codeRun.js';
import { Registry } from '../src/registry/registry.js';
import { ContentStore } from '../src/store/contentStore.js';

const N = 10_000;

async function recordRun(location: string, store: ContentStore): Promise<number> {
  const registry = await Registry.open(location);
  const sha = (s: string): string => createHash('sha1').update(s).digest('hex');
  const inputs = Array.from({ length: N }, (_, i) => ({ path: `/data/in/${i}.nc`, sha1: sha(`in${i}`) }));
  const outputs = Array.from({ length: N }, (_, i) => ({ path: `/data/out/${i}.nc`, sha1: sha(`out${i}`) }));
  const t0 = performance.now();
  const run = await openCodeRun(registry, store, { namespace: 'bench', configContent: 'bench' });
  for (const f of inputs) await run.recordRead(f);
  for (const f of outputs) await run.recordWrite(f);
  await run.finish('succeeded');
  const seconds = (performance.now() - t0) / 1000;
  const [{ n }] = (await registry.knex('code_run_inputs').count({ n: '*' })) as Array<{ n: number }>;
  if (Number(n) !== N) throw new Error(`recorded ${n} inputs, expected ${N}`);
  await registry.close();
  return seconds;
}

async function plainInserts(location: string): Promise<number> {
  const registry = await Registry.open(location);
  const t0 = performance.now();
  await registry.knex.transaction(async (trx) => {
    for (let i = 0; i < 2 * N; i++)
      await trx.raw(
        'INSERT INTO storage_location (path, hash, public, storage_root_id, last_updated) VALUES (?, ?, 1, 1, ?)',
        [`p${i}`, `h${i}`, 'x'],
      );
  });
  const seconds = (performance.now() - t0) / 1000;
  await registry.close();
  return seconds;
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-registry-'));
try {
  const store = new ContentStore(path.join(dir, 'store'));
  // Round 0 warms up (JIT, page cache) and is reported but not judged; the bound applies to the median of the rest.
  const times: number[] = [];
  for (let round = 0; round < 4; round++)
    times.push(await recordRun(path.join(dir, `run${round}.db`), store));
  const peerRegistry = await Registry.open(path.join(dir, 'peer.db'));
  await peerRegistry.knex('storage_root').insert({ root: 'file:///', local: true, last_updated: 'x' });
  await peerRegistry.close();
  const peer = await plainInserts(path.join(dir, 'peer.db'));
  times.forEach((t, round) =>
    console.log(
      `registry: round ${round}${round === 0 ? ' (warm-up)' : ''}: code run with ${N} inputs + ${N} outputs on SQLite: ${t.toFixed(2)} s`,
    ),
  );
  const median = times.slice(1).sort((a, b) => a - b)[1]!;
  console.log(`registry: median ${median.toFixed(2)} s (bound 2 s: ${median < 2 ? 'ok' : 'FAIL'})`);
  console.log(
    `registry: ${2 * N} single-row INSERTs of storage_location only (peer): ${peer.toFixed(2)} s; ratio fairpod/peer = ${(median / peer).toFixed(2)}`,
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
