/**
 * `fairpod store add` of a 1 GiB file (copied into the store and hashed in one pass) against `openssl sha1`
 * on the same file (hash only: the floor for anything that must read and hash it), both timed as whole
 * processes as a user runs them, in the same rounds. `sha1sum` (Debian's, slower) is shown for reference.
 * The add runs in an initialised project, as a user's would. Goal from the issue: fairpod's throughput at
 * least 0.9x openssl's. With FAIRPOD_BENCH_BEFORE=DIR (another checkout, built) its `store add` is timed too.
 * Usage: node dist/bench/store.js [MiB] [ROUNDS]   (default 1024 and 4)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FAIRPOD, loadAverage, median, timeProcess } from './wholeProcess.js';

const mib = Number(process.argv[2] ?? 1024);
const ROUNDS = Number(process.argv[3] ?? 4);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-bench-store-'));

try {
  const file = path.join(dir, 'big.nc');
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await fs.open(file, 'w');
  for (let written = 0; written < mib * 1024 * 1024; written += block.length)
    await fh.write(block, 0, Math.min(block.length, mib * 1024 * 1024 - written));
  await fh.close();
  const before = process.env.FAIRPOD_BENCH_BEFORE;
  const builds: Array<[string, string[]]> = [['fairpod store add', FAIRPOD]];
  if (before)
    builds.push([
      'fairpod store add (before)',
      [process.execPath, path.resolve(before, 'dist', 'src', 'cli', 'main.js')],
    ]);
  const project = path.join(dir, 'project');
  await fs.mkdir(project);
  await timeProcess([...FAIRPOD, 'init', '--user', 'bench'], { cwd: project });
  await timeProcess(['openssl', 'sha1', file]); // warms the page cache: every side reads from memory

  const times = new Map<string, number[]>([
    ['openssl sha1', []],
    ['sha1sum', []],
    ...builds.map(([n]) => [n, []] as [string, number[]]),
  ]);
  const rss = new Map<string, number>();
  // Round 0 warms up and is not judged; each round runs every side once, so all see the same load.
  for (let round = 0; round <= ROUNDS; round++) {
    const peer = await timeProcess(['openssl', 'sha1', file]);
    const sha1 = /= ([0-9a-f]{40})/.exec(peer.stdout)![1]!;
    const slow = await timeProcess(['sha1sum', file]);
    if (!slow.stdout.startsWith(sha1)) throw new Error('sha1sum and openssl differ');
    const round_: Array<[string, number]> = [
      ['openssl sha1', peer.seconds],
      ['sha1sum', slow.seconds],
    ];
    for (const [name, cli] of builds) {
      const ours = await timeProcess([...cli, 'store', 'add', file, '--name', `bench/big${round}`], {
        cwd: project,
      });
      if (!ours.stdout.includes(sha1)) throw new Error(`${name} stored another SHA-1: ${ours.stdout}`);
      rss.set(name, Math.max(rss.get(name) ?? 0, ours.rssMb));
      round_.push([name, ours.seconds]);
      // The next add must copy again, not find the object already stored.
      await fs.rm(path.join(project, '.fairpod', 'store'), { recursive: true, force: true });
    }
    console.log(
      `store: round ${round}${round === 0 ? ' (warm-up)' : ''}: ${round_.map(([n, s]) => `${n} ${s.toFixed(2)} s`).join(', ')}`,
    );
    if (round > 0) for (const [n, s] of round_) times.get(n)!.push(s);
  }
  const peer = median(times.get('openssl sha1')!);
  console.log(
    `store: load average ${loadAverage()}; medians of ${ROUNDS} rounds, ${mib} MiB, whole processes`,
  );
  console.log(`store: openssl sha1 (peer) ${peer.toFixed(2)} s (${(mib / peer).toFixed(0)} MiB/s)`);
  console.log(`store: sha1sum ${median(times.get('sha1sum')!).toFixed(2)} s`);
  for (const [name] of builds) {
    const m = median(times.get(name)!);
    console.log(
      `store: ${name} ${m.toFixed(2)} s (${(mib / m).toFixed(0)} MiB/s), peak RSS ${rss.get(name)!.toFixed(0)} MB; ` +
        `throughput ratio fairpod/openssl = ${(peer / m).toFixed(2)}${name.endsWith('(before)') ? '' : ` (goal >= 0.9: ${peer / m >= 0.9 ? 'ok' : 'FAIL'})`}`,
    );
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
