import { FairpodError } from '../core/errors.js';

/** A calendar date and time of day, in whatever calendar it belongs to (fields are not JS Date's). */
export interface CfDateTime {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 (1–30 in 360_day) */
  day: number;
  hour: number;
  minute: number;
  /** May be fractional. */
  second: number;
}

/** The CF calendars fairpod knows, by canonical name. */
export type CalendarName = 'standard' | 'proleptic_gregorian' | 'noleap' | 'all_leap' | '360_day' | 'julian';

/** CF names and their aliases. */
const CALENDAR_ALIASES: Record<string, CalendarName> = {
  standard: 'standard',
  gregorian: 'standard',
  proleptic_gregorian: 'proleptic_gregorian',
  noleap: 'noleap',
  '365_day': 'noleap',
  all_leap: 'all_leap',
  '366_day': 'all_leap',
  '360_day': '360_day',
  julian: 'julian',
};

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Day arithmetic in one CF calendar. Each calendar counts days from its own origin; only differences within one
 * calendar are meaningful. Hand-written: no maintained npm package covers the CF non-standard calendars.
 */
export class Calendar {
  private constructor(readonly name: CalendarName) {}

  /** The calendar for a CF `calendar` attribute (case-insensitive; absent means `standard`). */
  static of(name: string | undefined, where: { file?: string; key?: string } = {}): Calendar {
    const canonical = CALENDAR_ALIASES[(name ?? 'standard').trim().toLowerCase()];
    if (!canonical) {
      throw new FairpodError(`unknown calendar "${name}"`, {
        location: where,
        hint: `fairpod knows the CF calendars ${Object.keys(CALENDAR_ALIASES).join(', ')}`,
      });
    }
    return new Calendar(canonical);
  }

  /** Whether `year` has a 29 February (or, in 360_day, never). */
  isLeapYear(year: number): boolean {
    switch (this.name) {
      case 'noleap':
      case '360_day':
        return false;
      case 'all_leap':
        return true;
      case 'julian':
        return mod(year, 4) === 0;
      case 'proleptic_gregorian':
        return gregorianLeap(year);
      case 'standard':
        return year > 1582 ? gregorianLeap(year) : mod(year, 4) === 0;
    }
  }

  /** Days in a month of a year. */
  daysInMonth(year: number, month: number): number {
    if (this.name === '360_day') return 30;
    return month === 2 && this.isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
  }

  /** Whether the fields name a real date in this calendar. */
  isValid(d: CfDateTime): boolean {
    if (
      !Number.isInteger(d.year) ||
      d.month < 1 ||
      d.month > 12 ||
      d.day < 1 ||
      d.day > this.daysInMonth(d.year, d.month)
    )
      return false;
    // The standard calendar skips 1582-10-05 .. 1582-10-14 (Julian → Gregorian switch).
    return !(this.name === 'standard' && d.year === 1582 && d.month === 10 && d.day > 4 && d.day < 15);
  }

  /** The whole day number of a date (fractional part of the day excluded). */
  dayNumber(year: number, month: number, day: number): number {
    switch (this.name) {
      case '360_day':
        return year * 360 + (month - 1) * 30 + (day - 1);
      case 'noleap':
      case 'all_leap': {
        const perYear = this.name === 'noleap' ? 365 : 366;
        let days = year * perYear;
        for (let m = 1; m < month; m++) days += this.daysInMonth(year, m);
        return days + day - 1;
      }
      case 'julian':
        return julianDayNumber(year, month, day, false);
      case 'proleptic_gregorian':
        return julianDayNumber(year, month, day, true);
      case 'standard': {
        const gregorian = year > 1582 || (year === 1582 && (month > 10 || (month === 10 && day >= 15)));
        return julianDayNumber(year, month, day, gregorian);
      }
    }
  }

  /** The date of a whole day number (inverse of `dayNumber`). */
  fromDayNumber(n: number): { year: number; month: number; day: number } {
    switch (this.name) {
      case '360_day': {
        const year = Math.floor(n / 360);
        const rest = n - year * 360;
        return { year, month: Math.floor(rest / 30) + 1, day: (rest % 30) + 1 };
      }
      case 'noleap':
      case 'all_leap': {
        const perYear = this.name === 'noleap' ? 365 : 366;
        const year = Math.floor(n / perYear);
        let rest = n - year * perYear;
        let month = 1;
        while (rest >= this.daysInMonth(year, month)) rest -= this.daysInMonth(year, month++);
        return { year, month, day: rest + 1 };
      }
      case 'julian':
        return fromJulianDayNumber(n, false);
      case 'proleptic_gregorian':
        return fromJulianDayNumber(n, true);
      case 'standard':
        // JDN 2299161 is 1582-10-15, the first Gregorian day.
        return fromJulianDayNumber(n, n >= 2299161);
    }
  }
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function gregorianLeap(year: number): boolean {
  return mod(year, 4) === 0 && (mod(year, 100) !== 0 || mod(year, 400) === 0);
}

/** Julian Day Number (Fliegel–Van Flandern style, valid for negative years too). */
function julianDayNumber(year: number, month: number, day: number, gregorian: boolean): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  const base = day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4);
  return gregorian ? base - Math.floor(y / 100) + Math.floor(y / 400) - 32045 : base - 32083;
}

function fromJulianDayNumber(jdn: number, gregorian: boolean): { year: number; month: number; day: number } {
  let b: number;
  let c: number;
  if (gregorian) {
    const a = jdn + 32044;
    b = Math.floor((4 * a + 3) / 146097);
    c = a - Math.floor((146097 * b) / 4);
  } else {
    b = 0;
    c = jdn + 32082;
  }
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: 100 * b + d - 4800 + Math.floor(m / 10),
  };
}

/** Orders two date-times (negative, zero, positive). Valid across calendars because it compares fields. */
export function compareDateTime(a: CfDateTime, b: CfDateTime): number {
  return (
    a.year - b.year ||
    a.month - b.month ||
    a.day - b.day ||
    a.hour - b.hour ||
    a.minute - b.minute ||
    a.second - b.second
  );
}

/** ISO-like text of a date-time: `YYYY-MM-DD hh:mm:ss` (seconds fractional only when needed). */
export function formatDateTime(d: CfDateTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const sec = Number.isInteger(d.second) ? p(d.second) : d.second.toFixed(3).padStart(6, '0');
  return `${d.year < 0 ? '-' : ''}${p(Math.abs(d.year), 4)}-${p(d.month)}-${p(d.day)} ${p(d.hour)}:${p(d.minute)}:${sec}`;
}
