/** Making, reading and cutting `BarColumns` (a symbol's bars as six columns of numbers). */
import type { Bar, BarColumns } from './model.js';

const COLUMN_KEYS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Up to this many bars, each column is an array of its own: V8 keeps an array of at most 64 bytes inside
 * the JS heap (no buffer of its own to allocate and sweep), and a view into a shared buffer would give it one.
 */
const SMALL_COLUMNS_BARS = 8;

/**
 * Columns for `length` bars, filled with zeros: a round's few new bars in six small arrays, more (a
 * backfill's) in one buffer for the six.
 */
export function barColumns(length: number): BarColumns {
  if (length <= SMALL_COLUMNS_BARS) {
    return {
      length,
      time: new Float64Array(length),
      open: new Float64Array(length),
      high: new Float64Array(length),
      low: new Float64Array(length),
      close: new Float64Array(length),
      volume: new Float64Array(length),
    };
  }
  const numbers = new Float64Array(length * 6);
  const column = (k: number): Float64Array => numbers.subarray(k * length, (k + 1) * length);
  return {
    length,
    time: column(0),
    open: column(1),
    high: column(2),
    low: column(3),
    close: column(4),
    volume: column(5),
  };
}

export const NO_BARS: BarColumns = barColumns(0);

export function columnsFromBars(bars: readonly Bar[]): BarColumns {
  const columns = barColumns(bars.length);
  for (let i = 0; i < bars.length; i++) setBar(columns, i, bars[i] as Bar);
  return columns;
}

export function setBar(columns: BarColumns, i: number, bar: Bar): void {
  columns.time[i] = bar.time;
  columns.open[i] = bar.open;
  columns.high[i] = bar.high;
  columns.low[i] = bar.low;
  columns.close[i] = bar.close;
  columns.volume[i] = bar.volume;
}

export function barAt(columns: BarColumns, i: number): Bar {
  return {
    time: columns.time[i] as number,
    open: columns.open[i] as number,
    high: columns.high[i] as number,
    low: columns.low[i] as number,
    close: columns.close[i] as number,
    volume: columns.volume[i] as number,
  };
}

/** The bars as objects (a round's few new bars, tests). */
export function barsFromColumns(columns: BarColumns): Bar[] {
  const bars = new Array<Bar>(columns.length);
  for (let i = 0; i < columns.length; i++) bars[i] = barAt(columns, i);
  return bars;
}

/** Bars `start` (inclusive) to `end` (exclusive), copied: the result never holds on to the larger buffer. */
export function sliceColumns(columns: BarColumns, start: number, end = columns.length): BarColumns {
  const from = Math.max(0, Math.min(start, columns.length));
  const to = Math.max(from, Math.min(end, columns.length));
  if (from === 0 && to === columns.length) return columns;
  if (from === to) return NO_BARS;
  const part = barColumns(to - from);
  for (const key of COLUMN_KEYS) copyInto(part[key], 0, columns[key], from, to);
  return part;
}

/** `first`'s bars, then `second`'s. */
export function concatColumns(first: BarColumns, second: BarColumns): BarColumns {
  if (second.length === 0) return first;
  if (first.length === 0) return second;
  const both = barColumns(first.length + second.length);
  for (const key of COLUMN_KEYS) {
    copyInto(both[key], 0, first[key], 0, first.length);
    copyInto(both[key], first.length, second[key], 0, second.length);
  }
  return both;
}

/**
 * `from[start..end)` into `to` at `at`. A few numbers one by one: `subarray` would give a small array
 * (kept inside the JS heap) a buffer of its own.
 */
export function copyInto(to: Float64Array, at: number, from: Float64Array, start: number, end: number): void {
  if (end - start > SMALL_COLUMNS_BARS)
    to.set(start === 0 && end === from.length ? from : from.subarray(start, end), at);
  else for (let i = start; i < end; i++) to[at + i - start] = from[i] as number;
}

/** The index of the first bar whose time is after `after` (times rise). */
export function firstBarAfter(columns: BarColumns, after: number): number {
  let lo = 0;
  let hi = columns.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((columns.time[mid] as number) > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
