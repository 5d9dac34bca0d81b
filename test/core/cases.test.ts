import { expect } from 'chai';
import { nameOccursIn, seriesDirectory } from '../../src/core/caseMatch.js';
import { AmbiguityError } from '../../src/core/selection.js';
import { Status } from '../../src/core/varlist.js';
import { CASE, OPTIONS, entry, memorySource, pod, type MemoryRow } from './support.js';

/** Two model runs whose files share every facet: only their directories differ (MDTF's case layout). */
function twoRuns(): MemoryRow[] {
  return [
    { variable: 'tas', range: '1980-1984', dir: 'runs/amip_A' },
    { variable: 'tas', range: '1985-1989', dir: 'runs/amip_B' },
  ];
}

describe('cases: matching a case against the data', () => {
  it('nameOccursIn finds a name only as a whole part of a path', () => {
    expect(nameOccursIn('CMIP_Synthetic', '/d/CMIP_Synthetic_r1i1p1f1_gr1_19800101-19841231/day')).to.equal(
      true,
    );
    expect(nameOccursIn('C', '/d/CMIP6/C_tas.nc')).to.equal(true);
    expect(nameOccursIn('C', '/d/CMIP6/tas.nc')).to.equal(false);
    expect(nameOccursIn('amip', '/d/amip2/tas.nc')).to.equal(false);
    expect(nameOccursIn('', '/d/tas.nc')).to.equal(false);
  });

  it('seriesDirectory is the directory of a path or of a URL', () => {
    expect(seriesDirectory('/d/run/tas_1980.nc')).to.equal('/d/run');
    expect(seriesDirectory('https://h:8080/data/run/tas.nc?sig=1')).to.equal('https://h:8080/data/run');
  });

  it('never stitches two model runs with the same facets into one series', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = twoRuns();
    const p = pod('P', [entry('tas')]);
    await request.run([p], { ...CASE, firstYear: 1980, lastYear: 1989 }, OPTIONS);
    const tas = p.varlist[0]!;
    expect(tas.status).to.equal(Status.FAILED);
    expect(preprocessor.calls).to.deep.equal([]);
    expect(tas.failures.join()).to.match(/no experiment's files cover the analysis period/);
    const dropped = tas.decisions.filter((d) => d.startsWith('dropped'));
    expect(dropped.join('\n')).to.include('(directory)=runs/amip_A').and.include('(directory)=runs/amip_B');
    expect(p.failed).to.equal(true);
  });

  it('keeps only the files whose path names the case', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = [
      { variable: 'tas', range: '1980-1989', dir: 'runs/amip_A' },
      { variable: 'tas', range: '1980-1989', dir: 'runs/amip_B' },
    ];
    const p = pod('P', [entry('tas')]);
    await request.run([p], { ...CASE, name: 'amip_B', firstYear: 1981, lastYear: 1982 }, OPTIONS);
    expect(preprocessor.calls[0]!.files).to.deep.equal(['runs/amip_B/M1/r1i1p1f1/gn/v1/tas_1980-1989.nc']);
    expect(p.varlist[0]!.decisions.join('\n')).to.include(
      'dropped 1 file(s) whose path does not name case amip_B',
    );
  });

  it('fails a variable none of whose files names a case that other variables found', async () => {
    const { source, request } = memorySource();
    source.rows = [
      { variable: 'tas', range: '1980-1989', dir: 'runs/amip_A' },
      { variable: 'pr', range: '1980-1989', dir: 'runs/amip_B' },
    ];
    const p = pod('P', [entry('tas'), entry('pr', { requirement: 'optional' })]);
    await request.run([p], { ...CASE, name: 'amip_A', firstYear: 1981, lastYear: 1982 }, OPTIONS);
    const [tas, pr] = p.varlist;
    expect(tas!.status).to.equal(Status.SUCCEEDED);
    expect(pr!.failures.join()).to.match(/query: none of 1 file\(s\) has case name amip_A in its path/);
  });

  it('a case name no path holds does not filter, and says so', async () => {
    const { source, request, preprocessor } = memorySource();
    source.rows = twoRuns();
    const p = pod('P', [entry('tas')]);
    await request.run([p], { ...CASE, firstYear: 1986, lastYear: 1987 }, OPTIONS);
    expect(preprocessor.calls[0]!.files).to.deep.equal(['runs/amip_B/M1/r1i1p1f1/gn/v1/tas_1985-1989.nc']);
    expect(p.varlist[0]!.decisions.join('\n')).to.include('no file found names case TEST in its path');
  });

  it('picks one of two runs that each cover the period, saying so; --strict refuses', async () => {
    const rows: MemoryRow[] = [
      { variable: 'tas', range: '1980-1989', dir: 'runs/amip_A' },
      { variable: 'tas', range: '1980-1989', dir: 'runs/amip_B' },
    ];
    const { source, request, preprocessor } = memorySource();
    source.rows = rows;
    const p = pod('P', [entry('tas')]);
    await request.run([p], CASE, OPTIONS);
    expect(preprocessor.calls[0]!.files).to.have.length(1);
    expect(p.varlist[0]!.decisions.join('\n')).to.match(/dropped \{.*runs\/amip_B.*no tie-breaker decides/);

    const strict = memorySource();
    strict.source.rows = rows;
    const q = pod('P', [entry('tas')]);
    let error: unknown;
    await strict.request.run([q], CASE, { ...OPTIONS, strict: true }).catch((e: unknown) => {
      error = e;
    });
    expect(error).to.be.instanceOf(AmbiguityError);
    expect((error as Error).message).to.include('(directory)');
  });

  it("translates to the case's data convention instead of the POD's own", async () => {
    const seen: string[] = [];
    const { source, request } = memorySource({
      translate: (req, convention) => {
        seen.push(convention);
        return { convention, name: req.name, standard_name: req.standard_name, scalar_coordinates: {} };
      },
    });
    source.rows = [{ variable: 'tas', range: '1980-1989' }];
    await request.run([pod('P', [entry('tas')])], { ...CASE, convention: 'cesm' }, OPTIONS);
    await request.run([pod('Q', [entry('tas')])], CASE, OPTIONS);
    expect(seen).to.deep.equal(['cesm', 'cmip']);
  });
});
