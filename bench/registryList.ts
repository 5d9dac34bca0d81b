/**
 * Lists 100,000 data products through the registry client from `fairpod registry serve` (SQLite) on
 * 127.0.0.1 (the bound: under 10 s, client memory under 200 MB), against the peer: a plain Python
 * client (urllib + json, following `next` as FAIR's Python pipeline API does) over the same server.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serveRegistry } from './registryServer.js';
import { RegistryClient } from '../src/registry/client/client.js';
import { isoNow, Registry } from '../src/registry/registry.js';

const N = 100_000;

/** A registry with `N` data products, each on its own object, written in batches (SQLite allows 500 rows per INSERT ... SELECT UNION). */
async function seed(file: string): Promise<void> {
  const registry = await Registry.open(file);
  const now = isoNow();
  await registry.write(async (trx) => {
    const ns = await registry.namespace(trx, 'bench');
    const objects = Array.from({ length: N }, () => ({ uuid: randomUUID(), last_updated: now }));
    await trx.batchInsert('object', objects, 400);
    const ids = (await trx('object').select('id').orderBy('id')) as Array<{ id: number }>;
    const products = ids.map(({ id }, i) => ({
      object_id: id,
      namespace_id: ns,
      name: `cmip6/CESM2/historical/r${i % 10}i1p1f1/Amon/v${i}/gn`,
      version: '1.0.0',
      last_updated: now,
    }));
    await trx.batchInsert('data_product', products, 400);
  });
  await registry.close();
}

/** Starts `fairpod registry serve` on a free port; returns its URL and the child. */
async function serve(file: string): Promise<{ url: string; pid: number; stop(): void }> {
  const { url, child } = await serveRegistry(file);
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** Peak resident memory of a process so far (Linux), MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Child-process mode (`--list URL`): lists every data product and prints seconds, rows and peak RSS as JSON. */
async function listInThisProcess(url: string): Promise<void> {
  const t0 = performance.now();
  let rows = 0;
  for await (const row of new RegistryClient(url).list('data_product')) if (row.url) rows++;
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, rows, peakMb: await peakRssMb(process.pid) }));
}

/** The fairpod client in a fresh process, so its peak memory is the listing's alone (not the seeding's). */
async function fairpodClient(url: string): Promise<{ seconds: number; rows: number; peakMb: number }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [fileURLToPath(import.meta.url), '--list', url],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(stdout) as { seconds: number; rows: number; peakMb: number };
}

const PYTHON_PEER = `
import json, sys, time, urllib.request, resource
url = sys.argv[1] + "/api/data_product/?page_size=1000"
t0 = time.perf_counter(); rows = 0
while url:
    with urllib.request.urlopen(url) as r:
        page = json.load(r)
    rows += len(page["results"]); url = page["next"]
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows,
                  "peakMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

async function pythonPeer(url: string): Promise<{ seconds: number; rows: number; peakMb: number }> {
  const { stdout } = await promisify(execFile)('python3', ['-c', PYTHON_PEER, url], { encoding: 'utf8' });
  return JSON.parse(stdout) as { seconds: number; rows: number; peakMb: number };
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-list-'));
  const file = path.join(dir, 'registry.db');
  const server = await (async () => {
    const t0 = performance.now();
    await seed(file);
    console.log(`seeded ${N} data products in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return serve(file);
  })();
  try {
    const warm = await fairpodClient(server.url); // first pass warms the server (JIT, SQLite page cache)
    const peer = await pythonPeer(server.url);
    const ours = await fairpodClient(server.url);
    for (const r of [warm, ours, peer])
      if (r.rows !== N) throw new Error(`listed ${r.rows} rows, expected ${N}`);
    console.log(`fairpod client (warm-up)  ${warm.seconds.toFixed(2)} s`);
    console.log(
      `fairpod client            ${ours.seconds.toFixed(2)} s, peak RSS ${ours.peakMb.toFixed(0)} MB (bound: 10 s, 200 MB) ${ours.seconds < 10 && ours.peakMb < 200 ? 'OK' : 'OVER'}`,
    );
    console.log(
      `python urllib client      ${peer.seconds.toFixed(2)} s, peak RSS ${peer.peakMb.toFixed(0)} MB`,
    );
    console.log(`ratio fairpod/python      ${(ours.seconds / peer.seconds).toFixed(2)}×`);
    console.log(`server peak RSS           ${(await peakRssMb(server.pid)).toFixed(0)} MB`);
  } finally {
    server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--list') await listInThisProcess(process.argv[3]!);
else await main();
