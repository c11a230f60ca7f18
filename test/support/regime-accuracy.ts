import { RegimeDetector, type RegimeDetectorConfig, DEFAULT_DETECTOR_CONFIG } from '../../src/core/regime.js';
import { SimulatedMarket } from '../../src/market/sim-market.js';
import { REGIME_NAMES, type RegimeName } from '../../src/core/regime-types.js';

export interface AccuracyResult {
  readonly bars: number;
  readonly accuracy: number;
  /** Share of bars for the most common true regime: what always guessing it would score. */
  readonly majorityBaseline: number;
  readonly changes: number;
  readonly trueChanges: number;
  readonly confusion: Record<RegimeName, Record<RegimeName, number>>;
}

/** Runs the detector over a fresh simulated market and scores it against the market's true regimes. */
export async function measureRegimeAccuracy(
  seed: number,
  bars: number,
  config: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG,
): Promise<AccuracyResult> {
  const symbols = Array.from({ length: 20 }, (_, i) => `S${i}`);
  const market = new SimulatedMarket({ seed, symbols, timeframe: '15Min', periodDays: 1, extraBarsHeld: 4 });
  const detector = new RegimeDetector(config);
  const signal = new AbortController().signal;
  const lastClose = new Map<string, number>();
  const confusion = Object.fromEntries(
    REGIME_NAMES.map((t) => [t, Object.fromEntries(REGIME_NAMES.map((p) => [p, 0]))]),
  ) as AccuracyResult['confusion'];
  let correct = 0;
  let scored = 0;
  let changes = 0;
  let trueChanges = 0;
  let previousTrue: RegimeName | null = null;
  const trueCounts = new Map<RegimeName, number>();
  for (let i = 0; i < bars; i++) {
    market.advance();
    let sum = 0;
    let n = 0;
    for (const symbol of symbols) {
      const [bar] = await market.fetchBars({ symbol, timeframe: '15Min', after: market.now() - 1, signal });
      if (bar === undefined) continue;
      const previous = lastClose.get(symbol);
      if (previous !== undefined) {
        sum += Math.log(bar.close / previous);
        n++;
      }
      lastClose.set(symbol, bar.close);
    }
    if (n === 0) continue;
    const reading = detector.update(sum / n);
    if (reading.changedFrom !== null) changes++;
    const truth = market.currentTrueRegime();
    if (previousTrue !== null && truth !== previousTrue) trueChanges++;
    previousTrue = truth;
    if (!detector.warmedUp) continue;
    scored++;
    trueCounts.set(truth, (trueCounts.get(truth) ?? 0) + 1);
    confusion[truth][reading.regime]++;
    if (reading.regime === truth) correct++;
  }
  const majority = Math.max(...trueCounts.values());
  return {
    bars: scored,
    accuracy: correct / scored,
    majorityBaseline: majority / scored,
    changes,
    trueChanges,
    confusion,
  };
}
