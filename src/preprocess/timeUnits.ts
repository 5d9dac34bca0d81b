import { FairpodError } from '../core/errors.js';
import { Calendar } from './calendar.js';
import type { CfDateTime } from './calendar.js';

/** Seconds in each time unit CF allows before `since` (months and years are ambiguous in CF and refused). */
const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  seconds: 1,
  sec: 1,
  secs: 1,
  s: 1,
  minute: 60,
  minutes: 60,
  min: 60,
  mins: 60,
  hour: 3600,
  hours: 3600,
  hr: 3600,
  hrs: 3600,
  h: 3600,
  day: 86400,
  days: 86400,
  d: 86400,
};

const REFERENCE =
  /^(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})(?::(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/**
 * A CF time axis encoding: `<unit> since <reference date>` in a calendar. Converts stored numbers to calendar
 * date-times and back.
 */
export class TimeUnits {
  // Whole days and seconds are kept apart: a day number near 2.4e6 (Julian days) plus a fraction of a day would
  // lose about 1e-5 s to rounding, visible as 59.9999998 minutes.
  private readonly referenceDay: number;
  private readonly referenceSecond: number;

  private constructor(
    /** The units string as given. */
    readonly units: string,
    readonly calendar: Calendar,
    /** Length of one unit in seconds. */
    readonly unitSeconds: number,
    readonly reference: CfDateTime,
  ) {
    this.referenceDay = calendar.dayNumber(reference.year, reference.month, reference.day);
    this.referenceSecond = reference.hour * 3600 + reference.minute * 60 + reference.second;
  }

  /** Parses `days since 1980-01-01`, `hours since 1850-1-1 00:00:00`, `seconds since 2000-01-01T00:00:00Z` ... */
  static parse(
    units: string,
    calendar: string | Calendar | undefined,
    where: { file?: string; key?: string } = {},
  ): TimeUnits {
    const cal = calendar instanceof Calendar ? calendar : Calendar.of(calendar, where);
    const m = /^\s*(\w+)\s+since\s+(.+?)\s*$/i.exec(units);
    const seconds = m ? UNIT_SECONDS[m[1].toLowerCase()] : undefined;
    const ref = m ? REFERENCE.exec(m[2]) : null;
    if (!m || seconds === undefined || !ref) {
      throw new FairpodError(`time units "${units}" are not "<unit> since <date>"`, {
        location: where,
        hint: 'CF time units look like "days since 1980-01-01 00:00:00"; the unit is seconds, minutes, hours or days',
      });
    }
    const reference: CfDateTime = {
      year: Number(ref[1]),
      month: Number(ref[2]),
      day: Number(ref[3]),
      hour: Number(ref[4] ?? 0),
      minute: Number(ref[5] ?? 0),
      second: Number(ref[6] ?? 0),
    };
    if (!cal.isValid(reference)) {
      throw new FairpodError(`reference date of "${units}" does not exist in the ${cal.name} calendar`, {
        location: where,
        hint: 'fix the units attribute',
      });
    }
    const zone = ref[7]?.toUpperCase();
    if (zone && zone !== 'Z' && zone !== 'UTC' && zone !== 'GMT') {
      // Offsets shift the reference to UTC, as CF specifies.
      const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
      const shiftMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
      const local = new TimeUnits(units, cal, 60, reference);
      return new TimeUnits(units, cal, seconds, local.decode(-shiftMinutes));
    }
    return new TimeUnits(units, cal, seconds, reference);
  }

  /** The date-time of a stored value. */
  decode(value: number): CfDateTime {
    // Rounded to the millisecond, as stored times are.
    const total = Math.round((this.referenceSecond + value * this.unitSeconds) * 1000);
    const days = Math.floor(total / 86400000);
    const ms = total - days * 86400000;
    const { year, month, day } = this.calendar.fromDayNumber(this.referenceDay + days);
    return {
      year,
      month,
      day,
      hour: Math.floor(ms / 3600000),
      minute: Math.floor((ms % 3600000) / 60000),
      second: (ms % 60000) / 1000,
    };
  }

  /** The stored value of a date-time (which must exist in this calendar). */
  encode(date: CfDateTime): number {
    const days = this.calendar.dayNumber(date.year, date.month, date.day) - this.referenceDay;
    const seconds = date.hour * 3600 + date.minute * 60 + date.second - this.referenceSecond;
    return (days * 86400 + seconds) / this.unitSeconds;
  }

  /** The stored value of midnight on 1 January of `year`: crop boundaries are built from it. */
  startOfYear(year: number): number {
    return this.encode({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  }
}
