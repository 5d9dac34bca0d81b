import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pod } from '../../src/core/pod.js';
import { locatePodSettings } from '../../src/core/podLocator.js';
import { ProjectRunProvenance } from '../../src/registry/podRunRecorder.js';
import { Project } from '../../src/registry/project.js';
import { loadPodSettings } from '../../src/settings/podSettings.js';
import { describeOnBackends } from '../registry/backends.js';

const RUNS = 4;

describeOnBackends('faults: concurrent POD runs on one project', (locations) => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-concurrent-'));
    await (await Project.init(dir, { registry: await locations.create() })).close();
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it(`${RUNS} runs at once each get their own version of every result, none fails`, async function () {
    this.timeout(120_000);
    const settings = await loadPodSettings(locatePodSettings('demo_plev'));
    const caseSpec = { name: 'DEMO', firstYear: 1985, lastYear: 1989, facets: {} };
    // Each run in its own project handle (its own connection pool), as separate `fairpod run` processes are.
    const runs = Array.from({ length: RUNS }, async (_, i) => {
      const project = await Project.open(dir);
      try {
        const podWork = path.join(dir, `work-${i}`, 'demo_plev');
        await fs.mkdir(path.join(podWork, 'output'), { recursive: true });
        const record = await new ProjectRunProvenance(project).openPodRun(new Pod(settings), [caseSpec], {
          run: i,
        });
        for (const file of ['summary.txt', 'table.csv']) {
          const out = path.join(podWork, 'output', file);
          await fs.writeFile(out, `run ${i} ${file}\n`);
          await record.writeResult(out, podWork);
        }
        await record.finish(true);
      } finally {
        await project.close();
      }
    });
    const outcomes = await Promise.allSettled(runs);
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
    ).to.deep.equal([]);
    const project = await Project.open(dir);
    try {
      const k = project.registry.knex;
      for (const file of ['summary.txt', 'table.csv']) {
        const versions = (await k('data_product')
          .where({ name: `demo_plev/DEMO/output/${file}` })
          .pluck('version')) as string[];
        expect(versions.sort()).to.deep.equal(Array.from({ length: RUNS }, (_, i) => `0.0.${i + 1}`));
      }
      const succeeded = await k('code_run').where({ status: 'succeeded' }).count('* as n').first();
      expect(Number(succeeded?.n)).to.equal(RUNS);
    } finally {
      await project.close();
    }
  });
});
