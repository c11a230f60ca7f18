/**
 * EM's E-step in one forward and one backward pass, giving the M-step's sufficient statistics
 * directly: per state and feature the posterior weight, and the weighted sums of x and x² (x taken
 * about a per-feature reference, so the squares keep their digits), the expected transition counts
 * and the first bar's posterior. The posteriors are used where the backward pass makes them and
 * never stored, so the M-step makes no pass over the bars of its own. Same scaling as
 * forwardBackward in inference.ts (which stays the reference: test/hmm.test.ts checks one against
 * the other).
 */
import type { HmmParams } from './model.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Buffers for up to `capacity` bars, reused by every iteration of a fit. */
export class ExpectationWorkspace {
  /** Forward probabilities, normalised per bar, T × K. */
  readonly alpha: Float64Array;
  /** Emission likelihoods scaled per bar by their largest value, T × K. */
  readonly emission: Float64Array;
  readonly scale: Float64Array;
  private readonly beta: Float64Array;
  private readonly betaNext: Float64Array;
  private readonly weighted: Float64Array;
  private readonly posterior: Float64Array;
  private readonly constant: Float64Array;
  private readonly precision: Float64Array;

  /** Σ_t γ_t(k) over the bars where feature d is observed, K × D. */
  readonly weight: Float64Array;
  /** Σ_t γ_t(k) (x − reference_d), K × D. */
  readonly sum: Float64Array;
  /** Σ_t γ_t(k) (x − reference_d)², K × D. */
  readonly squares: Float64Array;
  /** Σ_t P(state t = i, state t+1 = j | all), K × K. */
  readonly transitionCounts: Float64Array;
  /** P(first state | all), K. */
  readonly first: Float64Array;
  logLikelihood = 0;

  constructor(
    readonly capacity: number,
    readonly states: number,
    readonly features: number,
    /** What each feature's x is taken about in `sum` and `squares` (its mean over the data, say). */
    readonly reference: Float64Array = new Float64Array(features),
  ) {
    const K = states;
    const D = features;
    this.alpha = new Float64Array(capacity * K);
    this.emission = new Float64Array(capacity * K);
    this.scale = new Float64Array(capacity);
    this.beta = new Float64Array(K);
    this.betaNext = new Float64Array(K);
    this.weighted = new Float64Array(K);
    this.posterior = new Float64Array(K);
    this.constant = new Float64Array(K * D);
    this.precision = new Float64Array(K * D);
    this.weight = new Float64Array(K * D);
    this.sum = new Float64Array(K * D);
    this.squares = new Float64Array(K * D);
    this.transitionCounts = new Float64Array(K * K);
    this.first = new Float64Array(K);
  }

  /**
   * The E-step for `p` over the first `length` bars of `observations` (T × D, NaN for a missing
   * feature): fills the statistics above and `logLikelihood` (log p(observations | p)).
   */
  run(p: HmmParams, observations: Float64Array, length: number): void {
    const K = this.states;
    const D = this.features;
    if (p.states !== K || p.features !== D || length > this.capacity)
      throw new Error('the model or the data does not fit this workspace');
    const { constant, precision } = this;
    for (let i = 0; i < K * D; i++) {
      const v = p.variances[i] as number;
      constant[i] = -0.5 * (LOG_2PI + Math.log(v));
      precision[i] = 0.5 / v;
    }

    this.logLikelihood = K === 4 ? this.forwardFour(p, observations, length) : this.forward(p, observations, length);

    this.weight.fill(0);
    this.sum.fill(0);
    this.squares.fill(0);
    this.transitionCounts.fill(0);
    if (K === 4) this.backwardFour(p, observations, length);
    else this.backward(p, observations, length);
  }

