import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { CLI } from './support.js';

/** A POD whose driver (and a child it starts) would write a file long after fairpod was killed. */
const SETTINGS = {
  settings: { driver: 'slow.sh', long_name: 'slow POD', convention: 'cmip' },
  data: { frequency: 'mon' },
  dimensions: {
    lat: { standard_name: 'latitude', units: 'degrees_north', axis: 'Y' },
    lon: { standard_name: 'longitude', units: 'degrees_east', axis: 'X' },
    time: { standard_name: 'time' },
  },
  varlist: {
    pr: { standard_name: 'precipitation_flux', units: 'kg m-2 s-1', dimensions: ['time', 'lat', 'lon'] },
  },
};
const DRIVER = [
  'echo $$ > "$WORK_DIR/driver.pid"',
  '(sleep 4; echo late > "$WORK_DIR/grandchild-late.txt") &',
  'sleep 4',
  'echo late > "$WORK_DIR/late.txt"',
  '',
].join('\n');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults: a killed fairpod run takes its POD driver with it', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-orphan-'));
    const pod = path.join(dir, 'slow');
    await fs.mkdir(pod);
    await fs.writeFile(path.join(pod, 'settings.jsonc'), JSON.stringify(SETTINGS, null, 2));
    await fs.writeFile(path.join(pod, 'slow.sh'), DRIVER);
    await fs.writeFile(path.join(pod, 'slow.html'), '<html><body>{{CASENAME}}</body></html>\n');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal} to fairpod while the driver runs: the driver and its children end, nothing more is written`, async () => {
      const catalog = (await writeDemoDataset(path.join(dir, `data-${signal}`))).catalogJson;
      const work = path.join(dir, `work-${signal}`);
      const run = spawn(
        process.execPath,
        [
          CLI,
          'run',
          path.join(dir, 'slow'),
          '-m',
          'filesystem',
          '--catalog',
          catalog,
          '--case',
          'DEMO',
          '--firstyr',
          '1983',
          '--lastyr',
          '1984',
          '--work-dir',
          work,
          '--no-record',
        ],
        { stdio: 'ignore' },
      );
      const pidFile = path.join(work, 'slow', 'driver.pid');
      let driverPid = 0;
      for (let i = 0; i < 600 && !driverPid; i++) {
        driverPid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
        if (!driverPid) await sleep(50);
      }
      expect(driverPid, 'the driver never started').to.be.greaterThan(0);
      run.kill(signal);
      await new Promise((r) => run.on('close', r));
      // The watcher checks four times a second, then gives the group 2 s to end before SIGKILL.
      for (let i = 0; i < 60 && alive(driverPid); i++) await sleep(100);
      expect(alive(driverPid), 'the driver outlived fairpod').to.equal(false);
      await sleep(4500);
      const left = await fs.readdir(path.join(work, 'slow'));
      expect(left).to.not.include('late.txt');
      expect(left).to.not.include('grandchild-late.txt');
    });
  }
});
