import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { estimateLoadings, FEATURE_COUNT, UniverseFeatures } from '../../src/core/hmm/features.js';
import { SimulatedMarket } from '../../src/market/sim-market.js';
import { barsFromColumns } from '../../src/core/bar-columns.js';
import { SeededRandom } from '../../src/core/random.js';

/**
 * The volumes the features see: the simulated market's; none (a feed without volumes: the feature is
 * missing); or volumes with no information (each symbol's first volume times log-normal noise of the
 * simulator's 0.3, independent of the moves and the regime: a market whose volume says nothing).
 */
export type SimVolumes = 'simulated' | 'none' | 'uninformative';

/** The default run's backfill: 60 days of 15-minute bars. */
export const BACKFILL_BARS = 1118;

export interface SimFeatureSeries {
  readonly bars: number;
  /** bars × FEATURE_COUNT, as the engine computes them from the bars' closes. */
  readonly observations: Float64Array;
  /** The simulator's true regime per bar, as an index into REGIME_NAMES. */
  readonly truth: Uint8Array;
  readonly times: Float64Array;
}

/**
 * Runs a fresh simulated market and computes the universe features from its bars, as a user's run
 * would: the factor and volume loadings estimated on the first `backfill` bars (the engine's backfill),
 * then the features of every bar with them.
 */
export async function simFeatureSeries(
  seed: number,
  symbolCount: number,
  bars: number,
  backfill = BACKFILL_BARS,
  volumeSource: SimVolumes = 'simulated',
): Promise<SimFeatureSeries> {
  const symbols = Array.from({ length: symbolCount }, (_, i) => `S${i}`);
  const market = new SimulatedMarket({ seed, symbols, timeframe: '15Min', periodDays: 1, extraBarsHeld: 4 });
  const signal = new AbortController().signal;
  const lastClose = new Float64Array(symbolCount).fill(Number.NaN);
  const returns = Array.from({ length: bars }, () => new Float64Array(symbolCount).fill(Number.NaN));
  const moves = Array.from({ length: bars }, () => new Float64Array(symbolCount).fill(Number.NaN));
  const volumes = Array.from({ length: bars }, () => new Float64Array(symbolCount).fill(Number.NaN));
  const truth = new Uint8Array(bars);
  const times = new Float64Array(bars);
  for (let i = 0; i < bars; i++) {
    market.advance();
    const row = returns[i] as Float64Array;
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
      row[s] = Math.log(bar.close / (lastClose[s] as number));
      (moves[i] as Float64Array)[s] = Math.log(bar.close / bar.open);
      (volumes[i] as Float64Array)[s] = bar.volume;
      lastClose[s] = bar.close;
    }
    truth[i] = REGIME_NAMES.indexOf(market.currentTrueRegime());
    times[i] = market.now();
  }
  if (volumeSource !== 'simulated') {
    const noise = new SeededRandom(seed + 7919);
    const base = Float64Array.from(volumes[0] as Float64Array);
    for (const row of volumes)
      for (let s = 0; s < symbolCount; s++)
        row[s] = volumeSource === 'none' ? Number.NaN : (base[s] as number) * Math.exp(0.3 * noise.normal());
  }
  const first = Math.min(backfill, bars);
  const features = new UniverseFeatures(
    estimateLoadings(
      returns.slice(0, first),
      symbolCount,
      volumeSource === 'none' ? undefined : { moves: moves.slice(0, first), volumes: volumes.slice(0, first) },
    ),
  );
  const observations = new Float64Array(bars * FEATURE_COUNT);
  for (let i = 0; i < bars; i++) {
    const row = returns[i] as Float64Array;
    const move = moves[i] as Float64Array;
    const volume = volumes[i] as Float64Array;
    for (let s = 0; s < symbolCount; s++) features.add(row[s] as number, s, move[s] as number, volume[s] as number);
    features.finish(observations, i * FEATURE_COUNT);
  }
  return { bars, observations, truth, times };
}
