/**
 * Baum-Welch (EM) for a Gaussian HMM, as a generator that yields after each iteration so that a
 * caller can spread a refit over many bars (a fixed number of iterations per bar keeps a run
 * deterministic). A few deterministic starts; the best likelihood wins; variances have a floor.
 */
import { InferenceWorkspace, forwardBackward } from './inference.js';
import { cloneParams, createParams, stickyTransition, type HmmParams } from './model.js';
import { orderByDriftAndVolatility } from './naming.js';

export interface FitOptions {
  readonly states: number;
  /** EM iterations per start at most. */
  readonly maxIterations: number;
  /** Stop a start when the log-likelihood gains less than this per observation in an iteration. */
  readonly tolerance: number;
  /** Deterministic starts from the data (different smoothing windows and volatile shares). */
  readonly starts: number;
  /** A variance is at least this share of the feature's variance over the whole window. */
  readonly varianceFloorShare: number;
  /** A model to start from as well (a refit starts from the model in force). */
  readonly warmStart?: HmmParams;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = {
  states: 4,
  maxIterations: 60,
  tolerance: 1e-5,
  starts: 3,
  varianceFloorShare: 1e-3,
};

export interface FitResult {
  /** States in the canonical order of naming.ts (trend-up, trend-down, range, volatile for K = 4). */
  readonly params: HmmParams;
  readonly logLikelihood: number;
  readonly iterations: number;
}

/** Bars a fit needs at the least. */
export const MIN_FIT_BARS = 50;

const ABSOLUTE_VARIANCE_FLOOR = 1e-14;
/** Smallest transition probability: no move is impossible, so one odd bar cannot break the filter. */
const TRANSITION_FLOOR = 1e-6;

interface Stats {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly observed: Float64Array;
}

function featureStats(observations: Float64Array, length: number, D: number): Stats {
  const mean = new Float64Array(D);
  const variance = new Float64Array(D);
  const observed = new Float64Array(D);
  for (let t = 0; t < length; t++)
    for (let d = 0; d < D; d++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      observed[d] = (observed[d] as number) + 1;
      const delta = x - (mean[d] as number);
      mean[d] = (mean[d] as number) + delta / (observed[d] as number);
      variance[d] = (variance[d] as number) + delta * (x - (mean[d] as number));
    }
  for (let d = 0; d < D; d++)
    variance[d] = (observed[d] as number) > 1 ? (variance[d] as number) / (observed[d] as number) : 0;
  return { mean, variance, observed };
}

/**
 * A start from hard labels: the bars whose rolling volatility is in the top `volatileShare` are the
 * volatile state; the others are split in three by their rolling mean of feature 0 (the drift).
 */
function labelledStart(
  observations: Float64Array,
  length: number,
  D: number,
  K: number,
  window: number,
  volatileShare: number,
  stats: Stats,
): HmmParams {
  const drift = new Float64Array(length);
  const vol = new Float64Array(length);
  const mean0 = stats.mean[0] as number;
  const sd = stats.variance.map((v) => Math.sqrt(v) || 1);
  let sumX = 0;
  let sumV = 0;
  let n = 0;
  const at = (t: number, d: number): number => {
    const x = observations[t * D + d] as number;
    return Number.isNaN(x) ? (stats.mean[d] as number) : x;
  };
  const volOf = (t: number): number => {
    let v = Math.abs(at(t, 0) - mean0) / (sd[0] as number);
    for (let d = 1; d < D; d++) v += (at(t, d) - (stats.mean[d] as number)) / (sd[d] as number);
    return v;
  };
  for (let t = 0; t < length; t++) {
    sumX += at(t, 0);
    sumV += volOf(t);
    n++;
    if (n > window) {
      sumX -= at(t - window, 0);
      sumV -= volOf(t - window);
      n--;
    }
    drift[t] = sumX / n;
    vol[t] = sumV / n;
  }
  const labels = new Uint8Array(length);
  const byVol = Array.from(vol).sort((a, b) => a - b);
  const volCut = byVol[Math.min(length - 1, Math.floor(length * (1 - volatileShare)))] as number;
  const calmDrifts = Array.from(drift)
    .filter((_, t) => (vol[t] as number) < volCut)
    .sort((a, b) => a - b);
  const low = calmDrifts[Math.floor(calmDrifts.length / 3)] ?? 0;
  const high = calmDrifts[Math.floor((calmDrifts.length * 2) / 3)] ?? 0;
  for (let t = 0; t < length; t++) {
    if (K < 4) labels[t] = t % K;
    else if ((vol[t] as number) >= volCut) labels[t] = 3;
    else labels[t] = (drift[t] as number) >= high ? 0 : (drift[t] as number) <= low ? 1 : 2;
  }
  const p = createParams(K, D);
  p.transition.set(stickyTransition(K, 0.98));
  const weight = new Float64Array(K * D);
  for (let t = 0; t < length; t++) {
    const k = labels[t] as number;
    for (let d = 0; d < D; d++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      weight[k * D + d] = (weight[k * D + d] as number) + 1;
      p.means[k * D + d] = (p.means[k * D + d] as number) + x;
    }
  }
  for (let i = 0; i < K * D; i++) {
    const d = i % D;
    p.means[i] = (weight[i] as number) > 0 ? (p.means[i] as number) / (weight[i] as number) : (stats.mean[d] as number);
  }
  for (let t = 0; t < length; t++) {
    const k = labels[t] as number;
    for (let d = 0; d < D; d++) {
      const x = observations[t * D + d] as number;
      if (Number.isNaN(x)) continue;
      const z = x - (p.means[k * D + d] as number);
      p.variances[k * D + d] = (p.variances[k * D + d] as number) + z * z;
    }
  }
  for (let i = 0; i < K * D; i++) {
    const d = i % D;
    // createParams filled variances with 1: take it back out before averaging.
    const sumSq = (p.variances[i] as number) - 1;
    p.variances[i] = (weight[i] as number) > 1 ? sumSq / (weight[i] as number) : (stats.variance[d] as number) || 1;
  }
  return p;
}

function floorVariances(p: HmmParams, floors: Float64Array): void {
  const D = p.features;
  for (let i = 0; i < p.variances.length; i++) {
    const v = p.variances[i] as number;
    const floor = floors[i % D] as number;
    if (!(v >= floor)) p.variances[i] = floor;
  }
}

/** One M-step from the E-step's posteriors and transition counts; a state with no weight keeps its values. */
function maximise(
  p: HmmParams,
  observations: Float64Array,
  length: number,
  posteriors: Float64Array,
  counts: Float64Array,
  floors: Float64Array,
): void {
  const K = p.states;
  const D = p.features;
  for (let k = 0; k < K; k++) p.initial[k] = posteriors[k] as number;
  for (let i = 0; i < K; i++) {
    let row = 0;
    for (let j = 0; j < K; j++) row += counts[i * K + j] as number;
    if (!(row > 0)) continue;
    let total = 0;
    for (let j = 0; j < K; j++) {
      const v = Math.max(TRANSITION_FLOOR, (counts[i * K + j] as number) / row);
      p.transition[i * K + j] = v;
      total += v;
    }
    for (let j = 0; j < K; j++) p.transition[i * K + j] = (p.transition[i * K + j] as number) / total;
  }
  for (let k = 0; k < K; k++)
    for (let d = 0; d < D; d++) {
      let w = 0;
      let sum = 0;
      for (let t = 0; t < length; t++) {
        const x = observations[t * D + d] as number;
        if (Number.isNaN(x)) continue;
        const g = posteriors[t * K + k] as number;
        w += g;
        sum += g * x;
      }
      if (!(w > 1e-9)) continue;
      const mean = sum / w;
      let sq = 0;
      for (let t = 0; t < length; t++) {
        const x = observations[t * D + d] as number;
        if (Number.isNaN(x)) continue;
        const z = x - mean;
        sq += (posteriors[t * K + k] as number) * z * z;
      }
      p.means[k * D + d] = mean;
      p.variances[k * D + d] = sq / w;
    }
  floorVariances(p, floors);
}

/**
 * Fits by EM, yielding after every iteration. Returns null when the data cannot support a model:
 * too few bars, or a first feature that never varies (a constant series).
 */
export function* fitSteps(
  observations: Float64Array,
  length: number,
  features: number,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
): Generator<void, FitResult | null> {
  const D = features;
  const K = options.states;
  const stats = featureStats(observations, length, D);
  if ((stats.observed[0] as number) < MIN_FIT_BARS || !((stats.variance[0] as number) > ABSOLUTE_VARIANCE_FLOOR))
    return null;
  const floors = stats.variance.map((v) => Math.max(ABSOLUTE_VARIANCE_FLOOR, v * options.varianceFloorShare));
  const starts: HmmParams[] = [];
  if (options.warmStart !== undefined && options.warmStart.features === D && options.warmStart.states === K)
    starts.push(cloneParams(options.warmStart));
  const variants: readonly [number, number][] = [
    [24, 0.2],
    [48, 0.12],
    [12, 0.3],
    [96, 0.2],
  ];
  for (let s = 0; s < options.starts; s++) {
    const [window, share] = variants[s % variants.length] as [number, number];
    starts.push(labelledStart(observations, length, D, K, window, share, stats));
  }
  const workspace = new InferenceWorkspace(length, K);
  const counts = new Float64Array(K * K);
  let best: FitResult | null = null;
  for (const start of starts) {
    const p = start;
    floorVariances(p, floors);
    let previous = Number.NEGATIVE_INFINITY;
    let logLikelihood = Number.NEGATIVE_INFINITY;
    let iterations = 0;
    while (iterations < options.maxIterations) {
      const e = forwardBackward(p, observations, length, workspace, counts);
      logLikelihood = e.logLikelihood;
      iterations++;
      if (!Number.isFinite(logLikelihood)) break;
      const converged = logLikelihood - previous < options.tolerance * length;
      previous = logLikelihood;
      if (converged) break;
      maximise(p, observations, length, e.posteriors, counts, floors);
      yield;
    }
    if (Number.isFinite(logLikelihood) && (best === null || logLikelihood > best.logLikelihood))
      best = { params: p, logLikelihood, iterations };
  }
  if (best === null) return null;
  return { ...best, params: orderByDriftAndVolatility(best.params) };
}

/** Runs a whole fit at once (a backfill, a test, a bench). */
export function fitHmm(
  observations: Float64Array,
  length: number,
  features: number,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
): FitResult | null {
  const steps = fitSteps(observations, length, features, options);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
