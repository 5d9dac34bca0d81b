import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FairpodError } from '../../src/core/errors.js';
import { Calendar, formatDateTime } from '../../src/preprocess/calendar.js';
import { NetcdfWriter } from '../../src/preprocess/netcdfWriter.js';
import { TimeUnits } from '../../src/preprocess/timeUnits.js';

const day = (year: number, month: number, d: number, hour = 0) => ({
  year,
  month,
  day: d,
  hour,
  minute: 0,
  second: 0,
});

describe('calendars and CF time units', () => {
  it('knows every CF calendar and alias, and fails clearly on others', () => {
    const lengths: Record<string, number> = {
      standard: 366,
      gregorian: 366,
      proleptic_gregorian: 366,
      julian: 366,
      noleap: 365,
      '365_day': 365,
      all_leap: 366,
      '366_day': 366,
      '360_day': 360,
    };
    for (const [name, days] of Object.entries(lengths)) {
      const cal = Calendar.of(name);
      expect(cal.dayNumber(2001, 1, 1) - cal.dayNumber(2000, 1, 1), name).to.equal(days);
    }
    expect(() => Calendar.of('lunar', { file: 'x.nc', key: 'time:calendar' })).to.throw(
      FairpodError,
      'unknown calendar "lunar"',
    );
    expect(Calendar.of(undefined).name).to.equal('standard');
  });

  it('applies each calendar’s leap rule to 1900 and 2100 (Julian leap, Gregorian not)', () => {
    expect(Calendar.of('julian').daysInMonth(1900, 2)).to.equal(29);
    expect(Calendar.of('proleptic_gregorian').daysInMonth(1900, 2)).to.equal(28);
    expect(Calendar.of('standard').daysInMonth(2100, 2)).to.equal(28);
    expect(Calendar.of('all_leap').daysInMonth(2001, 2)).to.equal(29);
    expect(Calendar.of('360_day').daysInMonth(2001, 2)).to.equal(30);
    expect(Calendar.of('standard').daysInMonth(1500, 2)).to.equal(29);
  });

  it('switches the standard calendar from Julian to Gregorian after 1582-10-04', () => {
    const std = Calendar.of('standard');
    expect(std.dayNumber(1582, 10, 15) - std.dayNumber(1582, 10, 4)).to.equal(1);
    expect(std.isValid(day(1582, 10, 10))).to.equal(false);
    expect(std.fromDayNumber(std.dayNumber(1582, 10, 4) + 1)).to.deep.equal({
      year: 1582,
      month: 10,
      day: 15,
    });
    const pg = Calendar.of('proleptic_gregorian');
    expect(pg.dayNumber(1582, 10, 15) - pg.dayNumber(1582, 10, 4)).to.equal(11);
  });

  it('round-trips every day of 1999–2001 and of year 0–1 in every calendar', () => {
    for (const name of ['standard', 'proleptic_gregorian', 'julian', 'noleap', 'all_leap', '360_day']) {
      const cal = Calendar.of(name);
      for (const year of [0, 1, 1999, 2000, 2001]) {
        for (let m = 1; m <= 12; m++) {
          for (let d = 1; d <= cal.daysInMonth(year, m); d++) {
            expect(cal.fromDayNumber(cal.dayNumber(year, m, d)), `${name} ${year}-${m}-${d}`).to.deep.equal({
              year,
              month: m,
              day: d,
            });
          }
        }
      }
    }
  });

  it('decodes and encodes `<unit> since <date>` in seconds, minutes, hours and days, with time zones', () => {
    const noleap = TimeUnits.parse('days since 1980-01-01', 'noleap');
    expect(formatDateTime(noleap.decode(365))).to.equal('1981-01-01 00:00:00');
    expect(formatDateTime(noleap.decode(59.5))).to.equal('1980-03-01 12:00:00');
    const std = TimeUnits.parse('days since 1980-01-01', 'standard');
    expect(formatDateTime(std.decode(59.5))).to.equal('1980-02-29 12:00:00');
    const d360 = TimeUnits.parse('hours since 1850-1-1 00:00:00', '360_day');
    expect(d360.encode(day(1851, 1, 1))).to.equal(360 * 24);
    expect(
      TimeUnits.parse('seconds since 2000-01-01T00:00:00Z', 'gregorian').encode(day(2000, 1, 2)),
    ).to.equal(86400);
    expect(
      TimeUnits.parse('minutes since 2000-01-01 00:00:00 +01:00', 'standard').encode(day(2000, 1, 1)),
    ).to.equal(60);
    expect(TimeUnits.parse('days since 1980-01-01', 'noleap').startOfYear(1985)).to.equal(5 * 365);
    expect(() => TimeUnits.parse('months since 1980-01-01', 'standard')).to.throw(
      FairpodError,
      'not "<unit> since <date>"',
    );
    expect(() => TimeUnits.parse('days since 1980-02-30', 'standard')).to.throw(
      FairpodError,
      'does not exist in the standard calendar',
    );
    expect(TimeUnits.parse('days since 1980-02-30', '360_day').encode(day(1980, 3, 1))).to.equal(1);
  });

  it('decodes time axes as CDO does (every calendar CDO knows) and as cftime does (all of them)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairpod-cal-'));
    try {
      const values = [0, 31.25, 59, 365, 730.5, 1461, 2000];
      for (const calendar of ['standard', 'proleptic_gregorian', 'julian', 'noleap', 'all_leap', '360_day']) {
        const units = TimeUnits.parse('days since 1899-12-01 00:00:00', calendar);
        const ours = values.map((v) => formatDateTime(units.decode(v)).replace(' ', 'T'));
        const script = `import cftime; print(' '.join(d.strftime('%Y-%m-%dT%H:%M:%S') for d in cftime.num2date(${JSON.stringify(values)}, 'days since 1899-12-01 00:00:00', '${calendar}')))`;
        expect(ours, `${calendar} (cftime)`).to.deep.equal(
          execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }).trim().split(' '),
        );
        // CDO 2.1 reads "julian" as the standard calendar, so it is no reference for that one.
        if (calendar === 'julian') continue;
        const file = path.join(dir, `${calendar}.nc`);
        const w = await NetcdfWriter.create(file);
        w.defineDimension({ name: 'time', size: values.length, unlimited: true });
        w.defineVariable({
          name: 'time',
          dtype: 'f8',
          dimensions: ['time'],
          data: values,
          attributes: { units: 'days since 1899-12-01 00:00:00', calendar },
        });
        w.defineDimension({ name: 'x', size: 1 });
        w.defineVariable({ name: 'v', dtype: 'f4', dimensions: ['time', 'x'], data: values.map(() => 1) });
        await w.close();
        const cdo = execFileSync('cdo', ['-s', 'showtimestamp', file], { encoding: 'utf8' })
          .trim()
          .split(/\s+/);
        expect(ours, `${calendar} (CDO)`).to.deep.equal(cdo);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
