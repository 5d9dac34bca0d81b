import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ContentStore } from '../../src/store/contentStore.js';

describe('ContentStore: concurrent adds of the same content', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-store-race-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  // Each writer used to rename its copy over the content object: a writer hard-linking the object it had
  // just placed then found its inode gone (link: ENOENT), as 4 POD runs adding one driver script did.
  it('all succeed, under the same name, and leave one intact object', async () => {
    const source = path.join(dir, 'driver.py');
    await fs.writeFile(source, 'print("same content in every run")\n');
    for (let round = 0; round < 20; round++) {
      const root = path.join(dir, `store${round}`);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          new ContentStore(root).add(source, { namespace: 'ns', name: 'submission_script' }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason))).to.deep.equal([]);
      const store = new ContentStore(root);
      const [stored] = await store.list();
      expect((await store.verify([])).bad).to.deep.equal([]);
      expect((await fs.stat(stored!.path)).nlink).to.equal(2);
      // A writer whose layout link lost the race to an identical one left its temporary link behind.
      expect(await fs.readdir(path.join(root, '.tmp'))).to.deep.equal([]);
    }
  });
});
