/**
 * The backfill, streamed: each symbol's history feeds its signals as soon as it arrives and is then
 * dropped, so a 500-symbol backfill never holds every bar at once. The regime detector needs the
 * universe's features per bar time (move and dispersion from each symbol's return, the volume feature
 * from its bar's own move and volume); these wait here (three numbers per symbol and time, not bars)
 * and are fed in time order once every symbol is in, taken in symbol order as the step-by-step
 * processing does, so the result is the same to the last bit whatever order the symbols arrive in.
 */
import type { SymbolSignals } from '../core/strategy.js';
import type { BarColumns } from '../core/model.js';
import { estimateLoadings, FEATURE_COUNT, UniverseFeatures, type FactorLoadings } from '../core/hmm/features.js';

export class BackfillWarmup {
  /** Each bar time's return per symbol index (NaN: no bar, or no return yet). */
  private readonly returnsByTime = new Map<number, Float64Array>();
  /**
   * Each bar time's own move (log close/open) and volume per symbol index (NaN: no bar), in single
   * precision (7 digits: plenty for a fit of log volume, half the memory of a 500-symbol backfill's).
   */
  private readonly movesByTime = new Map<number, Float32Array>();
  private readonly volumesByTime = new Map<number, Float32Array>();

  constructor(private readonly symbolCount: number) {}

  /** A symbol's bars, oldest first: its signals take them now. */
  take(index: number, bars: BarColumns, signals: SymbolSignals): void {
    for (let i = 0; i < bars.length; i++) {
      const time = bars.time[i] as number;
      signals.updateClose(bars.close[i] as number);
      let row = this.returnsByTime.get(time);
      let moves = this.movesByTime.get(time);
      let volumes = this.volumesByTime.get(time);
      if (row === undefined || moves === undefined || volumes === undefined) {
        row = new Float64Array(this.symbolCount).fill(Number.NaN);
        moves = new Float32Array(this.symbolCount).fill(Number.NaN);
        volumes = new Float32Array(this.symbolCount).fill(Number.NaN);
        this.returnsByTime.set(time, row);
        this.movesByTime.set(time, moves);
        this.volumesByTime.set(time, volumes);
      }
      row[index] = signals.lastReturn;
      moves[index] = Math.log((bars.close[i] as number) / (bars.open[i] as number));
      volumes[index] = bars.volume[i] as number;
    }
  }

  /** Factor loadings from these returns (see hmm/features.ts), or null when they cannot be had. */
  estimateLoadings(): FactorLoadings | null {
    return estimateLoadings([...this.returnsByTime.values()], this.symbolCount, {
      moves: [...this.movesByTime.values()],
      volumes: [...this.volumesByTime.values()],
    });
  }

  /**
   * Every bar time, oldest first, with the universe's features over the symbols that have a return
   * (`symbols`: how many), computed with `loadings` (null: the plain features). Each step has its own
   * features array (the backfill, not the hot path).
   */
  *steps(
    loadings: FactorLoadings | null = null,
  ): Generator<{ readonly time: number; readonly features: Float64Array; readonly symbols: number }> {
    const times = [...this.returnsByTime.keys()].sort((a, b) => a - b);
    const universe = new UniverseFeatures(loadings);
    for (const time of times) {
      const row = this.returnsByTime.get(time) as Float64Array;
      const moves = this.movesByTime.get(time) as Float32Array;
      const volumes = this.volumesByTime.get(time) as Float32Array;
      const features = new Float64Array(FEATURE_COUNT);
      for (let s = 0; s < row.length; s++) universe.add(row[s] as number, s, moves[s] as number, volumes[s] as number);
      const symbols = universe.symbols;
      universe.finish(features);
      yield { time, features, symbols };
    }
  }
}
