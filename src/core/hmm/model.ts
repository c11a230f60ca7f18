/**
 * A hidden Markov model with Gaussian emissions of diagonal covariance: K states over D features.
 * Arrays are flat and row-major (transition[i * K + j] = P(next = j | now = i)). A feature that is
 * NaN in an observation is missing: it is left out of the likelihood (the marginal of a diagonal
 * Gaussian), so a universe of one symbol, whose dispersion does not exist, still has a model.
 */

export interface HmmParams {
  readonly states: number;
  readonly features: number;
  /** P(first state), length K. */
  readonly initial: Float64Array;
  /** K × K, rows sum to 1. */
  readonly transition: Float64Array;
  /** K × D. */
  readonly means: Float64Array;
  /** K × D, each at least the variance floor the fit used. */
  readonly variances: Float64Array;
}

export function createParams(states: number, features: number): HmmParams {
  return {
    states,
    features,
    initial: new Float64Array(states).fill(1 / states),
    transition: new Float64Array(states * states),
    means: new Float64Array(states * features),
    variances: new Float64Array(states * features).fill(1),
  };
}

export function cloneParams(p: HmmParams): HmmParams {
  return {
    states: p.states,
    features: p.features,
    initial: Float64Array.from(p.initial),
    transition: Float64Array.from(p.transition),
    means: Float64Array.from(p.means),
    variances: Float64Array.from(p.variances),
  };
}

/** A transition matrix that stays with probability `stay` and moves to each other state equally. */
export function stickyTransition(states: number, stay: number): Float64Array {
  const transition = new Float64Array(states * states);
  const move = states > 1 ? (1 - stay) / (states - 1) : 0;
  for (let i = 0; i < states; i++)
    for (let j = 0; j < states; j++) transition[i * states + j] = i === j ? (states > 1 ? stay : 1) : move;
  return transition;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log p(observation | state) for every state, into `out` (length K); missing features are skipped.
 * `offset` is where the observation starts in `observations`.
 */
export function logEmissions(p: HmmParams, observations: Float64Array, offset: number, out: Float64Array): void {
  const { states: K, features: D, means, variances } = p;
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let d = 0; d < D; d++) {
      const x = observations[offset + d] as number;
      if (Number.isNaN(x)) continue;
      const v = variances[k * D + d] as number;
      const z = x - (means[k * D + d] as number);
      sum -= 0.5 * (LOG_2PI + Math.log(v) + (z * z) / v);
    }
    out[k] = sum;
  }
}

/**
 * The same as logEmissions, with each state's and feature's −½(log 2π + log σ²) and 1/σ² worked out
 * once per model instead of once per bar: EM runs it T × K × D times an iteration.
 */
export class EmissionTerms {
  private readonly constant: Float64Array;
  private readonly precision: Float64Array;
  private means: Float64Array;

  constructor(p: HmmParams) {
    this.constant = new Float64Array(p.states * p.features);
    this.precision = new Float64Array(p.states * p.features);
    this.means = p.means;
    this.update(p);
  }

  /** Takes the model's current means and variances (after an M-step, or a swapped model). */
  update(p: HmmParams): void {
    this.means = p.means;
    for (let i = 0; i < p.variances.length; i++) {
      const v = p.variances[i] as number;
      this.constant[i] = -0.5 * (LOG_2PI + Math.log(v));
      this.precision[i] = 1 / v;
    }
  }

  logEmissions(K: number, D: number, observations: Float64Array, offset: number, out: Float64Array): void {
    const { constant, precision, means } = this;
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let d = 0; d < D; d++) {
        const x = observations[offset + d] as number;
        if (Number.isNaN(x)) continue;
        const i = k * D + d;
        const z = x - (means[i] as number);
        sum += (constant[i] as number) - 0.5 * z * z * (precision[i] as number);
      }
      out[k] = sum;
    }
  }
}

/** Mean number of bars a spell of each state lasts: 1 / (1 − P(stay)). */
export function expectedDurations(p: HmmParams): Float64Array {
  const K = p.states;
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const leave = 1 - (p.transition[k * K + k] as number);
    out[k] = leave > 0 ? 1 / leave : Number.POSITIVE_INFINITY;
  }
  return out;
}

/** True when every number is finite and every distribution sums to one: a model safe to run. */
export function isUsable(p: HmmParams): boolean {
  const K = p.states;
  const ok = (a: Float64Array): boolean => a.every((x) => Number.isFinite(x));
  if (!ok(p.initial) || !ok(p.transition) || !ok(p.means) || !ok(p.variances)) return false;
  if (!p.variances.every((v) => v > 0)) return false;
  for (let i = 0; i < K; i++) {
    let sum = 0;
    for (let j = 0; j < K; j++) sum += p.transition[i * K + j] as number;
    if (Math.abs(sum - 1) > 1e-6) return false;
  }
  return true;
}
