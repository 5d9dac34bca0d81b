import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadEsmCatalog } from '../../src/catalog/esmCatalog.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { writeTestCatalog } from '../../src/core/contract.js';
import {
  esmCatalogRows,
  rowSize,
  rowTimeExtent,
  variableQuery,
  type CatalogRows,
} from '../../src/core/catalogQuery.js';
import { facetValue } from '../../src/core/dataKey.js';
import { DataRequest } from '../../src/core/dataRequest.js';
import type { CaseSpec, DataSource, RequestContext } from '../../src/core/dataSource.js';
import { DataSourceServices } from '../../src/core/services.js';
import type { VarlistEntry } from '../../src/core/varlist.js';
import { FilesystemDataSource, resolveAssetPath } from '../../plugins/filesystem/filesystemSource.js';
import { entry, identityTranslator, MemoryLogger, pod, RecordingPreprocessor } from '../core/support.js';

/**
 * Rows around the period 1980-1989 chunked in every way the period index must get right: yearly files, decades
 * crossing both ends, a file ending the month before, hourly stamps whose last step reaches into 1980, a file
 * without a period; members r1..r5 of model M, r1 of model N too; tas and pr.
 */
function rows(): CatalogRow[] {
  const out: CatalogRow[] = [];
  const add = (source: string, member: string, variable: string, range: string): void => {
    out.push({
      source_id: source,
      member_id: member,
      variable_id: variable,
      frequency: 'mon',
      time_range: range,
      path: `data/${source}/${member}/${variable}/${variable}_${range || 'fx'}.nc`,
    });
  };
  for (const variable of ['tas', 'pr']) {
    for (let y = 1970; y <= 1999; y++) add('M', 'r1i1p1f1', variable, `${y}01-${y}12`);
    for (const range of ['197501-198412', '198501-199412']) add('M', 'r2i1p1f1', variable, range);
    add('M', 'r3i1p1f1', variable, '197001-197912');
    add('M', 'r3i1p1f1', variable, '198001-198912');
    add('M', 'r4i1p1f1', variable, '1970010100-1979123121');
    add('M', 'r4i1p1f1', variable, '1980010100-1989123121');
    add('M', 'r5i1p1f1', variable, '');
    for (let y = 1900; y <= 2000; y += 10) add('N', 'r1i1p1f1', variable, `${y}01-${y + 9}12`);
  }
  return out;
}

/** The filesystem source as it was before queries passed the period: every row of the facets, no memo. */
class UnrestrictedSource implements DataSource {
  readonly inner: FilesystemDataSource;
  private rows!: CatalogRows;
  constructor(private readonly catalog: string) {
    this.inner = new FilesystemDataSource({ catalog });
  }
  get experimentColumns() {
    return this.inner.experimentColumns;
  }
  get tieBreakers() {
    return this.inner.tieBreakers;
  }
  async setup(context: RequestContext) {
    await this.inner.setup(context);
    this.rows = esmCatalogRows(await loadEsmCatalog(this.catalog));
  }
  async tearDown() {
    await this.inner.tearDown();
  }
  async query(entry: VarlistEntry, context: RequestContext) {
    const q = variableQuery(this.rows, new Set(['frequency']), entry, context.caseSpec);
    const root = path.dirname(this.rows.source);
    const found = await this.rows.search(q.query);
    const keys = found.map((row) => {
      const size = rowSize(row);
      return {
        id: resolveAssetPath(facetValue(row, 'path'), root, this.rows.source),
        row,
        ...rowTimeExtent(row),
        ...(size ? { size } : {}),
      };
    });
    return { keys, description: q.description };
  }
  fetch(key: Parameters<DataSource['fetch']>[0]) {
    return this.inner.fetch(key);
  }
}

