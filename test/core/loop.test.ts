import { expect } from 'chai';
import { AmbiguityError } from '../../src/core/selection.js';
import { NonConvergenceError } from '../../src/core/dataRequest.js';
import { Stage, Status } from '../../src/core/varlist.js';
import { CASE, OPTIONS, chunks, entry, memorySource, pod } from './support.js';

describe('DataRequest.run (the loop)', () => {
  it('queries, selects, fetches and preprocesses only the chunks inside the period', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = chunks('tas');
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, OPTIONS);
    const tas = p.varlist[0]!;
    expect(tas.stage).to.equal(Stage.PREPROCESSED);
    expect(tas.status).to.equal(Status.SUCCEEDED);
    expect(preprocessor.calls).to.deep.equal([
      { label: 'P/tas', files: ['M1/r1i1p1f1/gn/v1/tas_1985-1989.nc'] },
    ]);
    expect(source.fetched).to.deep.equal(['M1/r1i1p1f1/gn/v1/tas_1985-1989.nc']);
    expect(p.failed).to.equal(false);
  });

  it('selects consecutive chunks spanning the period, in time order', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = chunks('tas').reverse();
    const p = pod('P', [entry('tas')]);
    await request.run([p], { ...CASE, firstYear: 1983, lastYear: 1991 }, OPTIONS);
    expect(preprocessor.calls[0]!.files.map((f) => f.replace(/.*_/, ''))).to.deep.equal([
      '1980-1984.nc',
      '1985-1989.nc',
      '1990-1994.nc',
    ]);
  });

  it("fails a variable whose chunks leave a gap, naming it, and fails a required variable's POD", async () => {
    const { source, request } = memorySource();
    source.rows = chunks('tas').filter((r) => r.range !== '1985-1989');
    const p = pod('P', [entry('tas')]);
    await request.run([p], { ...CASE, firstYear: 1980, lastYear: 1994 }, OPTIONS);
    expect(p.failed).to.equal(true);
    expect(p.failure).to.match(/gap: nothing covers 1985-01-01 to 1989-12-31/);
  });

  it('activates the first alternate set when the first choice is missing', async () => {
    const { source, request, logger } = memorySource();
    source.rows = [...chunks('ts')];
    const p = pod('P', [entry('tas', { alternates: [['ts']] }), entry('ts', { requirement: 'alternate' })]);
    await request.run([p], CASE, OPTIONS);
    const [tas, ts] = p.varlist;
    expect(tas!.status).to.equal(Status.FAILED);
    expect(ts!.status).to.equal(Status.SUCCEEDED);
    expect(tas!.satisfied).to.equal(true);
    expect(p.failed).to.equal(false);
    expect(logger.lines).to.include('P/tas: using alternate ts');
  });

  it('walks alternates breadth-first: a sibling set before alternates of alternates', async () => {
    const { source, request } = memorySource();
    source.rows = [...chunks('b'), ...chunks('c')];
    const p = pod('P', [
      entry('v', { alternates: [['a'], ['b']] }),
      entry('a', { requirement: 'alternate', alternates: [['c']] }),
      entry('b', { requirement: 'alternate' }),
      entry('c', { requirement: 'alternate' }),
    ]);
    await request.run([p], CASE, OPTIONS);
    const byName = Object.fromEntries(p.varlist.map((v) => [v.name, v]));
    expect(byName.b!.status).to.equal(Status.SUCCEEDED);
    expect(byName.c!.status).to.equal(Status.INACTIVE);
    expect(byName.v!.triedAlternates.map((s) => s.map((m) => m.name))).to.deep.equal([['a'], ['b']]);
  });

  it('reaches alternates of alternates when the nearer sets fail', async () => {
    const { source, request } = memorySource();
    source.rows = chunks('c');
    const p = pod('P', [
      entry('v', { alternates: [['a', 'b']] }),
      entry('a', { requirement: 'alternate', alternates: [['c']] }),
      entry('b', { requirement: 'alternate' }),
      entry('c', { requirement: 'alternate' }),
    ]);
    await request.run([p], CASE, OPTIONS);
    expect(p.failed).to.equal(false);
    expect(p.varlist[0]!.activeAlternate!.map((m) => m.name)).to.deep.equal(['c']);
  });

  it('skips a set seen before when alternates point back at each other', async () => {
    const { source, request } = memorySource();
    source.rows = [];
    const p = pod('P', [
      entry('v', { alternates: [['a']] }),
      entry('a', { requirement: 'alternate', alternates: [['v'], ['a']] }),
    ]);
    await request.run([p], CASE, OPTIONS);
    expect(p.failed).to.equal(true);
    expect(p.varlist[0]!.triedAlternates).to.have.length(1);
  });

  it('removes a failed data key from every variable sharing it, and each falls back', async () => {
    const { source, request } = memorySource();
    source.rows = [...chunks('tas'), ...chunks('ts')];
    source.failing.add('M1/r1i1p1f1/gn/v1/tas_1985-1989.nc');
    const p1 = pod('P1', [entry('tas', { alternates: [['ts']] }), entry('ts', { requirement: 'alternate' })]);
    const p2 = pod('P2', [entry('tas', { alternates: [['ts']] }), entry('ts', { requirement: 'alternate' })]);
    await request.run([p1, p2], CASE, OPTIONS);
    for (const p of [p1, p2]) {
      expect(p.failed).to.equal(false);
      expect(p.varlist[0]!.failures.join()).to.match(/connection reset/);
      expect(p.varlist[1]!.status).to.equal(Status.SUCCEEDED);
    }
    // The shared key was fetched once although two PODs wanted it.
    expect(source.fetched.filter((f) => f.includes('tas_'))).to.have.length(1);
  });

  it('re-selects another experiment when a chosen chunk fails and another experiment covers the period', async () => {
    const { source, request } = memorySource();
    source.rows = [...chunks('tas', { version: 'v2' }), ...chunks('tas', { version: 'v1' })];
    source.failing.add('M1/r1i1p1f1/gn/v2/tas_1985-1989.nc');
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, OPTIONS);
    expect(p.varlist[0]!.status).to.equal(Status.SUCCEEDED);
    expect(p.varlist[0]!.selection!.experiment.version).to.equal('v1');
  });

  it('tries every candidate whose files fail one by one, however many, and then fails the variable (no cap error)', async () => {
    const { source, request } = memorySource();
    // Twelve versions of one variable, each one file covering the period, every file failing its fetch: each
    // pass fails the chosen one and selects the next, more passes than the variables alone would allow.
    for (let v = 1; v <= 12; v++) {
      source.rows.push({
        variable: 'tas',
        range: '198501-198912',
        version: `v${String(v).padStart(2, '0')}`,
      });
      source.failing.add(`M1/r1i1p1f1/gn/v${String(v).padStart(2, '0')}/tas_198501-198912.nc`);
    }
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, OPTIONS);
    expect(p.varlist[0]!.status).to.equal(Status.FAILED);
    expect(source.fetched).to.have.length(12);
    expect(p.failed).to.equal(true);
  });

  it('fails a preprocessing data key everywhere and falls back', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = [...chunks('tas'), ...chunks('ts')];
    preprocessor.failFor.add('P/tas');
    const p = pod('P', [entry('tas', { alternates: [['ts']] }), entry('ts', { requirement: 'alternate' })]);
    await request.run([p], CASE, OPTIONS);
    expect(p.varlist[0]!.failures.join()).to.match(/unreadable file/);
    expect(request.dataKeys.get('M1/r1i1p1f1/gn/v1/tas_1985-1989.nc')!.failure).to.equal('unreadable file');
    expect(p.varlist[1]!.status).to.equal(Status.SUCCEEDED);
  });

  it("reports an optional variable's failure without failing the POD", async () => {
    const { source, request } = memorySource();
    source.rows = chunks('tas');
    const p = pod('P', [entry('tas'), entry('areacella', { requirement: 'optional' })]);
    await request.run([p], CASE, OPTIONS);
    expect(p.failed).to.equal(false);
    expect(p.varlist[1]!.status).to.equal(Status.FAILED);
    expect(p.varlist[1]!.failures[0]).to.match(/no data found/);
  });

  it('fails a POD whose required variable has no viable alternate, listing every candidate and why', async () => {
    const { source, request } = memorySource();
    source.rows = chunks('ts').filter((r) => r.range !== '1985-1989');
    const p = pod('P', [
      entry('tas', { alternates: [['ts'], ['tsurf']] }),
      entry('ts', { requirement: 'alternate' }),
      entry('tsurf', { requirement: 'alternate' }),
      entry('pr'),
    ]);
    source.rows.push(...chunks('pr'));
    await request.run([p], CASE, OPTIONS);
    expect(p.failed).to.equal(true);
    expect(p.failure).to.include('required variable tas');
    expect(p.failure).to.match(/- tas: query: no data found/);
    expect(p.failure).to.match(/- alternate ts: .*none of 2 file\(s\) overlaps 1985-1989/);
    expect(p.failure).to.match(/- alternate tsurf: query: no data found/);
  });

  it("stops a failed POD's other variables from being fetched", async () => {
    const { source, request } = memorySource();
    source.rows = chunks('pr');
    const p = pod('P', [entry('tas'), entry('pr')]);
    await request.run([p], CASE, OPTIONS);
    expect(p.failed).to.equal(true);
    expect(source.fetched).to.deep.equal([]);
  });

  it('ends a non-converging loop at its iteration cap with a clear error', async () => {
    const { source, request } = memorySource();
    source.rows = [...chunks('tas'), ...chunks('ts')];
    source.failing.add('M1/r1i1p1f1/gn/v1/tas_1985-1989.nc');
    const p = pod('P', [entry('tas', { alternates: [['ts']] }), entry('ts', { requirement: 'alternate' })]);
    let error: unknown;
    try {
      await request.run([p], CASE, { ...OPTIONS, maxIterations: 1 });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(NonConvergenceError);
    expect((error as Error).message).to.match(/did not converge after 1 passes; still pending: P\/ts/);
  });

  it('a dry run stops after fetch checks and preprocesses nothing', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = chunks('tas');
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, { ...OPTIONS, dryRun: true });
    expect(p.varlist[0]!.stage).to.equal(Stage.FETCHED);
    expect(preprocessor.calls).to.deep.equal([]);
  });
});

