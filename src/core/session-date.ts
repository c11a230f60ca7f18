/**
 * The exchange's trading day: the calendar date in New York (America/New_York) of a market time, as a
 * day number (days since 1970-01-01 of that date). Offsets from UTC are whole hours, so the date is the
 * same for every time within one UTC hour: the last hour's answer is kept and reused.
 */
import { DAY_MS } from './units.js';

const HOUR_MS = 3_600_000;
const NEW_YORK_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

let cachedHour = Number.NaN;
let cachedDay = Number.NaN;

/** The New York date of `time` (epoch ms), as days since 1970-01-01. */
export function sessionDay(time: number): number {
  const hour = Math.floor(time / HOUR_MS);
  if (hour !== cachedHour) {
    // en-CA formats as YYYY-MM-DD.
    const [year, month, day] = NEW_YORK_DATE.format(time).split('-').map(Number) as [number, number, number];
    cachedDay = Date.UTC(year, month - 1, day) / DAY_MS;
    cachedHour = hour;
  }
  return cachedDay;
}

/** A day number as YYYY-MM-DD. */
export const formatSessionDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
