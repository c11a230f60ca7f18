/**
 * The regime detector against the simulated market's true regimes, beside references that know the
 * simulator's regimes: a forward filter (causal: the honest ceiling for an online detector) taking
 * the most probable regime each bar, the same filter under the detector's rule (threshold, margin,
 * dwell: the ceiling of this detector's calls), and offline Viterbi (sees the future). Their model:
 * the simulator's transition matrix (from each regime's mean spell length, moves equally likely) and
 * emissions measured on the true labels. And the exact filter of the simulator (regime-exact.ts: the
 * Bayes-optimal causal detector, what no detector beats on average), by argmax and under the rule.
 */
import { REGIME_NAMES } from '../../src/core/regime-types.js';
import { FEATURE_COUNT } from '../../src/core/hmm/features.js';
import { fitHmm } from '../../src/core/hmm/fit.js';
import { ForwardFilter, viterbi } from '../../src/core/hmm/inference.js';
import { createParams, type HmmParams } from '../../src/core/hmm/model.js';
import { DEFAULT_HMM_SETTINGS } from '../../src/core/hmm/detector.js';
import { SIM_REGIME_PROFILES } from '../../src/market/sim-market.js';
import { BACKFILL_BARS, runDetector } from '../support/regime-accuracy.js';
import { scoreRegimes, type RegimeScore } from '../support/regime-scoring.js';
import { simFeatureSeries, type SimFeatureSeries } from '../support/sim-features.js';
import { argmaxCalls, exactPosteriors, simBars } from './regime-exact.js';
import { ruledCalls } from './detector-rule.js';

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

  const K = REGIME_NAMES.length;
  const oracle = oracleParams(series);
  const filter = new ForwardFilter(oracle);
  const called = new Uint8Array(series.bars);
  const posteriors = new Float64Array(series.bars * K);
  const started = performance.now();
  for (let t = 0; t < series.bars; t++) {
    const post = filter.step(series.observations, t * FEATURE_COUNT);
    called[t] = argmax(post);
    posteriors.set(post, t * K);
  }
  const stepMicros = ((performance.now() - started) * 1000) / series.bars;
  rows.push({
    detector: 'forward filter, true parameters (argmax)',
    seed,
    symbols,
    score: scoreRegimes(called, series.truth, BACKFILL_BARS),
    microsPerBar: stepMicros,
  });
  rows.push({
    detector: "forward filter, true parameters, the detector's rule",
    seed,
    symbols,
    score: scoreRegimes(ruledCalls(posteriors, DEFAULT_HMM_SETTINGS, series.bars), series.truth, BACKFILL_BARS),
    microsPerBar: Number.NaN,
  });

  // The exact filter of the simulator (regime-exact.ts): every symbol's bars under the generator's own
  // likelihood, the Bayes-optimal causal detector (its argmax), and under the detector's rule.
  const sim = await simBars(seed, symbols, series.bars);
  const truth = sim.truth.subarray(sim.first);
  if (truth.length !== series.bars || truth.some((y, t) => y !== series.truth[t]))
    throw new Error('the exact filter saw another market than the detector');
  const exact = exactPosteriors(sim).posteriors.subarray(sim.first * K);
  rows.push({
    detector: 'exact filter of the simulator (argmax)',
    seed,
    symbols,
    score: scoreRegimes(argmaxCalls(exact), series.truth, BACKFILL_BARS),
    microsPerBar: Number.NaN,
  });
  rows.push({
    detector: "exact filter of the simulator, the detector's rule",
    seed,
    symbols,
    score: scoreRegimes(ruledCalls(exact, DEFAULT_HMM_SETTINGS), series.truth, BACKFILL_BARS),
    microsPerBar: Number.NaN,
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

/** The detector alone on another seed (the held-out seeds' summary). */
export async function benchDetector(seed: number, symbols: number, bars: number): Promise<RegimeScore> {
  const series = await simFeatureSeries(seed, symbols, BACKFILL_BARS + bars);
  return scoreRegimes(runDetector(series, BACKFILL_BARS).called, series.truth, BACKFILL_BARS);
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
