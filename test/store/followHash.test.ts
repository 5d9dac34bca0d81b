import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FollowHash } from '../../src/store/followHash.js';

/** The error `p` rejects with (undefined when it resolves). */
function rejection(p: Promise<unknown>): Promise<Error | undefined> {
  return p.then(
    () => undefined,
    (e: Error) => e,
  );
}

describe('FollowHash: digests of a file computed in a worker thread as it is written', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-follow-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('hashes what was written, in pieces, from a prefix already on disk (a resume)', async () => {
    const file = path.join(dir, 'part');
    const data = randomBytes(9 * 1024 * 1024 + 17);
    await fs.writeFile(file, data.subarray(0, 1000));
    const hash = new FollowHash(file, ['sha1', 'sha256', 'sha1']);
    hash.written(1000);
    const fh = await fs.open(file, 'r+');
    for (let at = 1000; at < data.length; at += 3 * 1024 * 1024) {
      const end = Math.min(data.length, at + 3 * 1024 * 1024);
      await fh.write(data, at, end - at, at);
      hash.written(end);
    }
    await fh.close();
    expect(await hash.finish(data.length)).to.deep.equal({
      sha1: createHash('sha1').update(data).digest('hex'),
      sha256: createHash('sha256').update(data).digest('hex'),
    });
  });

  it('digests only the first `bytes` bytes, and an empty file', async () => {
    const file = path.join(dir, 'f');
    await fs.writeFile(file, 'abcdef');
    expect(await new FollowHash(file, ['md5']).finish(3)).to.deep.equal({
      md5: createHash('md5').update('abc').digest('hex'),
    });
    await fs.writeFile(file, '');
    expect(await new FollowHash(file, ['sha1']).finish(0)).to.deep.equal({
      sha1: createHash('sha1').digest('hex'),
    });
  });

  it('rejects when the file is shorter than the bytes said written, or missing', async () => {
    const file = path.join(dir, 'short');
    await fs.writeFile(file, 'abc');
    const short = new FollowHash(file, ['sha1']);
    short.written(10);
    expect((await rejection(short.finish(10)))?.message).to.match(
      /ends at byte 3, before the 10 bytes written/,
    );
    expect((await rejection(new FollowHash(path.join(dir, 'none'), ['sha1']).finish(0)))?.message).to.match(
      /ENOENT/,
    );
  });

  it('an aborted hash gives no digests and lets later ones work', async () => {
    const file = path.join(dir, 'a');
    await fs.writeFile(file, 'xyz');
    const aborted = new FollowHash(file, ['sha1']);
    aborted.written(3);
    aborted.abort();
    expect((await rejection(aborted.finish(3)))?.message).to.match(/already finished/);
    expect((await new FollowHash(file, ['sha1']).finish(3)).sha1).to.equal(
      createHash('sha1').update('xyz').digest('hex'),
    );
  });
});
