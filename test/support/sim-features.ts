import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { FEATURE_COUNT, UniverseFeatures } from '../../src/core/hmm/features.js';
import { SimulatedMarket } from '../../src/market/sim-market.js';
import { barsFromColumns } from '../../src/core/bar-columns.js';

export interface SimFeatureSeries {
  readonly bars: number;
  /** bars × FEATURE_COUNT, as the engine computes them from the bars' closes. */
  readonly observations: Float64Array;
  /** The simulator's true regime per bar, as an index into REGIME_NAMES. */
  readonly truth: Uint8Array;
  readonly times: Float64Array;
}

/** Runs a fresh simulated market and computes the universe features from its bars, as a user's run would. */
export async function simFeatureSeries(seed: number, symbolCount: number, bars: number): Promise<SimFeatureSeries> {
  const symbols = Array.from({ length: symbolCount }, (_, i) => `S${i}`);
  const market = new SimulatedMarket({ seed, symbols, timeframe: '15Min', periodDays: 1, extraBarsHeld: 4 });
  const signal = new AbortController().signal;
  const lastClose = new Float64Array(symbolCount).fill(Number.NaN);
  const observations = new Float64Array(bars * FEATURE_COUNT);
  const truth = new Uint8Array(bars);
  const times = new Float64Array(bars);
  const features = new UniverseFeatures();
  for (let i = 0; i < bars; i++) {
    market.advance();
    for (let s = 0; s < symbolCount; s++) {
      const [bar] = barsFromColumns(
        await market.fetchBars({
          symbol: symbols[s] as string,
          timeframe: '15Min',
          after: market.now() - 1,
          signal,
        }),
      );
      if (bar === undefined) continue;
      features.add(Math.log(bar.close / (lastClose[s] as number)));
      lastClose[s] = bar.close;
    }
    features.finish(observations, i * FEATURE_COUNT);
    truth[i] = REGIME_NAMES.indexOf(market.currentTrueRegime());
    times[i] = market.now();
  }
  return { bars, observations, truth, times };
}
