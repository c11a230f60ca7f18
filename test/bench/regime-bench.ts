/**
 * The regime detector against the simulated market's true regimes, beside two references that know
 * the simulator's regimes: a forward filter (causal: the honest ceiling for an online detector) and
 * offline Viterbi (sees the future). Their model: the simulator's transition matrix (from each
 * regime's mean spell length, moves equally likely) and emissions measured on the true labels.
 */
import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { FEATURE_COUNT } from '../../src/core/hmm/features.js';
import { fitHmm } from '../../src/core/hmm/fit.js';
import { ForwardFilter, viterbi } from '../../src/core/hmm/inference.js';
import { createParams, type HmmParams } from '../../src/core/hmm/model.js';
import { SIM_REGIME_PROFILES } from '../../src/market/sim-market.js';
import { BACKFILL_BARS, runDetector } from '../support/regime-accuracy.js';
import { scoreRegimes, type RegimeScore } from '../support/regime-scoring.js';
import { simFeatureSeries, type SimFeatureSeries } from '../support/sim-features.js';

export interface RegimeBenchRow {
  readonly detector: string;
  readonly seed: number;
  readonly symbols: number;
  readonly score: RegimeScore;
  readonly microsPerBar: number;
}

function oracleParams(series: SimFeatureSeries): HmmParams {
  const K = REGIME_NAMES.length;
  const D = FEATURE_COUNT;
  const p = createParams(K, D);
  REGIME_NAMES.forEach((name, i) => {
    const leave = 1 / SIM_REGIME_PROFILES[name].meanBars;
    for (let j = 0; j < K; j++) p.transition[i * K + j] = i === j ? 1 - leave : leave / (K - 1);
  });
  const n = new Float64Array(K * D);
  const sum = new Float64Array(K * D);
  const sq = new Float64Array(K * D);
  for (let t = 0; t < series.bars; t++) {
    const k = series.truth[t] as number;
    for (let d = 0; d < D; d++) {
      const x = series.observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      n[k * D + d] = (n[k * D + d] as number) + 1;
      sum[k * D + d] = (sum[k * D + d] as number) + x;
      sq[k * D + d] = (sq[k * D + d] as number) + x * x;
    }
  }
  for (let i = 0; i < K * D; i++) {
    const m = (sum[i] as number) / (n[i] as number);
    p.means[i] = m;
    p.variances[i] = (sq[i] as number) / (n[i] as number) - m * m;
  }
  return p;
}

const argmax = (v: Float64Array): number => {
  let best = 0;
  for (let k = 1; k < v.length; k++) if ((v[k] as number) > (v[best] as number)) best = k;
  return best;
};

export async function benchRegimes(seed: number, symbols: number, bars: number): Promise<RegimeBenchRow[]> {
  const series = await simFeatureSeries(seed, symbols, BACKFILL_BARS + bars);
  const rows: RegimeBenchRow[] = [];
  const detector = runDetector(series, BACKFILL_BARS);
  rows.push({
    detector: 'HMM detector (fit on backfill, refits)',
    seed,
    symbols,
    score: scoreRegimes(detector.called, series.truth, BACKFILL_BARS),
    microsPerBar: detector.microsPerBar,
  });

  const oracle = oracleParams(series);
  const filter = new ForwardFilter(oracle);
  const called = new Uint8Array(series.bars);
  const started = performance.now();
  for (let t = 0; t < series.bars; t++) called[t] = argmax(filter.step(series.observations, t * FEATURE_COUNT));
  const stepMicros = ((performance.now() - started) * 1000) / series.bars;
  rows.push({
    detector: 'forward filter, true parameters (argmax)',
    seed,
    symbols,
    score: scoreRegimes(called, series.truth, BACKFILL_BARS),
    microsPerBar: stepMicros,
  });

  const path = viterbi(oracle, series.observations, series.bars).path;
  rows.push({
    detector: 'offline Viterbi, true parameters',
    seed,
    symbols,
    score: scoreRegimes(path, series.truth, BACKFILL_BARS),
    microsPerBar: Number.NaN,
  });
  return rows;
}

/** Milliseconds of one whole refit (3 starts) on `bars` bars of a simulated market's features. */
export async function benchRefit(
  seed: number,
  symbols: number,
  bars: number,
): Promise<{ ms: number; iterations: number }> {
  const series = await simFeatureSeries(seed, symbols, bars);
  const started = performance.now();
  const fit = fitHmm(series.observations, bars, FEATURE_COUNT);
  return { ms: performance.now() - started, iterations: fit?.iterations ?? 0 };
}
