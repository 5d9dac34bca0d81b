import { expect } from 'chai';
import { parseTimeRange } from '../../src/catalog/dates.js';
import { analysisPeriod, checkCoverage, type TimeExtent } from '../../src/core/timeCoverage.js';

function extent(id: string, range: string): TimeExtent {
  const r = parseTimeRange(range)!;
  return { id, start: r.start, end: r.end };
}

describe('time coverage', () => {
  const period = analysisPeriod(1980, 1989);
  const table: { name: string; ranges: string[]; freq?: string; ok: boolean; reason?: RegExp }[] = [
    { name: 'daily chunks ending on Dec 31', ranges: ['19800101-19841231', '19850101-19891231'], ok: true },
    { name: '360_day chunks ending on Dec 30', ranges: ['19800101-19841230', '19850101-19891230'], ok: true },
    { name: 'monthly chunks', ranges: ['198001-198412', '198501-198912'], ok: true },
    { name: 'yearly chunks', ranges: ['1980-1984', '1985-1989'], ok: true },
    {
      name: '6-hourly chunks',
      ranges: ['1980010100-1984123118', '1985010100-1989123118'],
      freq: '6hr',
      ok: true,
    },
    {
      name: 'a missing year',
      ranges: ['1980-1984', '1986-1989'],
      ok: false,
      reason: /gap: nothing covers 1985-01-01 to 1985-12-31/,
    },
    { name: 'a missing day', ranges: ['19800101-19841230', '19850102-19891231'], ok: false, reason: /gap/ },
    {
      name: 'overlapping chunks',
      ranges: ['1980-1985', '1985-1989'],
      ok: false,
      reason: /overlap: .* both cover 1985-01-01 to 1985-12-31/,
    },
    {
      name: 'a late start',
      ranges: ['1981-1989'],
      ok: false,
      reason: /gap: nothing covers 1980-01-01 to 1980-12-31/,
    },
    {
      name: 'an early end',
      ranges: ['1980-1988'],
      ok: false,
      reason: /gap: nothing covers 1989-01-01 to 1989-12-31/,
    },
  ];
  for (const t of table) {
    it(`coverage with ${t.name}: ${t.ok ? 'ok' : 'fails'}`, () => {
      const result = checkCoverage(
        t.ranges.map((r, i) => extent(`f${i}`, r)),
        period,
        t.freq,
      );
      expect(result.ok).to.equal(t.ok);
      if (!result.ok && t.reason) expect(result.reason).to.match(t.reason);
    });
  }

  it('returns only the chunks that overlap the period, in time order', () => {
    const result = checkCoverage(
      [extent('c', '1990-1994'), extent('b', '1985-1989'), extent('a', '1975-1979')],
      analysisPeriod(1985, 1989),
    );
    expect(result.ok && result.chunks.map((c) => c.id)).to.deep.equal(['b']);
  });
});
