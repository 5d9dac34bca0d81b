import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { Registry } from '../../src/registry/registry.js';
import { describeOnBackends } from './backends.js';

const moduleUrl = (rel: string): string =>
  JSON.stringify(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', rel)).href);

/** A separate process that records a run with `n` reads, then finishes it or (`hang`) waits to be killed. */
const WORKER = `
import { Registry } from ${moduleUrl('registry/registry.js')};
import { ContentStore } from ${moduleUrl('store/contentStore.js')};
import { openCodeRun } from ${moduleUrl('registry/codeRun.js')};
import { createHash } from 'node:crypto';
const [location, storeRoot, label, n, mode] = process.argv.slice(2);
const registry = await Registry.open(location);
const run = await openCodeRun(registry, new ContentStore(storeRoot), { namespace: 'alice', configContent: label });
for (let i = 0; i < Number(n); i++) {
  await run.recordRead({ path: '/data/' + label + '/' + i + '.nc', sha1: createHash('sha1').update(label + i).digest('hex') });
}
await run.flush();
if (mode === 'hang') { console.log('READY'); setInterval(() => {}, 1000); }
else { await run.finish('succeeded'); await registry.close(); console.log(run.id); }
`;

function runWorker(
  script: string,
  args: string[],
): {
  child: ReturnType<typeof spawn>;
  output: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, output };
}

describeOnBackends('Registry faults', (locations) => {
  let dir: string;
  let script: string;
  let location: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-faults-'));
    script = path.join(dir, 'worker.mjs');
    await fs.writeFile(script, WORKER);
    location = await locations.create();
    await (await Registry.open(location)).close();
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('two runs at once on one registry both complete', async () => {
    const a = runWorker(script, [location, path.join(dir, 'store'), 'a', '1500', 'finish']);
    const b = runWorker(script, [location, path.join(dir, 'store'), 'b', '1500', 'finish']);
    const [ra, rb] = await Promise.all([a.output, b.output]);
    expect(ra.code, ra.stderr).to.equal(0);
    expect(rb.code, rb.stderr).to.equal(0);
    const registry = await Registry.open(location);
    try {
      const runs = (await registry.knex('code_run').select('id', 'status')) as Array<{
        id: number;
        status: string;
      }>;
      expect(runs.map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded']);
      for (const r of runs) {
        const [{ n }] = (await registry
          .knex('code_run_inputs')
          .where({ code_run_id: r.id })
          .count({ n: '*' })) as Array<{ n: string | number }>;
        expect(Number(n)).to.equal(1500);
      }
    } finally {
      await registry.close();
    }
  });

  it('a killed run shows what it touched and is not finished', async () => {
    const w = runWorker(script, [location, path.join(dir, 'store'), 'k', '300', 'hang']);
    await new Promise<void>((resolve) =>
      w.child.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve()),
    );
    w.child.kill('SIGKILL');
    await w.output;
    const registry = await Registry.open(location);
    try {
      const run = await registry.knex('code_run').first('id', 'status', 'finished_at');
      expect(run.status).to.equal('running');
      expect(run.finished_at).to.equal(null);
      const [{ n }] = (await registry
        .knex('code_run_inputs')
        .where({ code_run_id: run.id })
        .count({ n: '*' })) as Array<{ n: string | number }>;
      expect(Number(n)).to.equal(300);
    } finally {
      await registry.close();
    }
  });
});
