/**
 * Inference in an HMM: the forward filter (one step per bar, O(K²)), forward-backward (scaled, for EM
 * and for smoothing) and Viterbi (log space). Observations are flat: T × D, NaN for a missing feature.
 */
import { EmissionTerms, type HmmParams } from './model.js';

/** Reusable buffers for forward-backward over up to `capacity` steps (a refit reuses them every pass). */
export class InferenceWorkspace {
  readonly alpha: Float64Array;
  readonly beta: Float64Array;
  /** Emission likelihoods scaled per step by their largest value. */
  readonly emission: Float64Array;
  readonly scale: Float64Array;
  readonly logEmission: Float64Array;

  constructor(
    readonly capacity: number,
    readonly states: number,
  ) {
    this.alpha = new Float64Array(capacity * states);
    this.beta = new Float64Array(capacity * states);
    this.emission = new Float64Array(capacity * states);
    this.scale = new Float64Array(capacity);
    this.logEmission = new Float64Array(states);
  }
}

export interface ForwardBackwardResult {
  /** P(state at t | all observations), T × K (the workspace's alpha is overwritten with it). */
  readonly posteriors: Float64Array;
  /** Σ_t P(state t = i, state t+1 = j | all), K × K. */
  readonly transitionCounts: Float64Array;
  readonly logLikelihood: number;
}

/**
 * Scaled forward-backward. Each step's emissions are divided by their largest value and each alpha
 * is normalised, so nothing underflows however long the sequence; the log-likelihood adds the logs back.
 */
export function forwardBackward(
  p: HmmParams,
  observations: Float64Array,
  length: number,
  workspace: InferenceWorkspace = new InferenceWorkspace(length, p.states),
  transitionCounts: Float64Array = new Float64Array(p.states * p.states),
): ForwardBackwardResult {
  const K = p.states;
  const D = p.features;
  const { alpha, beta, emission, scale, logEmission } = workspace;
  const A = p.transition;
  const terms = new EmissionTerms(p);
  let logLikelihood = 0;
  for (let t = 0; t < length; t++) {
    terms.logEmissions(K, D, observations, t * D, logEmission);
    let top = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) if ((logEmission[k] as number) > top) top = logEmission[k] as number;
    if (!Number.isFinite(top)) top = 0;
    let total = 0;
    for (let j = 0; j < K; j++) {
      const b = Math.exp((logEmission[j] as number) - top);
      emission[t * K + j] = b;
      let prior = 0;
      if (t === 0) prior = p.initial[j] as number;
      else for (let i = 0; i < K; i++) prior += (alpha[(t - 1) * K + i] as number) * (A[i * K + j] as number);
      const a = prior * b;
      alpha[t * K + j] = a;
      total += a;
    }
    if (!(total > 0)) {
      // Every state ruled out (a model that cannot explain the bar): carry a uniform belief.
      for (let j = 0; j < K; j++) alpha[t * K + j] = 1 / K;
      total = 1;
    } else for (let j = 0; j < K; j++) alpha[t * K + j] = (alpha[t * K + j] as number) / total;
    scale[t] = total;
    logLikelihood += Math.log(total) + top;
  }
  transitionCounts.fill(0);
  for (let k = 0; k < K; k++) beta[(length - 1) * K + k] = 1;
  for (let t = length - 2; t >= 0; t--) {
    const next = (t + 1) * K;
    const c = scale[t + 1] as number;
    for (let i = 0; i < K; i++) {
      let sum = 0;
      const ai = alpha[t * K + i] as number;
      for (let j = 0; j < K; j++) {
        const w = ((A[i * K + j] as number) * (emission[next + j] as number) * (beta[next + j] as number)) / c;
        sum += w;
        transitionCounts[i * K + j] = (transitionCounts[i * K + j] as number) + ai * w;
      }
      beta[t * K + i] = sum;
    }
  }
  // Posteriors overwrite alpha (alpha is not needed any more), normalised against rounding.
  for (let t = 0; t < length; t++) {
    let total = 0;
    for (let k = 0; k < K; k++) {
      const g = (alpha[t * K + k] as number) * (beta[t * K + k] as number);
      alpha[t * K + k] = g;
      total += g;
    }
    for (let k = 0; k < K; k++) alpha[t * K + k] = total > 0 ? (alpha[t * K + k] as number) / total : 1 / K;
  }
  return { posteriors: alpha, transitionCounts, logLikelihood };
}

export interface ViterbiResult {
  readonly path: Uint8Array;
  /** log P(path, observations). */
  readonly logProbability: number;
}

