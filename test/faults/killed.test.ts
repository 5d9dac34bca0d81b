import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pod } from '../../src/core/pod.js';
import { locatePodSettings } from '../../src/core/podLocator.js';
import { ProjectRunProvenance } from '../../src/registry/podRunRecorder.js';
import { Project } from '../../src/registry/project.js';
import { loadPodSettings } from '../../src/settings/podSettings.js';
import { tempPathFor } from '../../src/store/atomicWrite.js';
import { CLI, runFairpod } from './support.js';

/** The pid of a process that has ended: what a killed writer's pid is to the sweep. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
}

/** `tempPathFor(target)` as a process with `pid` would have named it. */
function tempOf(target: string, pid: number): string {
  return tempPathFor(target).replace(`.${process.pid}-`, `.${pid}-`);
}

describe('faults: what killed writers leave behind', function () {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-killed-'));
    expect((await runFairpod(['init'], { cwd: dir })).code).to.equal(0);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('store add killed with SIGKILL mid-stream: nothing enters the store, gc --dry-run lists the part, gc removes it', async () => {
    const fifo = path.join(dir, 'source.nc');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [CLI, 'store', 'add', fifo, '--name', 'big/file'], {
      cwd: dir,
      stdio: 'ignore',
    });
    const writer = createWriteStream(fifo);
    // The reader is killed below: the writer's EPIPE is expected, not a failure of this test.
    writer.on('error', () => undefined);
    writer.write(Buffer.alloc(4 << 20, 7));
    const tmpDir = path.join(dir, '.fairpod', 'store', '.tmp');
    // Wait until the part file holds bytes, then kill the writer as `kill -9` would.
    for (let i = 0; i < 200; i++) {
      const parts = await fs.readdir(tmpDir).catch(() => []);
      if (parts.length && (await fs.stat(path.join(tmpDir, parts[0]!))).size > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    writer.destroy();
    const parts = await fs.readdir(tmpDir);
    expect(parts).to.have.length(1);
    const ls = await runFairpod(['store', 'ls'], { cwd: dir });
    expect(ls.stdout).to.equal('');
    const dry = await runFairpod(['gc', '--unreferenced', '--dry-run'], { cwd: dir });
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include(`would remove ${path.join(tmpDir, parts[0]!)}`);
    expect(await fs.readdir(tmpDir)).to.deep.equal(parts);
    const gc = await runFairpod(['gc', '--unreferenced'], { cwd: dir });
    expect(gc.stdout).to.include(`removed ${path.join(tmpDir, parts[0]!)}`);
    expect(await fs.readdir(tmpDir)).to.deep.equal([]);
    expect((await runFairpod(['store', 'verify'], { cwd: dir })).code).to.equal(0);
  });

  it('a killed preprocess leaves a temp file in the work dir: the next run does not record it, gc sweeps it, a live writer’s is kept', async () => {
    const podWork = path.join(dir, 'fairpod-work', 'demo_plev');
    const result = path.join(podWork, 'mon', 'DEMO.u850.mon.nc');
    await fs.mkdir(path.dirname(result), { recursive: true });
    const abandoned = tempOf(result, deadPid());
    const live = tempOf(path.join(podWork, 'output', 'summary.txt'), process.pid);
    await fs.mkdir(path.dirname(live), { recursive: true });
    await fs.writeFile(abandoned, 'half a netCDF file');
    await fs.writeFile(live, 'being written');
    const project = await Project.open(dir);
    try {
      const pod = new Pod(await loadPodSettings(locatePodSettings('demo_plev')));
      const record = await new ProjectRunProvenance(project).openPodRun(
        pod,
        [{ name: 'DEMO', firstYear: 1985, lastYear: 1989, facets: {} }],
        {},
      );
      await record.writeResult(abandoned, podWork);
      await record.finish(true);
      expect(await project.registry.knex('data_product').pluck('name')).to.deep.equal([]);
    } finally {
      await project.close();
    }
    const dry = await runFairpod(['gc', '--unreferenced', '--dry-run'], { cwd: dir });
    expect(dry.stdout).to.include(`would remove ${abandoned}`);
    expect(dry.stdout).to.not.include(live);
    await runFairpod(['gc', '--unreferenced'], { cwd: dir });
    await fs.access(abandoned).then(
      () => expect.fail('the abandoned temp file is still there'),
      () => undefined,
    );
    await fs.access(live);
  });
});
