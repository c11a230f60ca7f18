/**
 * The simulated market's calendar: weekdays only, a 9:30–16:00 New York session, taken as
 * 14:30–21:00 UTC all year (daylight saving time is ignored, the market being simulated).
 */
import { DAY_MS, SESSION_MINUTES } from '../core/units.js';
import { TIMEFRAME_MINUTES, type Timeframe } from '../core/model.js';

const SESSION_OPEN_UTC_MS = (14 * 60 + 30) * 60_000;
/** A Monday: the first day of every simulated history. */
export const SIM_FIRST_DAY_MS = Date.UTC(2025, 0, 6);

export function barsPerSession(timeframe: Timeframe): number {
  return Math.ceil(SESSION_MINUTES / TIMEFRAME_MINUTES[timeframe]);
}

/** Opening time of the bar with this index, counting from the first bar of the first day. */
export function simBarTime(index: number, timeframe: Timeframe): number {
  const perSession = barsPerSession(timeframe);
  const tradingDay = Math.floor(index / perSession);
  const barInDay = index - tradingDay * perSession;
  const week = Math.floor(tradingDay / 5);
  const weekday = tradingDay - week * 5;
  const dayStart = SIM_FIRST_DAY_MS + (week * 7 + weekday) * DAY_MS;
  return dayStart + SESSION_OPEN_UTC_MS + barInDay * TIMEFRAME_MINUTES[timeframe] * 60_000;
}

/** Bars a history of `periodDays` calendar days holds (five trading days a week). */
export function barsInPeriod(periodDays: number, timeframe: Timeframe): number {
  const tradingDays = Math.max(1, Math.round((periodDays * 5) / 7));
  return tradingDays * barsPerSession(timeframe);
}
