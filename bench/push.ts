/**
 * Pushes a run with 1,000 outputs (each its own file and data product) with `RegistryPusher` to
 * `fairpod registry serve` on 127.0.0.1, files copied into a directory data store, and again to a server
 * taking the files by HTTP PUT at /data/ (the bound for both: under 10 s), against the peer: a plain Python client (urllib + json, one POST per row as FAIR's
 * Python pipeline API does) posting the same rows (storage locations, objects, components, data products,
 * the run with its outputs) to a second fresh server of the same kind, without copying files.
 *
 * Usage: `node dist/bench/push.js [--db postgres://...]`: registries in SQLite files by default, or each in a
 * fresh schema of the given PostgreSQL database.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { serveRegistry } from './registryServer.js';
import { RegistryClient } from '../src/registry/client/client.js';
import { openCodeRun } from '../src/registry/codeRun.js';
import { Project } from '../src/registry/project.js';
import { Registry } from '../src/registry/registry.js';
import { createToken } from '../src/registry/rest/tokens.js';
import { RegistryPuller } from '../src/registry/sync/pull.js';
import { RegistryPusher } from '../src/registry/sync/push.js';

const N = 1_000;

/** A project in `dir` holding one finished run that wrote `N` small files, each registered as a data product. */
async function recordRun(dir: string): Promise<{ project: Project; runRowId: number }> {
  const project = await Project.init(dir, { user: 'bench', namespace: 'bench' });
  const run = await openCodeRun(project.registry, project.store, {
    namespace: 'bench',
    configContent: 'push benchmark',
    description: `push benchmark: ${N} outputs`,
  });
  const scratch = path.join(dir, 'scratch');
  await fs.mkdir(scratch);
  for (let i = 0; i < N; i++) {
    const file = path.join(scratch, `out${i}.csv`);
    await fs.writeFile(file, `output ${i}\n`);
    const name = `bench/out${i}`;
    await run.recordWrite(await project.store.add(file, { namespace: 'bench', name }), {
      dataProduct: { namespace: 'bench', name, version: '1.0.0' },
    });
  }
  await run.finish('succeeded');
  const row = (await project.registry.knex('code_run').where({ run_id: run.runId }).first('id')) as {
    id: number;
  };
  return { project, runRowId: row.id };
}

/** A fresh registry (SQLite in `dir`, or a new schema of `pgUrl`) with a token, served by `fairpod registry serve` on a free port. */
async function serveFresh(
  dir: string,
  pgUrl?: string,
  extraArgs: string[] = [],
): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  let file = path.join(dir, 'registry.db');
  const schema = `bench_${path.basename(dir).replace(/\W/g, '_').toLowerCase()}`;
  if (pgUrl) {
    const url = new URL(pgUrl);
    url.searchParams.set('schema', schema);
    file = url.toString();
  }
  const registry = await Registry.open(file);
  const token = await createToken(registry, 'bench');
  await registry.close();
  const { url, child } = await serveRegistry(file, extraArgs);
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    if (!pgUrl) return;
    await new Promise((resolve) => child.once('exit', resolve));
    const admin = knexFactory({ client: 'pg', connection: pgUrl });
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]).finally(() => admin.destroy());
  };
  return { url, token, stop };
}

const PYTHON_PEER = `
import hashlib, json, sys, time, urllib.request, uuid
api, token, n = sys.argv[1] + "/api/", sys.argv[2], int(sys.argv[3])
def post_row(table, body):
    req = urllib.request.Request(api + table + "/", data=json.dumps(body).encode(), method="POST",
        headers={"content-type": "application/json", "authorization": "token " + token})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
def post(table, body):
    return post_row(table, body)["url"]
t0 = time.perf_counter()
root = post("storage_root", {"root": "file:///tmp/peer-store/", "local": True})
ns = post("namespace", {"name": "bench"})
ft = post("file_type", {"name": "csv", "extension": "csv"})
outputs = []
for i in range(n):
    h = hashlib.sha1(b"output %d\\n" % i).hexdigest()
    loc = post("storage_location", {"path": "bench/out%d/%s.csv" % (i, h), "hash": h, "public": True, "storage_root": root})
    obj_row = post_row("object", {"storage_location": loc, "file_type": ft, "uuid": str(uuid.uuid4()), "authors": []})
    obj = obj_row["url"]
    outputs.append(obj_row["components"][0])  # the registry creates each object's whole_object component
    post("data_product", {"object": obj, "namespace": ns, "name": "bench/out%d" % i, "version": "1.0.0"})
post("code_run", {"run_date": "2026-01-01T00:00:00.000Z", "description": "peer", "uuid": str(uuid.uuid4()),
                  "inputs": [], "outputs": outputs})
print(json.dumps({"seconds": time.perf_counter() - t0}))
`;