  /**
   * The backward pass: β from the last bar back, and with it each bar's posterior γ_t = α_t β_t
   * (normalised against rounding) added into the statistics, and ξ_t into the transition counts.
   */
  private backward(p: HmmParams, observations: Float64Array, length: number): void {
    const K = this.states;
    const D = this.features;
    const { alpha, emission, scale, weight, sum, squares, reference, posterior } = this;
    const A = p.transition;
    const counts = this.transitionCounts;
    let beta = this.beta;
    let betaNext = this.betaNext;
    const weighted = this.weighted;
    beta.fill(1);
    for (let t = length - 1; t >= 0; t--) {
      const row = t * K;
      if (t < length - 1) {
        // β_t(i) = Σ_j A_ij b_{t+1}(j) β_{t+1}(j) / c_{t+1}; each term, times α_t(i), is ξ_t(i, j).
        const swap = beta;
        beta = betaNext;
        betaNext = swap;
        const next = row + K;
        const c = 1 / (scale[t + 1] as number);
        for (let j = 0; j < K; j++) weighted[j] = (emission[next + j] as number) * (betaNext[j] as number) * c;
        for (let i = 0; i < K; i++) {
          const ai = alpha[row + i] as number;
          let s = 0;
          for (let j = 0; j < K; j++) {
            const w = (A[i * K + j] as number) * (weighted[j] as number);
            s += w;
            counts[i * K + j] = (counts[i * K + j] as number) + ai * w;
          }
          beta[i] = s;
        }
      }
      // γ_t = α_t β_t, normalised against rounding.
      let total = 0;
      for (let k = 0; k < K; k++) {
        const g = (alpha[row + k] as number) * (beta[k] as number);
        posterior[k] = g;
        total += g;
      }
      if (total > 0) {
        const inverse = 1 / total;
        for (let k = 0; k < K; k++) posterior[k] = (posterior[k] as number) * inverse;
      } else posterior.fill(1 / K);
      const at = t * D;
      for (let d = 0; d < D; d++) {
        const x = observations[at + d] as number;
        if (x !== x) continue;
        const z = x - (reference[d] as number);
        const zz = z * z;
        for (let k = 0; k < K; k++) {
          const g = posterior[k] as number;
          const i = k * D + d;
          weight[i] = (weight[i] as number) + g;
          sum[i] = (sum[i] as number) + g * z;
          squares[i] = (squares[i] as number) + g * zz;
        }
      }
      if (t === 0) this.first.set(posterior);
    }
  }

