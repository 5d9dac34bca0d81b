/**
 * Dates as catalogs and file names write them, compared without a calendar.
 *
 * Model calendars (noleap, 360_day, ...) have dates a Gregorian `Date` rejects or shifts (`2000-02-30`), so a
 * date is kept as its written fields and compared through sortable integer keys `yyyymmddhhmmss`. A date written
 * with less precision covers a period: `1984` runs from 1984-01-01 00:00:00 to 1984-12-31 23:59:59, and the key of
 * its end uses day 31 / hour 23 / minute 59 for whatever is unwritten, which sorts after every real instant of it.
 */
import { ValidationError } from '../core/errors.js';

/** How much of a date was written. */
export type DatePrecision = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

/** A parsed catalog date: its written fields and the sortable keys of the first and last instant it covers. */
export interface CatalogDate {
  year: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  precision: DatePrecision;
  /** `yyyymmddhhmmss` of the first instant the date covers (e.g. 19840101000000 for `1984`). */
  first: number;
  /** `yyyymmddhhmmss` sorting at or after the last instant the date covers (e.g. 19841231235959 for `1984`). */
  last: number;
}

/** A closed period between two catalog dates. */
export interface CatalogPeriod {
  start: CatalogDate;
  end: CatalogDate;
}

// Compact forms as file names write them (yyyy, yyyymm, yyyymmdd, yyyymmddhh, yyyymmddhhmm, yyyymmddhhmmss).
const COMPACT = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?$/;
// ISO forms as catalogs write them: 1980, 1980-01, 1980-01-01, 1980-01-01T00:00[:00[.000]][Z], space instead of T.
const ISO_BODY = String.raw`(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?)?)?Z?`;
const ISO = new RegExp(`^${ISO_BODY}$`);
const ISO_RANGE = new RegExp(
  `^(${ISO_BODY.replace(/\((?!\?)/g, '(?:')})-(${ISO_BODY.replace(/\((?!\?)/g, '(?:')})$`,
);
const COMPACT_RANGE = /^(\d{4,14})-(\d{4,14})$/;

const PRECISIONS: DatePrecision[] = ['year', 'month', 'day', 'hour', 'minute', 'second'];
// Fill-ins for unwritten fields at the start and at the end of the covered period.
const FIRST_FILL = [0, 1, 1, 0, 0, 0];
const LAST_FILL = [0, 12, 31, 23, 59, 59];
const FIELD_MAX = [9999, 12, 31, 24, 59, 60];
const FIELD_MIN = [0, 1, 1, 0, 0, 0];

/** Parses `s` into a catalog date, or returns undefined when it is not one of the accepted forms. */
export function tryParseCatalogDate(s: string): CatalogDate | undefined {
  const text = s.trim();
  const m = COMPACT.exec(text) ?? ISO.exec(text);
  if (!m) return undefined;
  const fields: number[] = [];
  for (let i = 1; i <= 6 && m[i] !== undefined; i++) fields.push(Number(m[i]));
  for (let i = 0; i < fields.length; i++) {
    if (fields[i] < FIELD_MIN[i] || fields[i] > FIELD_MAX[i]) return undefined;
  }
  const key = (fill: number[]): number => {
    let k = 0;
    for (let i = 0; i < 6; i++) k = k * (i === 0 ? 1 : 100) + (i < fields.length ? fields[i] : fill[i]);
    return k;
  };
  return {
    year: fields[0],
    month: fields[1],
    day: fields[2],
    hour: fields[3],
    minute: fields[4],
    second: fields[5],
    precision: PRECISIONS[fields.length - 1],
    first: key(FIRST_FILL),
    last: key(LAST_FILL),
  };
}

/**
 * Parses a date as catalogs and file names write it: `yyyy`, `yyyymm`, `yyyymmdd`, `yyyymmddhh[mm[ss]]`, or ISO
 * (`1980-01-01`, `1980-01-01T06:00:00Z`, `1980-01-01 06:00:00`). Throws a ValidationError for anything else.
 */
export function parseCatalogDate(s: string): CatalogDate {
  const date = tryParseCatalogDate(s);
  if (!date) {
    throw new ValidationError(`'${s}' is not a date`, {
      hint: 'write dates as yyyy, yyyymm, yyyymmdd, yyyymmddhh[mm] or ISO (1980-01-01, 1980-01-01T00:00:00)',
    });
  }
  return date;
}

/**
 * Parses a period written as one string: `1980-01-01-1984-12-31`, `19800101-19841231`, `1980-1984`,
 * `1990-01-01 00:00:00-2009-12-31 00:00:00`. Returns undefined when `s` is not such a period.
 */
export function parseTimeRange(s: string): CatalogPeriod | undefined {
  const text = s.trim();
  const m = COMPACT_RANGE.exec(text) ?? ISO_RANGE.exec(text);
  if (!m) return undefined;
  const start = tryParseCatalogDate(m[1]);
  const end = tryParseCatalogDate(m[2]);
  return start && end ? { start, end } : undefined;
}

/** The ISO spelling of a date to the precision it was written with (`198001` → `1980-01`). */
export function formatCatalogDate(d: CatalogDate): string {
  const pad = (n: number | undefined): string => String(n).padStart(2, '0');
  let out = String(d.year).padStart(4, '0');
  if (d.month !== undefined) out += `-${pad(d.month)}`;
  if (d.day !== undefined) out += `-${pad(d.day)}`;
  if (d.hour !== undefined) out += `T${pad(d.hour)}:${pad(d.minute ?? 0)}`;
  if (d.second !== undefined) out += `:${pad(d.second)}`;
  return out;
}

/** True when the closed key intervals [aFirst, aLast] and [bFirst, bLast] share an instant. */
export function periodsOverlap(aFirst: number, aLast: number, bFirst: number, bLast: number): boolean {
  return aFirst <= bLast && bFirst <= aLast;
}
