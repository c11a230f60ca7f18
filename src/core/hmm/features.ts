/**
 * The regime model's per-bar features of the universe, from each symbol's log return over the bar:
 *   0. the cross-sectional mean log return (the market's move: drift separates the trends), and
 *   1. the log of the cross-sectional standard deviation (dispersion: calm ranges are tighter,
 *      volatile markets much wider).
 * Any market's bars give these (nothing here knows the simulator). O(1) per symbol, no allocation:
 * add() each symbol's return, then finish() writes the bar's features. A non-finite return is
 * skipped; with no return the bar is all missing (NaN), with one the dispersion is missing.
 */
export const FEATURE_COUNT = 2;
export const FEATURE_NAMES = ['mean log return', 'log dispersion'] as const;

export class UniverseFeatures {
  private count = 0;
  private mean = 0;
  private m2 = 0;

  add(logReturn: number): void {
    if (!Number.isFinite(logReturn)) return;
    this.count++;
    const delta = logReturn - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (logReturn - this.mean);
  }

  get symbols(): number {
    return this.count;
  }

  /** Writes the bar's features into `out` at `offset` and starts the next bar. */
  finish(out: Float64Array, offset = 0): void {
    out[offset] = this.count > 0 ? this.mean : Number.NaN;
    const variance = this.count > 1 ? this.m2 / (this.count - 1) : 0;
    out[offset + 1] = variance > 0 && Number.isFinite(variance) ? 0.5 * Math.log(variance) : Number.NaN;
    this.count = 0;
    this.mean = 0;
    this.m2 = 0;
  }
}