  /** backward() unrolled for four states. */
  private backwardFour(p: HmmParams, observations: Float64Array, length: number): void {
    const D = this.features;
    const { alpha, emission, scale, weight, sum, squares, reference } = this;
    const A = p.transition;
    const [a00, a01, a02, a03, a10, a11, a12, a13] = A as unknown as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const [a20, a21, a22, a23, a30, a31, a32, a33] = A.subarray(8) as unknown as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    let c00 = 0,
      c01 = 0,
      c02 = 0,
      c03 = 0,
      c10 = 0,
      c11 = 0,
      c12 = 0,
      c13 = 0;
    let c20 = 0,
      c21 = 0,
      c22 = 0,
      c23 = 0,
      c30 = 0,
      c31 = 0,
      c32 = 0,
      c33 = 0;
    let b0 = 1;
    let b1 = 1;
    let b2 = 1;
    let b3 = 1;
    for (let t = length - 1; t >= 0; t--) {
      const row = t * 4;
      const al0 = alpha[row] as number;
      const al1 = alpha[row + 1] as number;
      const al2 = alpha[row + 2] as number;
      const al3 = alpha[row + 3] as number;
      if (t < length - 1) {
        // β_t(i) = Σ_j A_ij b_{t+1}(j) β_{t+1}(j) / c_{t+1}; each term, times α_t(i), is ξ_t(i, j).
        const next = row + 4;
        const c = 1 / (scale[t + 1] as number);
        const u0 = (emission[next] as number) * b0 * c;
        const u1 = (emission[next + 1] as number) * b1 * c;
        const u2 = (emission[next + 2] as number) * b2 * c;
        const u3 = (emission[next + 3] as number) * b3 * c;
        const w00 = a00 * u0,
          w01 = a01 * u1,
          w02 = a02 * u2,
          w03 = a03 * u3;
        const w10 = a10 * u0,
          w11 = a11 * u1,
          w12 = a12 * u2,
          w13 = a13 * u3;
        const w20 = a20 * u0,
          w21 = a21 * u1,
          w22 = a22 * u2,
          w23 = a23 * u3;
        const w30 = a30 * u0,
          w31 = a31 * u1,
          w32 = a32 * u2,
          w33 = a33 * u3;
        c00 += al0 * w00;
        c01 += al0 * w01;
        c02 += al0 * w02;
        c03 += al0 * w03;
        c10 += al1 * w10;
        c11 += al1 * w11;
        c12 += al1 * w12;
        c13 += al1 * w13;
        c20 += al2 * w20;
        c21 += al2 * w21;
        c22 += al2 * w22;
        c23 += al2 * w23;
        c30 += al3 * w30;
        c31 += al3 * w31;
        c32 += al3 * w32;
        c33 += al3 * w33;
        b0 = w00 + w01 + w02 + w03;
        b1 = w10 + w11 + w12 + w13;
        b2 = w20 + w21 + w22 + w23;
        b3 = w30 + w31 + w32 + w33;
      }
      let g0 = al0 * b0;
      let g1 = al1 * b1;
      let g2 = al2 * b2;
      let g3 = al3 * b3;
      const total = g0 + g1 + g2 + g3;
      if (total > 0) {
        const inverse = 1 / total;
        g0 *= inverse;
        g1 *= inverse;
        g2 *= inverse;
        g3 *= inverse;
      } else g0 = g1 = g2 = g3 = 0.25;
      const at = t * D;
      for (let d = 0; d < D; d++) {
        const x = observations[at + d] as number;
        if (x !== x) continue;
        const z = x - (reference[d] as number);
        const zz = z * z;
        const i1 = D + d;
        const i2 = 2 * D + d;
        const i3 = 3 * D + d;
        weight[d] = (weight[d] as number) + g0;
        weight[i1] = (weight[i1] as number) + g1;
        weight[i2] = (weight[i2] as number) + g2;
        weight[i3] = (weight[i3] as number) + g3;
        sum[d] = (sum[d] as number) + g0 * z;
        sum[i1] = (sum[i1] as number) + g1 * z;
        sum[i2] = (sum[i2] as number) + g2 * z;
        sum[i3] = (sum[i3] as number) + g3 * z;
        squares[d] = (squares[d] as number) + g0 * zz;
        squares[i1] = (squares[i1] as number) + g1 * zz;
        squares[i2] = (squares[i2] as number) + g2 * zz;
        squares[i3] = (squares[i3] as number) + g3 * zz;
      }
      if (t === 0) {
        this.first[0] = g0;
        this.first[1] = g1;
        this.first[2] = g2;
        this.first[3] = g3;
      }
    }
    this.transitionCounts.set([c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]);
  }

