import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyHashing } from '../../src/store/copyHashing.js';

const sha1 = async (file: string): Promise<string> =>
  createHash('sha1')
    .update(await fs.readFile(file))
    .digest('hex');

describe('copyHashing', () => {
  let dir: string;
  let source: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-copyhash-'));
    source = path.join(dir, 'source.nc');
    // Above the size from which a worker thread hashes it while the kernel copies it.
    await fs.writeFile(source, randomBytes(40 * 1024 * 1024));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('returns the digests of the copy, computed while it is copied', async () => {
    const target = path.join(dir, 'copy');
    const digests = await copyHashing(source, target, ['sha1', 'sha256']);
    expect(digests.sha1).to.equal(await sha1(target));
    expect(digests.sha256).to.equal(
      createHash('sha256')
        .update(await fs.readFile(target))
        .digest('hex'),
    );
  });

  it('copies and hashes a small file in this thread', async () => {
    const small = path.join(dir, 'small.txt');
    await fs.writeFile(small, 'a few bytes');
    const digests = await copyHashing(small, path.join(dir, 'small-copy'), ['sha1']);
    expect(digests.sha1).to.equal(createHash('sha1').update('a few bytes').digest('hex'));
    expect(await fs.readFile(path.join(dir, 'small-copy'), 'utf8')).to.equal('a few bytes');
  });

  it('hashes the copy itself when the source is written to while it is copied', async () => {
    for (let i = 0; i < 4; i++) {
      const target = path.join(dir, `copy${i}`);
      const copying = copyHashing(source, target, ['sha1']);
      // Changed at once, in its first bytes and its length: before, during or after the copy reads them.
      const fh = await fs.open(source, 'r+');
      await fh.write(randomBytes(4096), 0, 4096, 0);
      await fh.write(Buffer.from(`more ${i}`), 0, 6, (await fh.stat()).size);
      await fh.close();
      expect((await copying).sha1).to.equal(await sha1(target));
    }
  });

  it('creates the copy exclusively: an existing target is not overwritten', async () => {
    const target = path.join(dir, 'taken');
    await fs.writeFile(target, 'someone else');
    let error: NodeJS.ErrnoException | undefined;
    await copyHashing(source, target, ['sha1']).catch((e: NodeJS.ErrnoException) => (error = e));
    expect(error?.code).to.equal('EEXIST');
    expect(await fs.readFile(target, 'utf8')).to.equal('someone else');
  });
});
