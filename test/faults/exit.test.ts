import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDemoDataset } from '../../src/demo/dataset.js';
import { runFairpod } from './support.js';

describe('faults: every error path ends the process', function () {
  let dir: string;
  let catalog: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-exit-'));
    catalog = (await writeDemoDataset(path.join(dir, 'data'))).catalogJson;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const runArgs = (...years: string[]) => [
    'run',
    'demo_plev',
    '-m',
    'filesystem',
    '--catalog',
    catalog,
    '--case',
    'DEMO',
    '--firstyr',
    years[0]!,
    '--lastyr',
    years[1]!,
  ];

  for (const bad of ['99999', 'abc']) {
    it(`run --firstyr ${bad} with recording on prints the error, exits 2 and creates no project`, async () => {
      const cwd = await fs.mkdtemp(path.join(dir, 'cwd-'));
      const r = await runFairpod(runArgs(bad, '1987'), { cwd, timeoutMs: 20_000 });
      expect(r.hung, 'the process did not exit').to.equal(false);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`--firstyr "${bad}" is not a year`);
      expect(await fs.readdir(cwd)).to.deep.equal([]);
    });
  }

  it('run with bad POD settings reports them and creates no .fairpod/', async () => {
    const cwd = await fs.mkdtemp(path.join(dir, 'cwd-'));
    const pod = path.join(cwd, 'bad.jsonc');
    await fs.writeFile(pod, '{ "settings": { "driver": "x.py" }, "varlist": { "tas": ');
    const r = await runFairpod(
      [
        'run',
        pod,
        '-m',
        'filesystem',
        '--catalog',
        catalog,
        '--case',
        'DEMO',
        '--firstyr',
        '1985',
        '--lastyr',
        '1987',
      ],
      { cwd, timeoutMs: 20_000 },
    );
    expect(r.hung).to.equal(false);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/bad\.jsonc:1:\d+/);
    expect(await fs.readdir(cwd)).to.deep.equal(['bad.jsonc']);
  });

  for (const command of [['plugins'], ['status']]) {
    it(`fairpod ${command.join(' ')} into a closed pipe exits quietly (no EPIPE trace)`, async () => {
      const cwd = await fs.mkdtemp(path.join(dir, 'pipe-'));
      expect((await runFairpod(['init'], { cwd })).code).to.equal(0);
      const r = await runFairpod(command, { cwd, closeStdout: true, timeoutMs: 20_000 });
      expect(r.hung).to.equal(false);
      expect(r.stderr).to.not.match(/EPIPE|internal error|Unhandled/);
      expect(r.code).to.equal(0);
    });
  }
});
