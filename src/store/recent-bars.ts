/**
 * One symbol's newest bars, in memory, at most `capacity` of them: what CachedMarketData answers from
 * before it asks the database. Its columns are allocated once and written in place: a round's new bar
 * moves the window on without making new arrays (each round used to make two for every symbol).
 */
import type { BarColumns } from '../core/model.js';
import { barColumns, copyInto, NO_BARS } from '../core/bar-columns.js';

const KEYS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

export class RecentBars {
  /** Oldest first, `count` of them. */
  private readonly bars: BarColumns;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.bars = barColumns(capacity);
  }

  get length(): number {
    return this.count;
  }

  /**
   * A copy of the bars after `after`, when the window reaches back to it (its oldest bar is at or before
   * `after`); otherwise null (bars may be missing between `after` and the window).
   */
  after(after: number): BarColumns | null {
    const count = this.count;
    if (count === 0 || !((this.bars.time[0] as number) <= after)) return null;
    const time = this.bars.time;
    // The first bar after `after` (times rise).
    let start = 0;
    let end = count;
    while (start < end) {
      const mid = (start + end) >>> 1;
      if ((time[mid] as number) > after) end = mid;
      else start = mid + 1;
    }
    if (start === count) return NO_BARS;
    const part = barColumns(count - start);
    for (const key of KEYS) copyInto(part[key], 0, this.bars[key], start, count);
    return part;
  }

  /**
   * Takes newly fetched bars (oldest first): they follow the window when they are all newer than its
   * newest bar; otherwise they replace it. Either way the newest `capacity` bars are kept.
   */
  take(bars: BarColumns): void {
    const n = bars.length;
    if (n === 0) return;
    const count = this.count;
    const follows = count > 0 && (this.bars.time[count - 1] as number) < (bars.time[0] as number);
    const capacity = this.capacity;
    // Bars of the window that stay, then the newest of `bars`.
    const kept = follows ? Math.min(count, Math.max(0, capacity - n)) : 0;
    const fromBars = Math.min(n, capacity);
    for (const key of KEYS) {
      const column = this.bars[key];
      if (kept > 0 && kept < count) column.copyWithin(0, count - kept, count);
      copyInto(column, kept, bars[key], n - fromBars, n);
    }
    this.count = kept + fromBars;
  }
}
