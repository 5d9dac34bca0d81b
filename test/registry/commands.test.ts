import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCodeRun } from '../../src/registry/codeRun.js';
import { Project, PROJECT_ENV } from '../../src/registry/project.js';
import { fairpod } from '../support/cli.js';
import { saveEnv, type SavedEnv } from '../support/env.js';
import { describeOnBackends } from './backends.js';

describeOnBackends(
  'git-like commands: init, store, log, status, info, add, commit, gc, delete',
  (locations) => {
    let dir: string;
    let env: SavedEnv;

    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-cmd-'));
      env = saveEnv(PROJECT_ENV);
      process.env[PROJECT_ENV] = dir;
      expect(
        (
          await fairpod(
            'init',
            dir,
            '--user',
            'alice',
            '--namespace',
            'alice',
            '--registry',
            await locations.create(),
          )
        ).code,
      ).to.equal(0);
    });
    afterEach(async () => {
      env.restore();
      await fs.rm(dir, { recursive: true, force: true });
    });

    /** Records a run that read `input` and wrote `output` (both stored), optionally left unfinished. */
    async function recordRun(label: string, input: string, output: string, finish = true): Promise<string> {
      const project = await Project.open(dir);
      try {
        const run = await openCodeRun(project.registry, project.store, {
          namespace: 'alice',
          configContent: label,
          description: label,
        });
        const src = path.join(dir, `${label}.txt`);
        await fs.writeFile(src, output);
        await run.recordRead(input);
        await run.recordWrite(await project.store.add(src, { namespace: 'alice', name: `out/${label}` }));
        if (finish) await run.finish('succeeded');
        else await run.flush();
        return run.runId;
      } finally {
        await project.close();
      }
    }

    it('init refuses to run twice', async () => {
      const again = await fairpod('init', dir);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.contain('already exists');
    });

    it('store add/ls/get/verify, and verify and get report a tampered file', async () => {
      const src = path.join(dir, 'tas.nc');
      await fs.writeFile(src, 'data');
      const added = await fairpod('store', 'add', src, '--name', 'cmip6/tas');
      expect(added.code).to.equal(0);
      const stored = added.stdout.trim();
      expect(stored).to.match(/\.fairpod\/store\/alice\/cmip6\/tas\/[0-9a-f]{40}\.nc$/);
      expect((await fairpod('store', 'ls')).stdout).to.contain('alice/cmip6/tas/');
      expect((await fairpod('store', 'verify')).code).to.equal(0);
      await fs.chmod(stored, 0o644);
      await fs.writeFile(stored, 'DATA');
      const verify = await fairpod('store', 'verify');
      expect(verify.code).to.equal(1);
      expect(verify.stderr).to.contain('BAD alice/cmip6/tas/');
      const get = await fairpod('store', 'get', stored);
      expect(get.code).to.equal(1);
      expect(get.stderr).to.contain('expected');
    });

    it('log lists runs newest first and marks a run that never finished; info shows inputs, outputs and lineage', async () => {
      const input = path.join(dir, 'raw.csv');
      await fs.writeFile(input, 'raw');
      const first = await recordRun('first', input, 'one');
      const project = await Project.open(dir);
      const firstOut = (await project.store.list()).find((o) => o.name === 'out/first')!.path;
      await project.close();
      const second = await recordRun('second', firstOut, 'two', false);
      const log = (await fairpod('log')).stdout.trim().split('\n');
      expect(log).to.have.length(2);
      expect(log[0]).to.contain(second.slice(0, 12)).and.to.contain('NOT FINISHED');
      expect(log[1]).to.contain(first.slice(0, 12)).and.to.contain('succeeded');
      const info = await fairpod('info', second.slice(0, 8));
      expect(info.stdout).to.contain('NOT FINISHED').and.to.contain('inputs (1)').and.to.contain(firstOut);
      const lineage = await fairpod(
        'info',
        (
          await Project.open(dir).then(async (p) => {
            const l = await p.store.list();
            await p.close();
            return l;
          })
        ).find((o) => o.name === 'out/second')!.path,
      );
      expect(lineage.stdout)
        .to.contain(`produced by run ${second.slice(0, 12)}`)
        .and.to.contain(`produced by run ${first.slice(0, 12)}`)
        .and.to.contain(input);
    });

    it('add stages a finished run, commit seals it, status shows each state', async () => {
      const input = path.join(dir, 'raw.csv');
      await fs.writeFile(input, 'raw');
      const run = await recordRun('r', input, 'x');
      const open = await recordRun('open', input, 'y', false);
      expect((await fairpod('add', open.slice(0, 10))).code).to.equal(1);
      expect((await fairpod('commit', '-m', 'nothing')).code).to.equal(1);
      expect((await fairpod('add', run.slice(0, 10))).code).to.equal(0);
      expect((await fairpod('status')).stdout).to.match(/staged:\n {2}run [0-9a-f]{12} {2}r/);
      expect((await fairpod('commit', '-m', 'first results')).code).to.equal(0);
      const status = (await fairpod('status')).stdout;
      expect(status)
        .to.contain('committed (ready to push):')
        .and.to.contain(`run ${run.slice(0, 12)}`);
      expect(status).to.match(/local only:\n {2}run [0-9a-f]{12} \(NOT FINISHED\)/);
    });

    it('gc needs a scope, keeps what kept runs need, and removes an abandoned run with its files', async () => {
      const input = path.join(dir, 'raw.csv');
      await fs.writeFile(input, 'raw');
      const kept = await recordRun('kept', input, 'k');
      const crashed = await recordRun('crashed', input, 'c', false);
      expect((await fairpod('gc')).code).to.equal(1);
      const dry = await fairpod('gc', '--unfinished', '--dry-run');
      expect(dry.stdout)
        .to.contain(`would remove run ${crashed.slice(0, 12)}`)
        .and.to.contain('out/crashed');
      expect((await fairpod('log')).stdout).to.contain(crashed.slice(0, 12));
      const gc = await fairpod('gc', '--unfinished');
      expect(gc.code).to.equal(0);
      const log = (await fairpod('log')).stdout;
      expect(log).to.contain(kept.slice(0, 12)).and.not.to.contain(crashed.slice(0, 12));
      const ls = (await fairpod('store', 'ls')).stdout;
      expect(ls).to.contain('out/kept').and.not.to.contain('out/crashed');
      expect((await fairpod('store', 'verify')).code).to.equal(0);
    });

    it('delete refuses a run others depend on unless forced', async () => {
      const input = path.join(dir, 'raw.csv');
      await fs.writeFile(input, 'raw');
      const first = await recordRun('first', input, 'one');
      const project = await Project.open(dir);
      const firstOut = (await project.store.list()).find((o) => o.name === 'out/first')!.path;
      await project.close();
      await recordRun('second', firstOut, 'two');
      const refused = await fairpod('delete', first.slice(0, 10));
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.contain('1 other run(s) read what it wrote');
      expect((await fairpod('delete', '--force', first.slice(0, 10))).code).to.equal(0);
      expect((await fairpod('log')).stdout).not.to.contain(first.slice(0, 12));
    });
  },
);