/** The most probable state path (log space). */
export function viterbi(p: HmmParams, observations: Float64Array, length: number): ViterbiResult {
  const K = p.states;
  const D = p.features;
  const logA = p.transition.map(Math.log);
  let delta = new Float64Array(K);
  let next = new Float64Array(K);
  const from = new Uint8Array(length * K);
  const logEmission = new Float64Array(K);
  const terms = new EmissionTerms(p);
  terms.logEmissions(K, D, observations, 0, logEmission);
  for (let k = 0; k < K; k++) delta[k] = Math.log(p.initial[k] as number) + (logEmission[k] as number);
  for (let t = 1; t < length; t++) {
    terms.logEmissions(K, D, observations, t * D, logEmission);
    for (let j = 0; j < K; j++) {
      let best = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let i = 0; i < K; i++) {
        const v = (delta[i] as number) + (logA[i * K + j] as number);
        if (v > best) {
          best = v;
          arg = i;
        }
      }
      next[j] = best + (logEmission[j] as number);
      from[t * K + j] = arg;
    }
    [delta, next] = [next, delta];
  }
  let last = 0;
  for (let k = 1; k < K; k++) if ((delta[k] as number) > (delta[last] as number)) last = k;
  const path = new Uint8Array(length);
  if (length === 0) return { path, logProbability: 0 };
  path[length - 1] = last;
  for (let t = length - 1; t > 0; t--) path[t - 1] = from[t * K + (path[t] as number)] as number;
  return { path, logProbability: delta[last] as number };
}

/**
 * The causal filter: P(state now | observations so far), one O(K²) step per bar with no allocation.
 * The model may be swapped between steps (a refit); the belief carries over state by state.
 */
export class ForwardFilter {
  readonly posterior: Float64Array;
  private readonly predicted: Float64Array;
  private readonly logEmission: Float64Array;
  private readonly terms: EmissionTerms;
  private started = false;

  constructor(private model: HmmParams) {
    this.terms = new EmissionTerms(model);
    this.posterior = Float64Array.from(model.initial);
    this.predicted = new Float64Array(model.states);
    this.logEmission = new Float64Array(model.states);
  }

  get params(): HmmParams {
    return this.model;
  }

  setModel(model: HmmParams): void {
    if (model.states !== this.model.states) throw new Error('a model swap must keep the number of states');
    this.model = model;
    this.terms.update(model);
  }

  /** Sets the belief (a restart); it is normalised, and a belief with no mass becomes uniform. */
  setPosterior(belief: ArrayLike<number>): void {
    const K = this.model.states;
    let total = 0;
    for (let k = 0; k < K; k++) {
      const v = Number(belief[k]);
      this.posterior[k] = Number.isFinite(v) && v > 0 ? v : 0;
      total += this.posterior[k] as number;
    }
    for (let k = 0; k < K; k++) this.posterior[k] = total > 0 ? (this.posterior[k] as number) / total : 1 / K;
    this.started = true;
  }

  /** Puts back a belief this filter had (a resume), exactly as it was. */
  restorePosterior(belief: ArrayLike<number>): void {
    for (let k = 0; k < this.model.states; k++) this.posterior[k] = Number(belief[k]);
    this.started = true;
  }

  /** One bar: predict through the transition matrix, weigh by the emission, normalise. */
  step(observation: Float64Array, offset = 0): Float64Array {
    const p = this.model;
    const K = p.states;
    const A = p.transition;
    const post = this.posterior;
    const pred = this.predicted;
    for (let j = 0; j < K; j++) {
      let sum = 0;
      if (!this.started) sum = p.initial[j] as number;
      else for (let i = 0; i < K; i++) sum += (post[i] as number) * (A[i * K + j] as number);
      pred[j] = sum;
    }
    this.started = true;
    this.terms.logEmissions(K, p.features, observation, offset, this.logEmission);
    let top = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) if ((this.logEmission[k] as number) > top) top = this.logEmission[k] as number;
    if (!Number.isFinite(top)) top = 0;
    let total = 0;
    for (let k = 0; k < K; k++) {
      const v = (pred[k] as number) * Math.exp((this.logEmission[k] as number) - top);
      post[k] = v;
      total += v;
    }
    if (total > 0 && Number.isFinite(total)) for (let k = 0; k < K; k++) post[k] = (post[k] as number) / total;
    else for (let k = 0; k < K; k++) post[k] = pred[k] as number;
    return post;
  }
}