  /** The scaled forward pass: alpha, emission and scale for every bar; returns the log-likelihood. */
  private forward(p: HmmParams, observations: Float64Array, length: number): number {
    const K = this.states;
    const D = this.features;
    const { alpha, emission, scale, constant, precision } = this;
    const A = p.transition;
    const means = p.means;
    let logLikelihood = 0;
    for (let t = 0; t < length; t++) {
      const row = t * K;
      const at = t * D;
      let top = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        let e = 0;
        for (let d = 0; d < D; d++) {
          const x = observations[at + d] as number;
          if (x !== x) continue; // NaN: a missing feature
          const i = k * D + d;
          const z = x - (means[i] as number);
          e += (constant[i] as number) - z * z * (precision[i] as number);
        }
        emission[row + k] = e;
        if (e > top) top = e;
      }
      if (!(top > Number.NEGATIVE_INFINITY && top < Number.POSITIVE_INFINITY)) top = 0;
      let total = 0;
      const previous = row - K;
      for (let j = 0; j < K; j++) {
        const b = Math.exp((emission[row + j] as number) - top);
        emission[row + j] = b;
        let prior = 0;
        if (t === 0) prior = p.initial[j] as number;
        else for (let i = 0; i < K; i++) prior += (alpha[previous + i] as number) * (A[i * K + j] as number);
        const a = prior * b;
        alpha[row + j] = a;
        total += a;
      }
      if (!(total > 0)) {
        // Every state ruled out (a model that cannot explain the bar): carry a uniform belief.
        for (let j = 0; j < K; j++) alpha[row + j] = 1 / K;
        total = 1;
      } else {
        const inverse = 1 / total;
        for (let j = 0; j < K; j++) alpha[row + j] = (alpha[row + j] as number) * inverse;
      }
      scale[t] = total;
      logLikelihood += Math.log(total) + top;
    }
    return logLikelihood;
  }

  /** forward() unrolled for four states (the regime model): the same operations in the same order. */
  private forwardFour(p: HmmParams, observations: Float64Array, length: number): number {
    const D = this.features;
    const { alpha, emission, scale, constant, precision } = this;
    const A = p.transition;
    const means = p.means;
    const [a00, a01, a02, a03, a10, a11, a12, a13] = A as unknown as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const [a20, a21, a22, a23, a30, a31, a32, a33] = A.subarray(8) as unknown as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    let p0 = p.initial[0] as number;
    let p1 = p.initial[1] as number;
    let p2 = p.initial[2] as number;
    let p3 = p.initial[3] as number;
    let logLikelihood = 0;
    // The scales' product, taken to the log only when it gets small (one log per many bars, not per bar).
    let scales = 1;
    for (let t = 0; t < length; t++) {
      let e0 = 0;
      let e1 = 0;
      let e2 = 0;
      let e3 = 0;
      const at = t * D;
      for (let d = 0; d < D; d++) {
        const x = observations[at + d] as number;
        if (x !== x) continue; // NaN: a missing feature
        const z0 = x - (means[d] as number);
        const z1 = x - (means[D + d] as number);
        const z2 = x - (means[2 * D + d] as number);
        const z3 = x - (means[3 * D + d] as number);
        e0 += (constant[d] as number) - z0 * z0 * (precision[d] as number);
        e1 += (constant[D + d] as number) - z1 * z1 * (precision[D + d] as number);
        e2 += (constant[2 * D + d] as number) - z2 * z2 * (precision[2 * D + d] as number);
        e3 += (constant[3 * D + d] as number) - z3 * z3 * (precision[3 * D + d] as number);
      }
      let top = e0 > e1 ? e0 : e1;
      if (e2 > top) top = e2;
      if (e3 > top) top = e3;
      if (!(top > Number.NEGATIVE_INFINITY && top < Number.POSITIVE_INFINITY)) top = 0;
      // The leading state's ratio is exp(0) = 1: no need to work it out.
      const b0 = e0 === top ? 1 : Math.exp(e0 - top);
      const b1 = e1 === top ? 1 : Math.exp(e1 - top);
      const b2 = e2 === top ? 1 : Math.exp(e2 - top);
      const b3 = e3 === top ? 1 : Math.exp(e3 - top);
      const row = t * 4;
      emission[row] = b0;
      emission[row + 1] = b1;
      emission[row + 2] = b2;
      emission[row + 3] = b3;
      let f0: number;
      let f1: number;
      let f2: number;
      let f3: number;
      if (t === 0) {
        f0 = p0 * b0;
        f1 = p1 * b1;
        f2 = p2 * b2;
        f3 = p3 * b3;
      } else {
        f0 = (p0 * a00 + p1 * a10 + p2 * a20 + p3 * a30) * b0;
        f1 = (p0 * a01 + p1 * a11 + p2 * a21 + p3 * a31) * b1;
        f2 = (p0 * a02 + p1 * a12 + p2 * a22 + p3 * a32) * b2;
        f3 = (p0 * a03 + p1 * a13 + p2 * a23 + p3 * a33) * b3;
      }
      let total = f0 + f1 + f2 + f3;
      if (!(total > 0)) {
        // Every state ruled out (a model that cannot explain the bar): carry a uniform belief.
        p0 = p1 = p2 = p3 = 0.25;
        total = 1;
      } else {
        const inverse = 1 / total;
        p0 = f0 * inverse;
        p1 = f1 * inverse;
        p2 = f2 * inverse;
        p3 = f3 * inverse;
      }
      alpha[row] = p0;
      alpha[row + 1] = p1;
      alpha[row + 2] = p2;
      alpha[row + 3] = p3;
      scale[t] = total;
      logLikelihood += top;
      if (total < 1e-100) logLikelihood += Math.log(total);
      else {
        scales *= total;
        if (scales < 1e-200) {
          logLikelihood += Math.log(scales);
          scales = 1;
        }
      }
    }
    return logLikelihood + Math.log(scales);
  }
}
