/** `learn tune`: a bounded grid search over the regime detector's settings, scored by backtests. */
import { SeededRandom } from '../core/random.js';
import { DEFAULT_DETECTOR_CONFIG, type RegimeDetectorConfig } from '../core/regime.js';
import { backtest, type BacktestResult } from './backtest.js';
import { unionOfTimes } from './replay-market.js';
import type { StoredBars } from './stored-bars.js';

export type TunedSetting = 'window' | 'trendT' | 'volatileRatio' | 'minDwell';

/** The values tried for each tuned setting; each includes the default. */
export const TUNING_GRID: Readonly<Record<TunedSetting, readonly number[]>> = {
  window: [16, 24, 32, 48, 64],
  trendT: [1.0, 1.3, 1.6, 2.0],
  volatileRatio: [1.4, 1.7, 2.0, 2.5],
  minDwell: [2, 4, 6, 10],
};

export const GRID_SIZE =
  TUNING_GRID.window.length *
  TUNING_GRID.trendT.length *
  TUNING_GRID.volatileRatio.length *
  TUNING_GRID.minDwell.length;
export const DEFAULT_MAX_SETS = 24;

const sameConfig = (a: RegimeDetectorConfig, b: RegimeDetectorConfig): boolean =>
  a.window === b.window && a.trendT === b.trendT && a.volatileRatio === b.volatileRatio && a.minDwell === b.minDwell;

function gridConfig(index: number, base: RegimeDetectorConfig): RegimeDetectorConfig {
  const { window, trendT, volatileRatio, minDwell } = TUNING_GRID;
  let rest = index;
  const pick = (values: readonly number[]): number => {
    const value = values[rest % values.length] as number;
    rest = Math.floor(rest / values.length);
    return value;
  };
  return {
    ...base,
    window: pick(window),
    trendT: pick(trendT),
    volatileRatio: pick(volatileRatio),
    minDwell: pick(minDwell),
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
  for (const config of configs) {
    const trial = { config, ...backtest(bars, config, steps) };
    trials.push(trial);
    onTrial?.(trial, trials.length, configs.length);
  }
  const baseline = trials[0] as TrialResult;
  const best = trials.reduce((a, b) => (b.score > a.score ? b : a), baseline);
  return { baseline, best, trials };
}