async function main(pgUrl?: string): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-push-'));
  const servers: Array<{ stop(): Promise<void> }> = [];
  try {
    const t0 = performance.now();
    const { project, runRowId } = await recordRun(path.join(dir, 'project'));
    console.log(`registries on ${pgUrl ? 'PostgreSQL' : 'SQLite'}`);
    console.log(`recorded a run with ${N} outputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    try {
      const ours = await serveFresh(await fs.mkdtemp(path.join(dir, 'ours-')), pgUrl);
      const peerServer = await serveFresh(await fs.mkdtemp(path.join(dir, 'peer-')), pgUrl);
      const concurrent = await serveFresh(await fs.mkdtemp(path.join(dir, 'conc-')), pgUrl);
      const httpStoreDir = await fs.mkdtemp(path.join(dir, 'http-data-'));
      const withHttpStore = await serveFresh(await fs.mkdtemp(path.join(dir, 'http-')), pgUrl, [
        '--data-store',
        httpStoreDir,
      ]);
      servers.push(ours, peerServer, concurrent, withHttpStore);
      const dataStore = path.join(dir, 'remote-data');
      await fs.mkdir(dataStore);
      const client = new RegistryClient(ours.url, { token: ours.token });
      const t1 = performance.now();
      const report = await new RegistryPusher(project, client, { dataStore: `file://${dataStore}/` }).push([
        { entity: 'code_run', id: runRowId },
      ]);
      const seconds = (performance.now() - t1) / 1000;
      const outputs = await client.count('data_product');
      if (outputs !== N) throw new Error(`the remote has ${outputs} data products, expected ${N}`);
      const t2 = performance.now();
      const again = await new RegistryPusher(project, client, { dataStore: `file://${dataStore}/` }).push([
        { entity: 'code_run', id: runRowId },
      ]);
      const secondsAgain = (performance.now() - t2) / 1000;
      const { stdout } = await promisify(execFile)(
        'python3',
        ['-c', PYTHON_PEER, peerServer.url, peerServer.token, String(N)],
        { encoding: 'utf8' },
      );
      const peer = JSON.parse(stdout) as { seconds: number };
      // What concurrent requests would give: the outputs' data products pushed 8 at a time through one pusher
      // (it sends each shared row once), then the run, whose links then resolve from its memo.
      const products = (await project.registry.knex('data_product').orderBy('id').pluck('id')) as number[];
      const concurrentPusher = new RegistryPusher(
        project,
        new RegistryClient(concurrent.url, { token: concurrent.token }),
        { dataStore: `file://${await fs.mkdtemp(path.join(dir, 'conc-data-'))}/` },
      );
      const t3 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, (_, lane) =>
          concurrentPusher.push(
            products.filter((_, i) => i % 8 === lane).map((id) => ({ entity: 'data_product' as const, id })),
          ),
        ),
      );
      await concurrentPusher.push([{ entity: 'code_run', id: runRowId }]);
      const secondsConcurrent = (performance.now() - t3) / 1000;
      // The same push with every file sent by HTTP PUT to the server's own data store.
      const t4 = performance.now();
      const httpReport = await new RegistryPusher(
        project,
        new RegistryClient(withHttpStore.url, { token: withHttpStore.token }),
        { dataStore: `${withHttpStore.url}/data/`, token: withHttpStore.token },
      ).push([{ entity: 'code_run', id: runRowId }]);
      const secondsHttp = (performance.now() - t4) / 1000;
      // Pulling one of the outputs into a fresh project copies the whole run (every output row, one file).
      const puller = await Project.init(path.join(dir, 'puller'), { user: 'bench2', namespace: 'bench2' });
      let pullReport;
      const t5 = performance.now();
      try {
        const wanted = [];
        for await (const d of client.list('data_product', { name: 'bench/out0' })) wanted.push(d);
        pullReport = await new RegistryPuller(puller, client, { fileRoots: [dataStore] }).pull(wanted);
      } finally {
        await puller.close();
      }
      const secondsPull = (performance.now() - t5) / 1000;
      console.log(
        `fairpod push              ${seconds.toFixed(2)} s: ${report.rows} rows, ${report.filesUploaded} files (bound: 10 s) ${seconds < 10 ? 'OK' : 'OVER'}`,
      );
      console.log(
        `fairpod push again        ${secondsAgain.toFixed(2)} s: ${again.rows} rows re-sent, ${again.filesUploaded} files`,
      );
      console.log(
        `push, files by HTTP PUT   ${secondsHttp.toFixed(2)} s: ${httpReport.rows} rows, ${httpReport.filesUploaded} files (bound: 10 s) ${secondsHttp < 10 ? 'OK' : 'OVER'}`,
      );
      console.log(
        `pull one output           ${secondsPull.toFixed(2)} s: ${pullReport.rowsAdded} rows, ${pullReport.filesFetched} file (the whole run's rows)`,
      );
      console.log(
        `8 lanes of data products  ${secondsConcurrent.toFixed(2)} s, then the run (same rows and files)`,
      );
      console.log(`python urllib, same rows  ${peer.seconds.toFixed(2)} s (no files)`);
      console.log(`ratio fairpod/python      ${(seconds / peer.seconds).toFixed(2)}×`);
    } finally {
      await project.close();
    }
  } finally {
    for (const s of servers) await s.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const dbFlag = process.argv.indexOf('--db');
await main(dbFlag > 0 ? process.argv[dbFlag + 1] : undefined);
