import { DEFAULT_DETECTOR_CONFIG, RegimeController, type RegimeDetectorConfig } from '../../src/core/regime.js';
import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { FEATURE_COUNT } from '../../src/core/hmm/features.js';
import { scoreRegimes, type RegimeScore } from './regime-scoring.js';
import { BACKFILL_BARS, simFeatureSeries, type SimFeatureSeries, type SimVolumes } from './sim-features.js';

export { BACKFILL_BARS };

export interface AccuracyResult extends RegimeScore {
  /** Share of bars for the most common true regime: what always guessing it would score. */
  readonly majorityBaseline: number;
  /** Mean µs per bar of the detector's update (forward step, decision and its share of refits). */
  readonly microsPerBar: number;
}

/**
 * Runs the detector as the engine does (the controller, with the bars' times: a bar after a session
 * break counts as missing): fit on a backfill, then one update per bar; the called regime is scored.
 */
export function runDetector(
  series: SimFeatureSeries,
  backfill: number,
  config: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG,
): { called: Uint8Array; microsPerBar: number } {
  const controller = new RegimeController(256, config);
  const called = new Uint8Array(series.bars);
  const D = FEATURE_COUNT;
  const bar = new Float64Array(D);
  const feed = (t: number): void => {
    for (let d = 0; d < D; d++) bar[d] = series.observations[t * D + d] as number;
    controller.update(series.times[t] as number, bar);
  };
  for (let t = 0; t < backfill; t++) feed(t);
  controller.fitOnHistory(series.times[backfill - 1] as number);
  const started = performance.now();
  for (let t = backfill; t < series.bars; t++) {
    feed(t);
    called[t] = REGIME_NAMES.indexOf(controller.regime);
  }
  return { called, microsPerBar: ((performance.now() - started) * 1000) / Math.max(1, series.bars - backfill) };
}

/** Scores the detector against a fresh simulated market's true regimes over `bars` bars after the backfill. */
export async function measureRegimeAccuracy(
  seed: number,
  bars: number,
  symbols = 20,
  config: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG,
  volumes: SimVolumes = 'simulated',
): Promise<AccuracyResult> {
  const series = await simFeatureSeries(seed, symbols, BACKFILL_BARS + bars, BACKFILL_BARS, volumes);
  const { called, microsPerBar } = runDetector(series, BACKFILL_BARS, config);
  const score = scoreRegimes(called, series.truth, BACKFILL_BARS);
  const counts = new Array<number>(REGIME_NAMES.length).fill(0);
  for (let t = BACKFILL_BARS; t < series.bars; t++)
    counts[series.truth[t] as number] = (counts[series.truth[t] as number] as number) + 1;
  return { ...score, majorityBaseline: Math.max(...counts) / bars, microsPerBar };
}
