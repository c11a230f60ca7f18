/**
 * Incremental indicators: each `update` is O(1) and each holds a fixed amount of memory.
 * `ready` turns true once the indicator has seen enough values to mean something.
 */
export class Ema {
  private readonly alpha: number;
  private seen = 0;
  value = Number.NaN;

  constructor(readonly period: number) {
    this.alpha = 2 / (period + 1);
  }

  get ready(): boolean {
    return this.seen >= this.period;
  }

  update(x: number): number {
    this.seen++;
    this.value = Number.isNaN(this.value) ? x : this.value + this.alpha * (x - this.value);
    return this.value;
  }
}

/** Mean and sample standard deviation over the last `period` values. */
export class RollingStats {
  /** The last `period` values in a ring: `next` is where the next one goes (the oldest, once full). */
  private readonly window: Float64Array;
  private next = 0;
  private held = 0;
  private sum = 0;
  private sumOfSquares = 0;
  private updatesSinceResum = 0;

  constructor(readonly period: number) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`RollingStats needs a whole period of at least 2, got ${period}`);
    this.window = new Float64Array(period);
  }

  get ready(): boolean {
    return this.held === this.period;
  }

  get count(): number {
    return this.held;
  }

  update(x: number): void {
    const window = this.window;
    const next = this.next;
    if (this.held === this.period) {
      const oldest = window[next] as number;
      this.sum -= oldest;
      this.sumOfSquares -= oldest * oldest;
    } else this.held++;
    window[next] = x;
    this.next = next + 1 === this.period ? 0 : next + 1;
    this.sum += x;
    this.sumOfSquares += x * x;
    // Running sums drift by rounding over millions of updates; re-adding the window now and then bounds it.
    if (++this.updatesSinceResum >= 100_000) this.resum();
  }

  get mean(): number {
    return this.held === 0 ? Number.NaN : this.sum / this.held;
  }

  get stdDev(): number {
    const n = this.held;
    if (n < 2) return Number.NaN;
    const variance = (this.sumOfSquares - (this.sum * this.sum) / n) / (n - 1);
    return variance > 0 ? Math.sqrt(variance) : 0;
  }

  /** How many standard deviations `x` lies from the window's mean. */
  zScore(x: number): number {
    const sd = this.stdDev;
    return sd > 0 ? (x - this.mean) / sd : 0;
  }

  private resum(): void {
    this.updatesSinceResum = 0;
    this.sum = 0;
    this.sumOfSquares = 0;
    // Oldest first, as the values came.
    const first = this.held === this.period ? this.next : 0;
    for (let i = 0; i < this.held; i++) {
      const v = this.window[(first + i) % this.period] as number;
      this.sum += v;
      this.sumOfSquares += v * v;
    }
  }
}
