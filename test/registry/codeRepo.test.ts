import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readCodeRepo } from '../../src/registry/codeRepo.js';

const run = promisify(execFile);

describe('readCodeRepo: the code repository as a URL', () => {
  let dir: string;
  const repo = () => path.join(dir, 'repo');
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-coderepo-'));
    await run('git', ['init', '-q', repo()]);
    await run('git', [
      '-C',
      repo(),
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    ]);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  // Table: origin as git holds it -> the URL recorded.
  const cases: Array<[string, string | undefined, (d: string) => string]> = [
    ['no origin: the directory', undefined, (d) => `file://${path.join(d, 'repo')}`],
    ['https stays', 'https://example.org/m.git', () => 'https://example.org/m.git'],
    ['scp-like ssh stays', 'git@example.org:team/m.git', () => 'git@example.org:team/m.git'],
    ['an absolute local path becomes file://', '/srv/git/m.git', () => 'file:///srv/git/m.git'],
    [
      'a relative local path, resolved against the repository',
      '../upstream.git',
      (d) => `file://${path.join(d, 'upstream.git')}`,
    ],
  ];
  for (const [name, origin, expected] of cases) {
    it(name, async () => {
      if (origin) await run('git', ['-C', repo(), 'remote', 'add', 'origin', origin]);
      const state = await readCodeRepo(repo());
      expect(state?.url).to.equal(expected(dir));
    });
  }
});
