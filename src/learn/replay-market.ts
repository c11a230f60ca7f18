/**
 * A market that replays stored bars: the first `historyBars` steps are history when it opens, and
 * each advance() serves one more step. Steps are the union of every symbol's bar times, so a symbol
 * missing a bar simply has none at that step.
 */
import type { BarColumns } from '../core/model.js';
import { barColumns } from '../core/bar-columns.js';
import type { MarketClock } from '../engine/bar-source.js';
import type { BarQuery, MarketDataSource } from '../market/types.js';
import { PermanentError } from '../market/types.js';

/** One symbol's bars, oldest first, as columns. */
export interface SymbolBars extends Omit<BarColumns, 'length'> {
  readonly symbol: string;
}

/** Index of the first element above `value` in a sorted array. */
function firstAbove(values: Float64Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Every step's time: the union of the symbols' bar times, oldest first. */
export function unionOfTimes(series: readonly SymbolBars[]): Float64Array {
  const all = new Float64Array(series.reduce((n, s) => n + s.time.length, 0));
  let at = 0;
  for (const s of series) {
    all.set(s.time, at);
    at += s.time.length;
  }
  all.sort();
  let unique = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[unique - 1]) all[unique++] = all[i] as number;
  return all.slice(0, unique);
}

export class ReplayMarket implements MarketDataSource, MarketClock {
  /** Every step's time, oldest first. */
  readonly steps: Float64Array;
  private readonly bySymbol: ReadonlyMap<string, SymbolBars>;
  private step: number;

  /** `history`: the steps served as history, or a function of the step count that says how many. */
  constructor(series: readonly SymbolBars[], history: number | ((steps: number) => number)) {
    this.steps = unionOfTimes(series);
    const historyBars = typeof history === 'number' ? history : history(this.steps.length);
    if (historyBars < 1 || historyBars > this.steps.length)
      throw new RangeError(`historyBars must be 1 to ${this.steps.length}, got ${historyBars}`);
    this.bySymbol = new Map(series.map((s) => [s.symbol, s]));
    this.step = historyBars - 1;
  }

  /** advance() calls left before the replay runs out. */
  get remaining(): number {
    return this.steps.length - 1 - this.step;
  }

  now(): number {
    return this.steps[this.step] as number;
  }

  /** At the end, the clock stays on the last step (no new bars). */
  advance(): void {
    if (this.step < this.steps.length - 1) this.step++;
  }

  async fetchBars(query: BarQuery): Promise<BarColumns> {
    const series = this.bySymbol.get(query.symbol);
    if (series === undefined) throw new PermanentError(`no stored bars for ${query.symbol}`);
    const end = firstAbove(series.time, this.now());
    let start = firstAbove(series.time, query.after);
    if (query.limit !== undefined) start = Math.max(start, end - query.limit);
    const bars = barColumns(Math.max(0, end - start));
    for (let i = start; i < end; i++) {
      bars.time[i - start] = series.time[i] as number;
      bars.open[i - start] = series.open[i] as number;
      bars.high[i - start] = series.high[i] as number;
      bars.low[i - start] = series.low[i] as number;
      bars.close[i - start] = series.close[i] as number;
      bars.volume[i - start] = series.volume[i] as number;
    }
    return bars;
  }
}