/** What the loop chose: per POD variable, its candidates, experiment and files (or failures). */
async function plan(source: DataSource, caseSpec: CaseSpec) {
  const pods = ['P1', 'P2'].map((name) =>
    pod(name, [entry('tas'), entry('pr', { requirement: 'optional' })]),
  );
  const request = new DataRequest(
    source,
    new DataSourceServices(identityTranslator, new RecordingPreprocessor(), new MemoryLogger()),
  );
  await request.run(pods, caseSpec, { workDir: '/work', dryRun: true });
  return pods.flatMap((p) =>
    p.varlist.map((v) => ({
      variable: `${p.name}/${v.name}`,
      status: v.status,
      candidates: v.candidates.map((k) => k.id).sort(),
      experiment: v.selection?.experiment,
      files: v.selection?.keys.map((k) => k.id),
      failures: v.failures,
    })),
  );
}

describe('filesystem data manager: queries at catalog scale', function () {
  let dir: string;
  let catalog: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-fsquery-'));
    const all = rows();
    for (const row of all) {
      const file = path.join(dir, row.path as string);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, '');
    }
    catalog = await writeTestCatalog(path.join(dir, 'catalog.json'), all);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  for (const [firstYear, lastYear] of [
    [1980, 1989],
    [1981, 1983],
    [1975, 1975],
    [1900, 2000],
    [2050, 2060],
  ] as const) {
    it(`the period given to the index selects what the whole search did (${firstYear}-${lastYear}, each member pinned and not)`, async () => {
      for (const facets of [
        {},
        ...['r1i1p1f1', 'r2i1p1f1', 'r3i1p1f1', 'r4i1p1f1', 'r5i1p1f1'].map((m) => ({
          source_id: 'M',
          member_id: m,
        })),
      ]) {
        const caseSpec: CaseSpec = { name: 'C', firstYear, lastYear, facets };
        const before = await plan(new UnrestrictedSource(catalog), caseSpec);
        const now = await plan(new FilesystemDataSource({ catalog }), caseSpec);
        // The one difference: files only outside the period are not found at all now, and the failure says
        // which period was searched.
        for (const v of before)
          v.failures = v.failures.map((f) =>
            f.replace(/none of \d+ file\(s\) overlaps \d+-\d+ (\(.*period=)/, 'no data found $1'),
          );
        expect(now, JSON.stringify(facets)).to.deep.equal(before);
      }
    });
  }

  it('the hourly stamps ending in the last step before the period are kept, as the loop keeps them', async () => {
    const caseSpec: CaseSpec = {
      name: 'C',
      firstYear: 1980,
      lastYear: 1989,
      facets: { member_id: 'r4i1p1f1' },
    };
    const chosen = await plan(new FilesystemDataSource({ catalog }), caseSpec);
    expect(chosen[0]!.candidates.map((c) => path.basename(c))).to.deep.equal([
      'tas_1970010100-1979123121.nc',
      'tas_1980010100-1989123121.nc',
    ]);
  });

  it('answers identical queries once per run: every POD asking for tas gets the first answer', async () => {
    const source = new FilesystemDataSource({ catalog });
    let searches = 0;
    const setup = source.setup.bind(source);
    source.setup = async (context) => {
      await setup(context);
      const rows = (source as unknown as { rows: CatalogRows }).rows;
      const search = rows.search.bind(rows);
      rows.search = (q, o) => {
        searches++;
        return search(q, o);
      };
    };
    const caseSpec: CaseSpec = { name: 'C', firstYear: 1980, lastYear: 1989, facets: {} };
    const chosen = await plan(source, caseSpec);
    // Two PODs x (tas, pr): two distinct queries.
    expect(searches).to.equal(2);
    expect(chosen.map((c) => c.files)).to.deep.equal([
      chosen[0]!.files,
      chosen[1]!.files,
      chosen[0]!.files,
      chosen[1]!.files,
    ]);
    expect(chosen[0]!.files).to.have.length(10);
    // A new run (setup again) searches again: the catalog may have changed in between.
    await plan(source, caseSpec);
    expect(searches).to.equal(4);
  });
});
