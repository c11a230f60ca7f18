/** Making, reading and cutting `BarColumns` (a symbol's bars as six columns of numbers). */
import type { Bar, BarColumns } from './model.js';

const COLUMN_KEYS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Columns for `length` bars, the six of them in one buffer, filled with zeros. */
export function barColumns(length: number): BarColumns {
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
  const part = barColumns(to - from);
  for (const key of COLUMN_KEYS) part[key].set(columns[key].subarray(from, to));
  return part;
}

/** `first`'s bars, then `second`'s. */
export function concatColumns(first: BarColumns, second: BarColumns): BarColumns {
  if (second.length === 0) return first;
  if (first.length === 0) return second;
  const both = barColumns(first.length + second.length);
  for (const key of COLUMN_KEYS) {
    both[key].set(first[key]);
    both[key].set(second[key], first.length);
  }
  return both;
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
