/**
 * The equity chart's series: a fixed ring of points (market time, equity) and, per point, which sides
 * of fills fell in its time span (after the point before it, up to its own time). The marks of fills
 * along the chart's axis are read from it; they are held for the span the ring covers and no longer,
 * in one byte a point.
 */
import type { Side } from '../core/model.js';

/** Bits of a point's fill sides: a buy, a sell (both: 3). */
export const FILL_BUY = 1;
export const FILL_SELL = 2;

export const fillSideBit = (side: Side): number => (side === 'buy' ? FILL_BUY : FILL_SELL);

/** Fills newer than the newest point wait for the point whose span holds them; at most this many. */
const PENDING_CAPACITY = 256;

/** The index of the first of `count` ascending times (`timeAt(i)`) at or after `time` (`count` when none). */
function firstAtOrAfter(timeAt: (index: number) => number, count: number, time: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeAt(mid) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Per point of `times` (ascending), the sides of the fills in its span. The first point's span starts
 * after `after` (the time of the point before it, -Infinity when it is the first); fills outside every
 * span are left out.
 */
export function fillSidesOf(
  times: Float64Array,
  fills: Iterable<{ readonly time: number; readonly side: Side }>,
  after = Number.NEGATIVE_INFINITY,
): Uint8Array {
  const sides = new Uint8Array(times.length);
  for (const fill of fills) {
    if (!(fill.time > after)) continue;
    const point = firstAtOrAfter((i) => times[i] as number, times.length, fill.time);
    if (point < times.length) sides[point] = (sides[point] as number) | fillSideBit(fill.side);
  }
  return sides;
}

export class EquitySeries {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private readonly sides: Uint8Array;
  /** Where the next point goes. */
  private head = 0;
  private count = 0;
  /** The time of the newest point overwritten: the oldest point held stands for the fills after it. */
  private droppedTime = Number.NEGATIVE_INFINITY;
  private pending: { time: number; bit: number }[] = [];
  /** The copies toArrays() last made, until a point or a mark changes the series (nobody writes to them). */
  private copies: { times: Float64Array; values: Float64Array; fillSides: Uint8Array } | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`equity capacity must be a positive integer, got ${capacity}`);
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.sides = new Uint8Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** A point; fills noted before it whose time it reaches are its marks. */
  push(time: number, value: number, sides = 0): void {
    let bits = sides;
    if (this.pending.length > 0) {
      const later: { time: number; bit: number }[] = [];
      for (const fill of this.pending) {
        if (fill.time <= time) bits |= fill.bit;
        else later.push(fill);
      }
      this.pending = later;
    }
    this.copies = null;
    const at = this.head;
    if (this.count === this.capacity) this.droppedTime = this.times[at] as number;
    this.times[at] = time;
    this.values[at] = value;
    this.sides[at] = bits;
    this.head = at + 1 === this.capacity ? 0 : at + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** A fill: marked on the point whose span holds its time, now or, when newer than every point, at that point's push. */
  noteFill(time: number, side: Side): void {
    const bit = fillSideBit(side);
    const newest = this.count === 0 ? Number.NaN : (this.times[this.slot(this.count - 1)] as number);
    if (!(time <= newest)) {
      if (this.pending.length >= PENDING_CAPACITY) this.pending.shift();
      this.pending.push({ time, bit });
      return;
    }
    // Older than every point held: its point is gone.
    if (!(time > this.droppedTime)) return;
    const point = firstAtOrAfter((i) => this.times[this.slot(i)] as number, this.count, time);
    const slot = this.slot(point);
    const sides = this.sides[slot] as number;
    if ((sides & bit) === 0) this.copies = null;
    this.sides[slot] = sides | bit;
  }

  /**
   * Copies of the held points, oldest first. The same copies are handed out again until the series
   * changes: the UI reads a snapshot several times an iteration (download progress), the chart once.
   */
  toArrays(): { times: Float64Array; values: Float64Array; fillSides: Uint8Array } {
    this.copies ??= {
      times: this.unwrap(this.times),
      values: this.unwrap(this.values),
      fillSides: this.unwrap(this.sides),
    };
    return this.copies;
  }

  private slot(index: number): number {
    const position = this.head - this.count + index;
    return position < 0 ? position + this.capacity : position;
  }

  private unwrap<T extends Float64Array | Uint8Array>(data: T): T {
    const out = data.slice(0, this.count) as T;
    const start = this.slot(0);
    const firstPart = Math.min(this.count, this.capacity - start);
    out.set(data.subarray(start, start + firstPart), 0);
    if (firstPart < this.count) out.set(data.subarray(0, this.count - firstPart), firstPart);
    return out;
  }
}
