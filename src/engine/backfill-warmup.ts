/**
 * The backfill, streamed: each symbol's history feeds its signals as soon as it arrives and is then
 * dropped, so a 500-symbol backfill never holds every bar at once. The regime detector needs the
 * universe's mean return per bar time; those wait here (one number per symbol and time, not bars)
 * and are fed in time order once every symbol is in, summed in symbol order as the step-by-step
 * processing does, so the result is the same to the last bit whatever order the symbols arrive in.
 */
import type { SymbolSignals } from '../core/strategy.js';
import type { Bar } from '../core/model.js';

export class BackfillWarmup {
  /** Each bar time's return per symbol index (NaN: no bar, or no return yet). */
  private readonly returnsByTime = new Map<number, Float64Array>();

  constructor(private readonly symbolCount: number) {}

  /** A symbol's bars, oldest first: its signals take them now. */
  take(index: number, bars: readonly Bar[], signals: SymbolSignals): void {
    for (const bar of bars) {
      signals.update(bar);
      let row = this.returnsByTime.get(bar.time);
      if (row === undefined) {
        row = new Float64Array(this.symbolCount).fill(Number.NaN);
        this.returnsByTime.set(bar.time, row);
      }
      row[index] = signals.lastReturn;
    }
  }

  /** Every bar time, oldest first, with the mean return over the symbols that have one (NaN if none). */
  *steps(): Generator<{ readonly time: number; readonly meanReturn: number }> {
    const times = [...this.returnsByTime.keys()].sort((a, b) => a - b);
    for (const time of times) {
      const row = this.returnsByTime.get(time) as Float64Array;
      let sum = 0;
      let count = 0;
      for (let s = 0; s < row.length; s++) {
        const value = row[s] as number;
        if (Number.isNaN(value)) continue;
        sum += value;
        count++;
      }
      yield { time, meanReturn: count > 0 ? sum / count : Number.NaN };
    }
  }
}
