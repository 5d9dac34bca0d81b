import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HASH_CHUNK_BYTES, hashFile } from '../../src/store/hashing.js';
import { allocations } from '../support/allocations.js';

describe('hashFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-hashing-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  // Two 4 MiB buffers for every small file a run hashes were 8 MiB of external memory each, which V8 collected
  // garbage for: 2.1 s of a 10-POD run's 7 s.
  it('reads a small file into buffers the size of a small file', async () => {
    const file = path.join(dir, 'small.nc');
    const data = randomBytes(20 * 1024);
    await fs.writeFile(file, data);
    let digests: Awaited<ReturnType<typeof hashFile>> | undefined;
    const sizes = await allocations(async () => (digests = await hashFile(file, ['sha1', 'md5'])));
    expect(Math.max(...sizes)).to.be.at.most(64 * 1024);
    expect(digests!.size).to.equal(data.length);
    expect(digests!.digests.sha1).to.equal(createHash('sha1').update(data).digest('hex'));
    expect(digests!.digests.md5).to.equal(createHash('md5').update(data).digest('hex'));
  });

  it('reads a large file in chunks of at most HASH_CHUNK_BYTES, all of it', async () => {
    const file = path.join(dir, 'large.nc');
    const data = randomBytes(HASH_CHUNK_BYTES * 2 + 12345);
    await fs.writeFile(file, data);
    let digests: Awaited<ReturnType<typeof hashFile>> | undefined;
    const sizes = await allocations(async () => (digests = await hashFile(file)));
    expect(Math.max(...sizes)).to.equal(HASH_CHUNK_BYTES);
    expect(digests!.size).to.equal(data.length);
    expect(digests!.digests.sha1).to.equal(createHash('sha1').update(data).digest('hex'));
  });

  it('hashes an empty file', async () => {
    const file = path.join(dir, 'empty');
    await fs.writeFile(file, '');
    const { digests, size } = await hashFile(file);
    expect(size).to.equal(0);
    expect(digests.sha1).to.equal(createHash('sha1').update('').digest('hex'));
  });
});
