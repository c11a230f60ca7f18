/** Stored bars made in memory from the simulated market, as the bar cache would hold them. */
import type { Timeframe } from '../../src/core/model.js';
import type { SymbolBars } from '../../src/learn/replay-market.js';
import type { StoredBars } from '../../src/learn/stored-bars.js';
import { SimulatedMarket } from '../../src/market/sim-market.js';
import { barsFromColumns } from '../../src/core/bar-columns.js';

export interface SimulatedBarsOptions {
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly timeframe: Timeframe;
  readonly periodDays: number;
  /** Share of bars left out at random (a symbol missing bars), default 0. */
  readonly gapRate?: number;
}

export async function simulatedBars(options: SimulatedBarsOptions): Promise<StoredBars> {
  const market = new SimulatedMarket({
    seed: options.seed,
    symbols: options.symbols,
    timeframe: options.timeframe,
    periodDays: options.periodDays,
  });
  const signal = new AbortController().signal;
  let state = options.seed * 2_654_435_761;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const series: SymbolBars[] = [];
  for (const symbol of options.symbols) {
    const all = barsFromColumns(
      await market.fetchBars({
        symbol,
        timeframe: options.timeframe,
        after: Number.NEGATIVE_INFINITY,
        signal,
      }),
    );
    const bars = all.filter(() => random() >= (options.gapRate ?? 0));
    series.push({
      symbol,
      time: Float64Array.from(bars, (b) => b.time),
      open: Float64Array.from(bars, (b) => b.open),
      high: Float64Array.from(bars, (b) => b.high),
      low: Float64Array.from(bars, (b) => b.low),
      close: Float64Array.from(bars, (b) => b.close),
      volume: Float64Array.from(bars, (b) => b.volume),
    });
  }
  return { source: `sim:${options.seed}`, timeframe: options.timeframe, series };
}
