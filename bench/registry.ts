/**
 * Records one code run with 10,000 inputs and 10,000 outputs on SQLite (the bound: under 2 s),
 * against a peer doing the same registry work by hand: in one transaction, with prepared statements of the
 * sqlite3 driver (no query builder), one INSERT per row into every table the recorder writes for a run: the
 * code_run row, and per file its storage_location, object, whole_object object_component and the
 * code_run_inputs or code_run_outputs link. Each side runs in its own process, timed whole (Node's start,
 * module loading and opening the database included) in alternating rounds.
 * Usage: node dist/bench/registry.js [FILES]   (default 10000 reads and as many writes)
 */
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlite3 from 'sqlite3';
import { openCodeRun } from '../src/registry/codeRun.js';
import { isoNow, Registry } from '../src/registry/registry.js';
import { ContentStore } from '../src/store/contentStore.js';
import { loadAverage, median, timeProcess } from './wholeProcess.js';

const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = 3;
const SELF = fileURLToPath(import.meta.url);
const sha = (s: string): string => createHash('sha1').update(s).digest('hex');

/** The files both sides record: N read, N written (outside the store, SHA-1 known). */
function files(direction: 'in' | 'out'): Array<{ path: string; sha1: string }> {
  return Array.from({ length: N }, (_, i) => ({
    path: `/data/${direction}/${i}.nc`,
    sha1: sha(`${direction}${i}`),
  }));
}

/** fairpod: the recorder, as `fairpod run` uses it. */
async function fairpodSide(db: string, storeDir: string): Promise<void> {
  const registry = await Registry.open(db);
  const run = await openCodeRun(registry, new ContentStore(storeDir), {
    namespace: 'bench',
    configContent: 'bench',
  });
  for (const f of files('in')) await run.recordRead(f);
  for (const f of files('out')) await run.recordWrite(f);
  await run.finish('succeeded');
  const [{ n }] = (await registry.knex('code_run_inputs').count({ n: '*' })) as Array<{ n: number }>;
  if (Number(n) !== N) throw new Error(`recorded ${n} inputs, expected ${N}`);
  await registry.close();
}

/** The peer: the same rows, written by hand with prepared statements in one transaction. */
async function peerSide(db: string): Promise<void> {
  const conn = new sqlite3.Database(db);
  const run = (sql: string, params: unknown[] = []): Promise<number> =>
    new Promise((resolve, reject) =>
      conn.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve(this.lastID);
      }),
    );
  const statements: sqlite3.Statement[] = [];
  const prepared = (sql: string) => {
    const st = conn.prepare(sql);
    statements.push(st);
    return (params: unknown[]): Promise<number> =>
      new Promise((resolve, reject) =>
        st.run(params, function (this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(err);
          else resolve(this.lastID);
        }),
      );
  };
  const now = isoNow();
  // The settings fairpod's registry connection uses (src/registry/connection.ts).
  await new Promise<void>((resolve, reject) =>
    conn.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;', (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  await run('BEGIN IMMEDIATE');
  const root = await run('INSERT INTO storage_root (root, local, last_updated) VALUES (?, 1, ?)', [
    'file:///',
    now,
  ]);
  const type = await run('INSERT INTO file_type (name, extension, last_updated) VALUES (?, ?, ?)', [
    'nc',
    'nc',
    now,
  ]);
  const runId = await run(
    'INSERT INTO code_run (run_date, uuid, run_id, status, last_updated) VALUES (?, ?, ?, ?, ?)',
    [now, randomUUID(), sha('peer'), 'running', now],
  );
  const location = prepared(
    'INSERT INTO storage_location (path, hash, public, storage_root_id, last_updated) VALUES (?, ?, 1, ?, ?)',
  );
  const object = prepared(
    'INSERT INTO object (storage_location_id, file_type_id, uuid, last_updated) VALUES (?, ?, ?, ?)',
  );
  const component = prepared(
    "INSERT INTO object_component (object_id, name, whole_object, last_updated) VALUES (?, 'whole_object', 1, ?)",
  );
  const input = prepared('INSERT INTO code_run_inputs (code_run_id, object_component_id) VALUES (?, ?)');
  const output = prepared('INSERT INTO code_run_outputs (code_run_id, object_component_id) VALUES (?, ?)');
  for (const [list, link] of [
    [files('in'), input],
    [files('out'), output],
  ] as const) {
    for (const f of list) {
      const l = await location([f.path.slice(1), f.sha1, root, now]);
      const o = await object([l, type, randomUUID(), now]);
      const c = await component([o, now]);
      await link([runId, c]);
    }
  }
  await run("UPDATE code_run SET status = 'succeeded', finished_at = ? WHERE id = ?", [now, runId]);
  await run('COMMIT');
  for (const st of statements) await new Promise<void>((resolve) => st.finalize(() => resolve()));
  await new Promise<void>((resolve, reject) => conn.close((err) => (err ? reject(err) : resolve())));
}

const side = process.argv.indexOf('--side');
if (side !== -1) {
  const [which, db, storeDir] = process.argv.slice(side + 1);
  if (which === 'fairpod') await fairpodSide(db!, storeDir!);
  else await peerSide(db!);
} else {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-registry-'));
  try {
    const ours: number[] = [];
    const peer: number[] = [];
    // Round 0 warms up (page cache, JIT of the driver) and is not judged.
    for (let round = 0; round <= ROUNDS; round++) {
      const a = await timeProcess([
        process.execPath,
        SELF,
        String(N),
        '--side',
        'fairpod',
        path.join(dir, `run${round}.db`),
        path.join(dir, 'store'),
      ]);
      // The peer's registry has the schema (migrated by fairpod) and nothing else.
      const peerDb = path.join(dir, `peer${round}.db`);
      await (await Registry.open(peerDb)).close();
      const b = await timeProcess([process.execPath, SELF, String(N), '--side', 'peer', peerDb]);
      console.log(
        `registry: round ${round}${round === 0 ? ' (warm-up)' : ''}: fairpod ${a.seconds.toFixed(2)} s, peer ${b.seconds.toFixed(2)} s`,
      );
      if (round > 0) {
        ours.push(a.seconds);
        peer.push(b.seconds);
      }
    }
    const m = median(ours);
    const p = median(peer);
    console.log(`registry: load average ${loadAverage()}; medians of ${ROUNDS} rounds, whole processes`);
    console.log(
      `registry: code run with ${N} inputs + ${N} outputs on SQLite: ${m.toFixed(2)} s (bound 2 s: ${m < 2 ? 'ok' : 'FAIL'})`,
    );
    console.log(
      `registry: peer (the same rows in every table, prepared INSERTs, one transaction): ${p.toFixed(2)} s; ratio fairpod/peer = ${(m / p).toFixed(2)}`,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
