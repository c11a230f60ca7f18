/**
 * The exchange's trading day: the calendar date in New York (America/New_York) of a market time, as a
 * day number (days since 1970-01-01 of that date). Offsets from UTC are whole hours, so the date is the
 * same for every time within one UTC hour, and New York's offset is 4 or 5 hours: the answer is kept
 * for the UTC hours sure to be the same date.
 */
import { DAY_MS } from './units.js';

const HOUR_MS = 3_600_000;
const NEW_YORK_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

let cachedDay = Number.NaN;
/** The UTC hours (since the epoch) known to fall on `cachedDay`, as [from, to). */
let cachedFrom = Number.NaN;
let cachedTo = Number.NaN;

/** The New York date of `time` (epoch ms), as days since 1970-01-01. */
export function sessionDay(time: number): number {
  const hour = Math.floor(time / HOUR_MS);
  if (hour >= cachedFrom && hour < cachedTo) return cachedDay;
  // en-CA formats as YYYY-MM-DD.
  const [year, month, day] = NEW_YORK_DATE.format(time).split('-').map(Number) as [number, number, number];
  cachedDay = Date.UTC(year, month - 1, day) / DAY_MS;
  // With New York 4 (EDT) or 5 (EST) hours behind UTC, the date's UTC hours are [midnight + 4 or 5,
  // midnight + 28 or 29): those from + 5 to + 28 are on it whatever the offset, and so is this one.
  const midnight = cachedDay * 24;
  const usual = hour >= midnight + 4 && hour < midnight + 29;
  cachedFrom = usual ? Math.min(hour, midnight + 5) : hour;
  cachedTo = usual ? Math.max(hour + 1, midnight + 28) : hour + 1;
  return cachedDay;
}

/** A day number as YYYY-MM-DD. */
export const formatSessionDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