describe('experiment selection', () => {
  it('chooses one experiment for every variable of every POD when one is common to all', async () => {
    const { source, request } = memorySource();
    source.rows = [
      ...chunks('tas', { source_id: 'A' }),
      ...chunks('tas', { source_id: 'B' }),
      ...chunks('pr', { source_id: 'B' }),
    ];
    const p1 = pod('P1', [entry('tas')]);
    const p2 = pod('P2', [entry('pr')]);
    await request.run([p1, p2], CASE, OPTIONS);
    expect(p1.varlist[0]!.selection!.experiment.source_id).to.equal('B');
    expect(p2.varlist[0]!.selection!.experiment.source_id).to.equal('B');
  });

  it('falls back to one choice per POD when nothing is common to the whole case', async () => {
    const { source, request } = memorySource();
    source.rows = [
      ...chunks('tas', { source_id: 'A' }),
      ...chunks('ts', { source_id: 'A' }),
      ...chunks('pr', { source_id: 'B' }),
      ...chunks('ts', { source_id: 'B' }),
    ];
    const p1 = pod('P1', [entry('tas'), entry('ts')]);
    const p2 = pod('P2', [entry('pr'), entry('ts')]);
    await request.run([p1, p2], CASE, OPTIONS);
    expect(p1.varlist.map((v) => v.selection!.experiment.source_id)).to.deep.equal(['A', 'A']);
    expect(p2.varlist.map((v) => v.selection!.experiment.source_id)).to.deep.equal(['B', 'B']);
  });

  it('falls back to per-variable choices when a POD has nothing in common', async () => {
    const { source, request } = memorySource();
    source.rows = [...chunks('tas', { source_id: 'A' }), ...chunks('pr', { source_id: 'B' })];
    const p = pod('P', [entry('tas'), entry('pr')]);
    await request.run([p], CASE, OPTIONS);
    expect(p.varlist.map((v) => v.selection!.experiment.source_id)).to.deep.equal(['A', 'B']);
  });

  it('keeps alternates activated later consistent with the experiment chosen earlier', async () => {
    const { source, request } = memorySource();
    source.rows = [
      ...chunks('pr', { source_id: 'A' }),
      ...chunks('pr', { source_id: 'B' }),
      ...chunks('ts', { source_id: 'B' }),
      ...chunks('ts', { source_id: 'A' }),
    ];
    const p = pod('P', [
      entry('pr'),
      entry('tas', { alternates: [['ts']] }),
      entry('ts', { requirement: 'alternate' }),
    ]);
    await request.run([p], CASE, OPTIONS);
    const chosen = p.varlist[0]!.selection!.experiment.source_id;
    expect(p.varlist[2]!.selection!.experiment.source_id).to.equal(chosen);
  });

  it("breaks ties with the plugin's tie-breakers: lowest member, newest version", async () => {
    const { source, request } = memorySource();
    source.rows = [
      ...chunks('tas', { member_id: 'r10i1p1f1', version: 'v20200101' }),
      ...chunks('tas', { member_id: 'r2i1p1f1', version: 'v20190101' }),
      ...chunks('tas', { member_id: 'r2i1p1f1', version: 'v20200101' }),
    ];
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, OPTIONS);
    const tas = p.varlist[0]!;
    expect(tas.selection!.experiment).to.include({ member_id: 'r2i1p1f1', version: 'v20200101' });
    expect(tas.decisions.join('\n'))
      .to.match(/tie-breaker "lowest ensemble member"/)
      .and.match(/tie-breaker "newest version"/);
  });

  it('under --strict, makes an ambiguous choice an error instead of using tie-breakers', async () => {
    const { source, request } = memorySource();
    source.rows = [...chunks('tas', { member_id: 'r1i1p1f1' }), ...chunks('tas', { member_id: 'r2i1p1f1' })];
    const p = pod('P', [entry('tas')]);
    let error: unknown;
    try {
      await request.run([p], CASE, { ...OPTIONS, strict: true });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(AmbiguityError);
    expect((error as Error).message).to.match(/ambiguous experiment .* 2 choices of source_id, member_id/);
  });

  it('under --strict, an unambiguous request succeeds', async () => {
    const { source, request } = memorySource();
    source.rows = chunks('tas');
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, { ...OPTIONS, strict: true });
    expect(p.varlist[0]!.status).to.equal(Status.SUCCEEDED);
  });

  it('drops an experiment whose chunks overlap, naming both files', async () => {
    const { source, request } = memorySource();
    source.rows = [
      ...chunks('tas', { source_id: 'A' }),
      { variable: 'tas', range: '1987-1991', source_id: 'A' },
      ...chunks('tas', { source_id: 'B' }),
    ];
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, OPTIONS);
    const tas = p.varlist[0]!;
    expect(tas.selection!.experiment.source_id).to.equal('B');
    expect(tas.decisions.join('\n')).to.match(
      /dropped source_id=A.*overlap: .*tas_1985-1989.nc and .*tas_1987-1991.nc both cover 1987-01-01 to 1989-12-31/,
    );
  });
});
