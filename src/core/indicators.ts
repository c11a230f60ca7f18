/**
 * Incremental indicators: each `update` is O(1) and each holds a fixed amount of memory.
 * `ready` turns true once the indicator has seen enough values to mean something.
 */
import { Float64Ring } from './ring-buffer.js';

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
  private readonly window: Float64Ring;
  private sum = 0;
  private sumOfSquares = 0;
  private updatesSinceResum = 0;

  constructor(readonly period: number) {
    if (period < 2) throw new RangeError('RollingStats needs a period of at least 2');
    this.window = new Float64Ring(period);
  }

  get ready(): boolean {
    return this.window.length === this.period;
  }

  get count(): number {
    return this.window.length;
  }

  update(x: number): void {
    if (this.window.length === this.period) {
      const oldest = this.window.at(0);
      this.sum -= oldest;
      this.sumOfSquares -= oldest * oldest;
    }
    this.window.push(x);
    this.sum += x;
    this.sumOfSquares += x * x;
    // Running sums drift by rounding over millions of updates; re-adding the window now and then bounds it.
    if (++this.updatesSinceResum >= 100_000) this.resum();
  }

  get mean(): number {
    return this.window.length === 0 ? Number.NaN : this.sum / this.window.length;
  }

  get stdDev(): number {
    const n = this.window.length;
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
    for (let i = 0; i < this.window.length; i++) {
      const v = this.window.at(i);
      this.sum += v;
      this.sumOfSquares += v * v;
    }
  }
}
