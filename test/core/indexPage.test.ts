import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INDEX_ENTRIES_FILE, updateIndexPage, type IndexEntry } from '../../src/core/indexPage.js';

const entry = (name: string, ok: boolean): IndexEntry => ({
  name,
  description: `POD ${name}`,
  ok,
  cases: [{ name: 'A', startdate: '19800101', enddate: '19811231', convention: 'CMIP' }],
  finished: '2024-01-01T00:00:00.000Z',
});

describe('index page of a work dir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-index-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("adds a run's PODs to those of earlier runs, replacing a POD's earlier entry in place", async () => {
    await updateIndexPage(dir, [entry('p1', true), entry('p2', false)], false);
    const { page, warnings } = await updateIndexPage(dir, [entry('p3', true), entry('p1', false)], false);
    expect(warnings).to.deep.equal([]);
    const saved = JSON.parse(await fs.readFile(path.join(dir, INDEX_ENTRIES_FILE), 'utf8')) as IndexEntry[];
    expect(saved.map((e) => [e.name, e.ok])).to.deep.equal([
      ['p1', false],
      ['p2', false],
      ['p3', true],
    ]);
    const html = await fs.readFile(page, 'utf8');
    expect(html.match(/<h3 /g)).to.have.length(3);
  });

  it("an entries file that is not fairpod's is reported, and the page lists this run's PODs", async () => {
    await fs.writeFile(path.join(dir, INDEX_ENTRIES_FILE), '{"not": "entries"}');
    const { page, warnings } = await updateIndexPage(dir, [entry('p1', true)], false);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include(INDEX_ENTRIES_FILE).and.include("this run's PODs only");
    expect((await fs.readFile(page, 'utf8')).match(/<h3 /g)).to.have.length(1);
  });
});
