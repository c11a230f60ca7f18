/** `learn tune`: a bounded grid search over the regime detector's settings, scored by backtests. */
import { SeededRandom } from '../core/random.js';
import { DEFAULT_DETECTOR_CONFIG, REGIME_NAMES, type RegimeDetectorConfig } from '../core/regime.js';
import { FEATURE_COUNT } from '../core/hmm/features.js';
import { PosteriorTape, tapeKey } from '../core/hmm/posterior-tape.js';
import { backtest, type BacktestResult } from './backtest.js';
import { unionOfTimes } from './replay-market.js';
import type { StoredBars } from './stored-bars.js';

export type TunedSetting = 'threshold' | 'dwell' | 'window';

/** The values tried for each tuned setting; each includes the default. */
export const TUNING_GRID: Readonly<Record<TunedSetting, readonly number[]>> = {
  threshold: [0.6, 0.7, 0.8, 0.9],
  dwell: [1, 2, 3, 5],
  window: [1000, 2500, 5000, 10000],
};

export const GRID_SIZE = TUNING_GRID.threshold.length * TUNING_GRID.dwell.length * TUNING_GRID.window.length;
export const DEFAULT_MAX_SETS = 24;

const sameConfig = (a: RegimeDetectorConfig, b: RegimeDetectorConfig): boolean =>
  a.threshold === b.threshold && a.dwell === b.dwell && a.window === b.window;

function gridConfig(index: number, base: RegimeDetectorConfig): RegimeDetectorConfig {
  const { threshold, dwell, window } = TUNING_GRID;
  let rest = index;
  const pick = (values: readonly number[]): number => {
    const value = values[rest % values.length] as number;
    rest = Math.floor(rest / values.length);
    return value;
  };
  return {
    ...base,
    threshold: pick(threshold),
    dwell: pick(dwell),
    window: pick(window),
  };
}

/**
 * The configurations to try: the default first, then `maxSets - 1` others drawn from the grid in a
 * fixed pseudo-random order (the same every time), so a small budget still spreads over the grid.
 */
export function candidateConfigs(
  maxSets: number,
  base: RegimeDetectorConfig = DEFAULT_DETECTOR_CONFIG,
): RegimeDetectorConfig[] {
  const order = Array.from({ length: GRID_SIZE }, (_, i) => i);
  const random = new SeededRandom(20_250_106);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const configs = [base];
  for (const index of order) {
    if (configs.length >= maxSets) break;
    const config = gridConfig(index, base);
    if (!sameConfig(config, base)) configs.push(config);
  }
  return configs;
}

export interface TrialResult extends BacktestResult {
  readonly config: RegimeDetectorConfig;
}

export interface TuningResult {
  readonly baseline: TrialResult;
  readonly best: TrialResult;
  readonly trials: readonly TrialResult[];
}

/** Backtests each candidate in turn; the best score wins, the default on a tie. */
export function tune(
  bars: StoredBars,
  maxSets: number,
  onTrial?: (trial: TrialResult, index: number, total: number) => void,
): TuningResult {
  const configs = candidateConfigs(maxSets);
  const steps = unionOfTimes(bars.series);
  const trials: TrialResult[] = [];
  // Settings of one window share the detector's model side: fitted once, replayed for the others.
  const tapes = new Map<string, PosteriorTape>();
  for (const config of configs) {
    const key = tapeKey(config);
    let tape = tapes.get(key);
    if (tape === undefined)
      tapes.set(key, (tape = new PosteriorTape(key, REGIME_NAMES.length, FEATURE_COUNT, steps.length)));
    const trial = { config, ...backtest(bars, config, steps, tape) };
    trials.push(trial);
    onTrial?.(trial, trials.length, configs.length);
  }
  const baseline = trials[0] as TrialResult;
  const best = trials.reduce((a, b) => (b.score > a.score ? b : a), baseline);
  return { baseline, best, trials };
}
