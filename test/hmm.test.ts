import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom } from '../src/core/random.js';
import { createParams, logEmissions, type HmmParams } from '../src/core/hmm/model.js';
import { ForwardFilter, forwardBackward, viterbi } from '../src/core/hmm/inference.js';
import { DEFAULT_FIT_OPTIONS, fitHmm } from '../src/core/hmm/fit.js';
import {
  estimateLoadings,
  FACTOR_FEATURE_NAMES,
  FEATURE_COUNT,
  FEATURE_NAMES,
  UniverseFeatures,
} from '../src/core/hmm/features.js';
import { DEFAULT_HMM_SETTINGS, HmmRegimeDetector } from '../src/core/hmm/detector.js';
import { randomParams } from './support/random-hmm.js';
import { REGIME_NAMES } from '../src/core/regime-types.js';

function randomObservations(random: SeededRandom, T: number, D: number, missingShare: number): Float64Array {
  const obs = new Float64Array(T * D);
  for (let i = 0; i < obs.length; i++) obs[i] = random.next() < missingShare ? Number.NaN : 1.5 * random.normal();
  return obs;
}

/** Every state path, its joint log-probability with the observations. */
function enumeratePaths(p: HmmParams, obs: Float64Array, T: number): { path: number[]; logJoint: number }[] {
  const K = p.states;
  const D = p.features;
  const logB = Array.from({ length: T }, (_, t) => {
    const out = new Float64Array(K);
    logEmissions(p, obs, t * D, out);
    return out;
  });
  const paths: { path: number[]; logJoint: number }[] = [];
  for (let code = 0; code < K ** T; code++) {
    const path: number[] = [];
    let rest = code;
    for (let t = 0; t < T; t++) {
      path.push(rest % K);
      rest = Math.floor(rest / K);
    }
    let logJoint = Math.log(p.initial[path[0] as number] as number) + (logB[0]?.[path[0] as number] as number);
    for (let t = 1; t < T; t++) {
      const [a, b] = [path[t - 1] as number, path[t] as number];
      logJoint += Math.log(p.transition[a * K + b] as number) + (logB[t]?.[b] as number);
    }
    paths.push({ path, logJoint });
  }
  return paths;
}

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test('forward-backward equals brute-force enumeration of all state paths (T ≤ 6, missing features too)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 2, max: 4 }),
      fc.integer({ min: 1, max: 2 }),
      (seed, T, K, D) => {
        const random = new SeededRandom(seed);
        const p = randomParams(random, K, D);
        const obs = randomObservations(random, T, D, 0.15);
        const paths = enumeratePaths(p, obs, T);
        const top = Math.max(...paths.map((x) => x.logJoint));
        const total = paths.reduce((s, x) => s + Math.exp(x.logJoint - top), 0);
        const logLikelihood = top + Math.log(total);
        const fb = forwardBackward(p, obs, T);
        close(fb.logLikelihood, logLikelihood, 1e-9 * Math.max(1, Math.abs(logLikelihood)), 'log-likelihood');
        for (let t = 0; t < T; t++)
          for (let k = 0; k < K; k++) {
            const marginal = paths.reduce((s, x) => s + (x.path[t] === k ? Math.exp(x.logJoint - top) : 0), 0) / total;
            close(fb.posteriors[t * K + k] as number, marginal, 1e-9, `P(state ${t} = ${k})`);
          }
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++) {
            let expected = 0;
            for (const x of paths)
              for (let t = 0; t + 1 < T; t++)
                if (x.path[t] === i && x.path[t + 1] === j) expected += Math.exp(x.logJoint - top) / total;
            close(fb.transitionCounts[i * K + j] as number, expected, 1e-9, `expected transitions ${i}→${j}`);
          }
        // The causal filter's last belief is the smoothed one at the last step.
        const filter = new ForwardFilter(p);
        for (let t = 0; t < T; t++) filter.step(obs, t * D);
        for (let k = 0; k < K; k++)
          close(filter.posterior[k] as number, fb.posteriors[(T - 1) * K + k] as number, 1e-9, 'filter at T');
      },
    ),
    { numRuns: 150 },
  );
});

test('Viterbi returns the most probable path of the brute-force enumeration, with its probability', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 2, max: 4 }),
      (seed, T, K) => {
        const random = new SeededRandom(seed);
        const p = randomParams(random, K, 2);
        const obs = randomObservations(random, T, 2, 0.1);
        const paths = enumeratePaths(p, obs, T);
        const best = paths.reduce((a, b) => (b.logJoint > a.logJoint ? b : a));
        const v = viterbi(p, obs, T);
        close(v.logProbability, best.logJoint, 1e-9 * Math.max(1, Math.abs(best.logJoint)), 'log P(best path)');
        const found = paths.find((x) => x.path.every((s, t) => s === v.path[t]));
        assert.ok(found !== undefined);
        close(found.logJoint, best.logJoint, 1e-9 * Math.max(1, Math.abs(best.logJoint)), 'the path Viterbi returns');
      },
    ),
    { numRuns: 150 },
  );
});

/** A known 4-state model in the canonical order (trend-up, trend-down, range, volatile). */
function knownModel(): HmmParams {
  const p = createParams(4, 2);
  const stay = [0.99, 0.985, 0.992, 0.98];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) p.transition[i * 4 + j] = i === j ? (stay[i] as number) : (1 - (stay[i] as number)) / 3;
  p.means.set([1, 0, -1, 0.2, 0, -0.5, -0.2, 1.5]);
  p.variances.set([1, 0.25, 1.1, 0.25, 0.7, 0.2, 6, 0.3]);
  return p;
}

function sample(p: HmmParams, T: number, random: SeededRandom): Float64Array {
  const K = p.states;
  const D = p.features;
  const obs = new Float64Array(T * D);
  let s = 0;
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      let u = random.next();
      let next = 0;
      while (next < K - 1 && (u -= p.transition[s * K + next] as number) > 0) next++;
      s = next;
    }
    for (let d = 0; d < D; d++)
      obs[t * D + d] = (p.means[s * D + d] as number) + Math.sqrt(p.variances[s * D + d] as number) * random.normal();
  }
  return obs;
}

test('EM recovers a known model from 20,000 bars it generated: means within a tenth of the state’s standard deviation, variances within 15%, P(stay) within 0.01', () => {
  const truth = knownModel();
  for (const seed of [1, 2]) {
    const T = 20_000;
    const obs = sample(truth, T, new SeededRandom(seed));
    const fit = fitHmm(obs, T, 2, { ...DEFAULT_FIT_OPTIONS, maxIterations: 200, tolerance: 1e-7, mirrorTrends: false });
    assert.ok(fit !== null);
    const p = fit.params;
    for (let i = 0; i < 8; i++) {
      close(
        p.means[i] as number,
        truth.means[i] as number,
        0.1 * Math.sqrt(truth.variances[i] as number),
        `seed ${seed} mean ${i}`,
      );
      close((p.variances[i] as number) / (truth.variances[i] as number), 1, 0.15, `seed ${seed} variance ${i}`);
    }
    for (let k = 0; k < 4; k++)
      close(p.transition[k * 5] as number, truth.transition[k * 5] as number, 0.01, `seed ${seed} P(stay ${k})`);
  }
});

/** A model that meets the mirror constraint: range has no drift and is calm, the trends drift ±0.5. */
function mirroredModel(): HmmParams {
  const p = knownModel();
  p.means.set([0.5, 0, -0.5, 0, 0, -0.5, -0.2, 1.5]);
  p.variances.set([1, 0.25, 1, 0.25, 0.7, 0.2, 6, 0.3]);
  return p;
}

test('EM with mirrored trends (the default) recovers a model that meets its constraint, from 20,000 bars', () => {
  const truth = mirroredModel();
  const T = 20_000;
  const obs = sample(truth, T, new SeededRandom(3));
  const fit = fitHmm(obs, T, 2, { ...DEFAULT_FIT_OPTIONS, maxIterations: 200, tolerance: 1e-7 });
  assert.ok(fit !== null);
  const p = fit.params;
  for (let i = 0; i < 8; i++) {
    close(p.means[i] as number, truth.means[i] as number, 0.1 * Math.sqrt(truth.variances[i] as number), `mean ${i}`);
    close((p.variances[i] as number) / (truth.variances[i] as number), 1, 0.15, `variance ${i}`);
  }
  assert.equal(p.means[0], -(p.means[2] as number), 'the trends are mirror images');
  assert.equal(p.means[4], 0, 'range has no drift');
  for (let k = 0; k < 4; k++)
    close(p.transition[k * 5] as number, truth.transition[k * 5] as number, 0.01, `P(stay ${k})`);
});

/** The transition rows one M-step makes from expected counts n (K × K): P(stay) pooled, the moves alike. */
function tiedRows(n: Float64Array, K: number, poolBars: number, minStay: number): Float64Array {
  let stays = 0;
  let all = 0;
  for (let i = 0; i < K * K; i++) {
    all += n[i] as number;
    if (i % (K + 1) === 0) stays += n[i] as number;
  }
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    let row = 0;
    for (let j = 0; j < K; j++) row += n[i * K + j] as number;
    const stay = Math.max(minStay, ((n[i * K + i] as number) + (poolBars * stays) / all) / (row + poolBars));
    for (let j = 0; j < K; j++) out[i * K + j] = i === j ? stay : (1 - stay) / (K - 1);
  }
  return out;
}

test('an M-step ties the moves (each row: P(stay), then the rest shared alike) and pulls each P(stay) toward the pooled one', () => {
  const truth = mirroredModel();
  // Unequal moves in the data: the fit still shares each row's moves alike.
  truth.transition.set([
    0.99, 0.008, 0.001, 0.001, 0.002, 0.985, 0.003, 0.01, 0.006, 0.001, 0.992, 0.001, 0.01, 0.005, 0.005, 0.98,
  ]);
  const T = 6000;
  const obs = sample(truth, T, new SeededRandom(4));
  for (const stayPoolBars of [0, 1000, 20_000]) {
    const options = { ...DEFAULT_FIT_OPTIONS, starts: 0, maxIterations: 1, warmStart: truth, stayPoolBars };
    const fit = fitHmm(obs, T, 2, options);
    assert.ok(fit !== null);
    // The reference: forward-backward's expected transition counts under the start model.
    const { transitionCounts } = forwardBackward(truth, obs, T);
    const expected = tiedRows(transitionCounts, 4, stayPoolBars, DEFAULT_FIT_OPTIONS.minStay);
    for (let i = 0; i < 16; i++)
      close(fit.params.transition[i] as number, expected[i] as number, 1e-6, `pool ${stayPoolBars}, entry ${i}`);
  }
  // Unpooled and untied it is the plain estimate, counts over the row.
  const plain = fitHmm(obs, T, 2, {
    ...DEFAULT_FIT_OPTIONS,
    starts: 0,
    maxIterations: 1,
    warmStart: truth,
    stayPoolBars: 0,
    movesAlike: false,
  });
  assert.ok(plain !== null);
  const { transitionCounts: n } = forwardBackward(truth, obs, T);
  for (let i = 0; i < 4; i++) {
    let row = 0;
    for (let j = 0; j < 4; j++) row += n[i * 4 + j] as number;
    for (let j = 0; j < 4; j++)
      close(
        plain.params.transition[i * 4 + j] as number,
        Math.max(1e-6, (n[i * 4 + j] as number) / row),
        1e-4,
        `plain ${i}${j}`,
      );
  }
});

test('MAP-EM: one M-step with a prior is the closed form with its pseudo-bars (means and variances from forward-backward posteriors)', () => {
  const truth = knownModel();
  const T = 3000;
  const obs = sample(truth, T, new SeededRandom(5));
  const prior = knownModel();
  prior.means.set([0.5, 0.3, -0.4, 0, 0.1, -0.2, 0.5, 1]);
  prior.variances.set([2, 0.5, 1.5, 0.4, 1, 0.3, 4, 0.5]);
  const priorBars = 400;
  const options = { ...DEFAULT_FIT_OPTIONS, starts: 0, maxIterations: 1, warmStart: truth, mirrorTrends: false };
  const fit = fitHmm(obs, T, 2, { ...options, priorBars, prior });
  assert.ok(fit !== null);
  const { posteriors } = forwardBackward(truth, obs, T);
  for (let k = 0; k < 4; k++)
    for (let d = 0; d < 2; d++) {
      const i = k * 2 + d;
      let w = priorBars;
      let sum = priorBars * (prior.means[i] as number);
      for (let t = 0; t < T; t++) {
        w += posteriors[t * 4 + k] as number;
        sum += (posteriors[t * 4 + k] as number) * (obs[t * 2 + d] as number);
      }
      const mean = sum / w;
      let squares = priorBars * (((prior.means[i] as number) - mean) ** 2 + (prior.variances[i] as number));
      for (let t = 0; t < T; t++)
        squares += (posteriors[t * 4 + k] as number) * ((obs[t * 2 + d] as number) - mean) ** 2;
      close(fit.params.means[i] as number, mean, 1e-9, `mean ${i}`);
      close(fit.params.variances[i] as number, squares / w, 1e-9, `variance ${i}`);
    }
  // Without pseudo-bars it is the maximum-likelihood step (the prior is not used).
  const ml = fitHmm(obs, T, 2, { ...options, priorBars: 0, prior });
  const plain = fitHmm(obs, T, 2, { ...options, priorBars: 0 });
  assert.ok(ml !== null && plain !== null);
  assert.deepEqual(Array.from(ml.params.means), Array.from(plain.params.means));
});

test('MAP-EM: a window of one calm regime (a backfill without trends or turmoil) still has a volatile state, twice as volatile and dispersed; plain EM spends it on calm bars', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = new SeededRandom(seed);
    const T = 1000;
    const obs = new Float64Array(T * 2);
    for (let t = 0; t < T; t++) {
      obs[t * 2] = random.normal();
      obs[t * 2 + 1] = -6.5 + 0.1 * random.normal();
    }
    const fit = fitHmm(obs, T, 2);
    assert.ok(fit !== null);
    const { means, variances } = fit.params;
    const calmest = Math.max(variances[0] as number, variances[2] as number, variances[4] as number);
    assert.ok(
      (variances[6] as number) >= 2 * calmest,
      `seed ${seed}: volatile's variance ${variances[6]} vs ${calmest}`,
    );
    for (const k of [0, 1, 2])
      assert.ok((means[7] as number) - (means[k * 2 + 1] as number) > 0.5, `seed ${seed}: volatile's dispersion`);
    assert.ok((means[0] as number) >= 0 && means[0] === -(means[2] as number), `seed ${seed}: the trends mirror`);
    close(variances[4] as number, 1, 0.3, `seed ${seed}: range is the data`);
    // Plain EM (no prior) makes all four states calm ones: its "volatile" is no wider than twice the others.
    const ml = fitHmm(obs, T, 2, { ...DEFAULT_FIT_OPTIONS, priorBars: 0 });
    assert.ok(ml !== null);
    const mlCalmest = Math.max(ml.params.variances[0] as number, ml.params.variances[2] as number);
    assert.ok((ml.params.variances[6] as number) < 2 * mlCalmest, `seed ${seed}: plain EM`);
  }
});

test('the fit is in the data’s own units: returns scaled by c (dispersion shifted by log c) give the same model, scaled (so the prior fits any market)', () => {
  const truth = mirroredModel();
  const T = 3000;
  const obs = sample(truth, T, new SeededRandom(6));
  for (const c of [1e-3, 40]) {
    const scaled = obs.map((x, i) => (i % 2 === 0 ? x * c : x + Math.log(c)));
    const a = fitHmm(obs, T, 2);
    const b = fitHmm(scaled, T, 2);
    assert.ok(a !== null && b !== null);
    for (let k = 0; k < 4; k++) {
      close((b.params.means[k * 2] as number) / c, a.params.means[k * 2] as number, 1e-6, `c ${c}: drift ${k}`);
      close(
        (b.params.variances[k * 2] as number) / (c * c),
        a.params.variances[k * 2] as number,
        1e-6,
        `c ${c}: variance ${k}`,
      );
      close(
        (b.params.means[k * 2 + 1] as number) - Math.log(c),
        a.params.means[k * 2 + 1] as number,
        1e-6,
        `c ${c}: dispersion ${k}`,
      );
      close(b.params.transition[k * 5] as number, a.params.transition[k * 5] as number, 1e-6, `c ${c}: P(stay ${k})`);
    }
  }
});

/**
 * Regimes in the simulated market's proportions, in units of range's standard deviation: trends drift
 * ±0.33 with 1.25–1.3, volatile 3.5 and its symbols twice as dispersed; mean spells of 90–180 bars.
 */
function marketLikeModel(): HmmParams {
  const p = createParams(4, 2);
  const spell = [160, 120, 180, 90];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      const leave = 1 / (spell[i] as number);
      p.transition[i * 4 + j] = i === j ? 1 - leave : leave / 3;
    }
  p.means.set([0.33, -6.36, -0.33, -6.36, 0, -6.46, -0.06, -5.66]);
  p.variances.set([1.25 ** 2, 0.01, 1.3 ** 2, 0.01, 1, 0.01, 3.5 ** 2, 0.11 ** 2]);
  return p;
}

test('after a backfill of one calm regime, the detector finds the regimes it lacked: over the next 2,000 bars at least 60% right on each seed (plain EM: 29–70%)', () => {
  const p = marketLikeModel();
  const backfill = 1000;
  const after = 2000;
  const scores = (priorBars: number): number[] =>
    [1, 2, 3, 4, 5].map((seed) => {
      const random = new SeededRandom(seed);
      const detector = new HmmRegimeDetector(2, DEFAULT_HMM_SETTINGS, { ...DEFAULT_FIT_OPTIONS, priorBars });
      const bar = new Float64Array(2);
      let state = 2;
      let right = 0;
      for (let t = 0; t < backfill + after; t++) {
        if (t >= backfill) {
          let u = random.next();
          let next = 0;
          while (next < 3 && (u -= p.transition[state * 4 + next] as number) > 0) next++;
          state = next;
        }
        for (let d = 0; d < 2; d++)
          bar[d] =
            (p.means[state * 2 + d] as number) + Math.sqrt(p.variances[state * 2 + d] as number) * random.normal();
        detector.update(bar);
        if (t === backfill - 1) assert.ok(detector.fitNow());
        if (t >= backfill && detector.regime === REGIME_NAMES[state]) right++;
      }
      return right / after;
    });
  const map = scores(DEFAULT_FIT_OPTIONS.priorBars);
  const plain = scores(0);
  map.forEach((share, i) => assert.ok(share >= 0.6, `seed ${i + 1}: ${share}`));
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(mean(map) >= mean(plain) + 0.1, `MAP ${mean(map)} against plain EM ${mean(plain)}`);
});

test('features: mean and log standard deviation of the returns; non-finite returns skipped; one symbol has no dispersion', () => {
  const f = new UniverseFeatures();
  const out = new Float64Array(FEATURE_COUNT);
  for (const r of [0.01, 0.03, Number.NaN, Number.POSITIVE_INFINITY, -0.01]) f.add(r);
  f.finish(out);
  close(out[0] as number, 0.01, 1e-12, 'mean');
  close(out[1] as number, Math.log(0.02), 1e-12, 'log sd');
  f.add(0.02);
  f.finish(out);
  assert.equal(out[0], 0.02);
  assert.ok(Number.isNaN(out[1]));
  f.finish(out);
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]), 'no return at all: the bar is missing');
});

test('factor features: the move by GLS (weights β/σ²) and ½ log of the mean squared standardised residual; a symbol without loadings is left out', () => {
  const loadings = {
    beta: Float64Array.from([0.8, 1.2, 1, Number.NaN]),
    deviation: Float64Array.from([0.001, 0.002, 0.0015, Number.NaN]),
  };
  const f = new UniverseFeatures(loadings);
  assert.deepEqual(f.names, FACTOR_FEATURE_NAMES);
  const r = [0.002, 0.004, -0.001, 0.5];
  r.forEach((x, s) => f.add(x, s));
  f.add(Number.NaN, 2);
  assert.equal(f.symbols, 4, 'every finite return counts as a symbol with a return');
  const out = new Float64Array(FEATURE_COUNT);
  f.finish(out);
  let num = 0;
  let den = 0;
  for (let s = 0; s < 3; s++) {
    const w = (loadings.beta[s] as number) / (loadings.deviation[s] as number) ** 2;
    num += w * (r[s] as number);
    den += w * (loadings.beta[s] as number);
  }
  const move = num / den;
  let squares = 0;
  for (let s = 0; s < 3; s++)
    squares += (((r[s] as number) - (loadings.beta[s] as number) * move) / (loadings.deviation[s] as number)) ** 2;
  close(out[0] as number, move, 1e-15, 'GLS move');
  close(out[1] as number, 0.5 * Math.log(squares / 2), 1e-12, 'dispersion in own noise');
  // One symbol with loadings: its move, no dispersion; none: the bar is missing.
  f.add(0.003, 1);
  f.add(0.01, 3);
  f.finish(out);
  close(out[0] as number, 0.003 / 1.2, 1e-15, 'one symbol');
  assert.ok(Number.isNaN(out[1]));
  f.add(0.01, 3);
  f.finish(out);
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
  f.useLoadings(null);
  assert.deepEqual(f.names, FEATURE_NAMES);
});

test('factor loadings from a backfill recover each symbol’s beta and noise (betas within 10%, noise within 6%, on 3,000 bars of 40 symbols), an inverse fund’s negative beta too; a price that hardly moves gets a quarter of the median noise; too few bars or symbols: none', () => {
  const random = new SeededRandom(8);
  const symbols = 40;
  const beta = Array.from({ length: symbols }, () => 0.7 + 0.7 * random.next());
  const noise = Array.from({ length: symbols }, () => 0.001 + 0.0015 * random.next());
  beta[0] = -1; // an inverse fund
  beta[1] = 0.01; // a price that hardly moves
  noise[1] = 1e-6;
  const rows = Array.from({ length: 3000 }, (_, t) => {
    const factor = 0.0015 * random.normal();
    return Float64Array.from({ length: symbols }, (_, s) =>
      t === 0 || (s === 5 && t % 3 === 0)
        ? Number.NaN
        : (beta[s] as number) * factor + (noise[s] as number) * random.normal(),
    );
  });
  const loadings = estimateLoadings(rows, symbols);
  assert.ok(loadings !== null);
  // Against the cross-sectional mean, a beta is relative to the universe's mean beta (and a little above
  // it: the symbol's own noise is a 40th of the mean).
  const meanBeta = beta.reduce((a, b) => a + b, 0) / symbols;
  for (let s = 0; s < symbols; s++) {
    if (s !== 1) close((loadings.beta[s] as number) / ((beta[s] as number) / meanBeta), 1, 0.1, `beta ${s}`);
    if (s !== 1) close((loadings.deviation[s] as number) / (noise[s] as number), 1, 0.06, `noise ${s}`);
  }
  assert.ok((loadings.beta[0] as number) < 0, 'the inverse fund is kept, its beta negative');
  const sorted = Array.from(loadings.deviation).sort((a, b) => a - b);
  close(loadings.deviation[1] as number, 0.25 * (sorted[20] as number), 1e-4 * (sorted[20] as number), 'floored');
  assert.equal(estimateLoadings(rows.slice(0, 50), symbols), null, 'fewer bars than MIN_LOADING_BARS');
  const one = rows.map((row) => row.subarray(0, 1));
  assert.equal(estimateLoadings(one, 1), null, 'one symbol');
});

/** Bars from a known model, scaled to look like market features. */
function marketLike(seed: number, T: number): Float64Array {
  const obs = sample(knownModel(), T, new SeededRandom(seed));
  for (let t = 0; t < T; t++) {
    obs[t * 2] = (obs[t * 2] as number) * 0.0004;
    obs[t * 2 + 1] = -6 + (obs[t * 2 + 1] as number) * 0.3;
  }
  return obs;
}

test('bad data never throws: NaN and infinite returns, a constant series, a single symbol, 3 bars, a gap of days', () => {
  const settings = { ...DEFAULT_HMM_SETTINGS, minHistory: 200, window: 1000, refitEvery: 300 };
  // 3 bars of backfill: too little to fit, the detector says learning and keeps the prior.
  const short = new HmmRegimeDetector(2, settings);
  for (let t = 0; t < 3; t++) short.update([0.001, -6]);
  assert.equal(short.fitNow(), false);
  assert.ok(short.learning);
  assert.deepEqual(Array.from(short.posterior), [0.25, 0.25, 0.25, 0.25]);

  // A constant series cannot be fitted: still learning, no throw.
  const constant = new HmmRegimeDetector(2, settings);
  for (let t = 0; t < 600; t++) constant.update([0, -6]);
  assert.equal(constant.fitNow(), false);
  assert.ok(constant.learning);

  // A fitted detector fed garbage keeps a valid belief and its last model.
  const obs = marketLike(4, 3000);
  const detector = new HmmRegimeDetector(2, settings);
  for (let t = 0; t < 1500; t++) detector.update(obs.subarray(t * 2, t * 2 + 2));
  assert.ok(detector.fitNow());
  const fits = detector.fitCount;
  const garbage = [
    [Number.NaN, Number.NaN],
    [Number.POSITIVE_INFINITY, -6],
    [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
    [0.001, Number.NaN], // a single symbol: no dispersion
    [0.5, 2], // the first bar after a gap of days: a huge move
  ];
  for (let round = 0; round < 400; round++) {
    for (const bar of garbage) {
      detector.update(bar);
      const sum = detector.posterior.reduce((a, b) => a + b, 0);
      assert.ok(
        Number.isFinite(detector.probability) && Math.abs(sum - 1) < 1e-9,
        `belief ${detector.posterior.join()}`,
      );
    }
  }
  assert.ok(!detector.learning);
  assert.ok(detector.fitCount >= fits, 'a refit on garbage never removes the model');
  assert.ok(detector.params !== null && detector.params.variances.every((v) => v > 0 && Number.isFinite(v)));
  // A single symbol throughout: only the mean return exists, and the model still fits and runs.
  const single = new HmmRegimeDetector(2, settings);
  for (let t = 0; t < 1500; t++) single.update([obs[t * 2] as number, Number.NaN]);
  assert.ok(single.fitNow());
  for (let t = 1500; t < 2000; t++) single.update([obs[t * 2] as number, Number.NaN]);
  assert.ok(Math.abs(single.posterior.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test('dwell: a challenger must qualify for `dwell` bars in a row; a bar where it leads by less than the margin resets its count', () => {
  const settings = { ...DEFAULT_HMM_SETTINGS, threshold: 0.6, margin: 0.3, dwell: 3, minHistory: 200, window: 2000 };
  const obs = marketLike(5, 1500);
  const detector = new HmmRegimeDetector(2, settings);
  for (let t = 0; t < 1500; t++) detector.update(obs.subarray(t * 2, t * 2 + 2));
  assert.ok(detector.fitNow());
  const p = detector.params as HmmParams;
  const barOf = (k: number): number[] => [p.means[k * 2] as number, p.means[k * 2 + 1] as number];
  // Settle firmly in range, then feed volatile-looking bars two at a time with a range bar between:
  // the challenger qualifies for two bars, falls back, and its count must start over.
  for (let i = 0; i < 60; i++) detector.update(barOf(2));
  assert.equal(detector.regime, 'range');
  let qualifiedInARow = 0;
  let longest = 0;
  for (let round = 0; round < 30; round++) {
    for (const bar of [barOf(3), barOf(3), barOf(2), barOf(2), barOf(2)]) {
      const before: string = detector.regime;
      detector.update(bar);
      const post = detector.posterior;
      const leads = (post[3] as number) >= 0.6 && (post[3] as number) - (post[2] as number) >= 0.3;
      qualifiedInARow = leads ? qualifiedInARow + 1 : 0;
      longest = Math.max(longest, qualifiedInARow);
      if (qualifiedInARow < 3) assert.equal(detector.regime, before, 'no switch before the dwell is complete');
    }
  }
  assert.ok(longest < 3, `the test must exercise resets, not a full dwell (longest run ${longest})`);
  assert.equal(detector.regime, 'range');
  // Enough volatile bars in a row do switch.
  for (let i = 0; i < 10; i++) detector.update(barOf(3));
  assert.equal(detector.regime, 'volatile');
});

test('refits are spread over bars and deterministic: two detectors fed the same bars agree bar for bar', () => {
  const settings = { ...DEFAULT_HMM_SETTINGS, minHistory: 200, window: 1500, refitEvery: 300 };
  const obs = marketLike(6, 4000);
  const a = new HmmRegimeDetector(2, settings);
  const b = new HmmRegimeDetector(2, settings);
  let refittingBars = 0;
  for (let t = 0; t < 4000; t++) {
    const bar = obs.subarray(t * 2, t * 2 + 2);
    a.update(bar);
    b.update(bar);
    if (a.refitting) refittingBars++;
    assert.deepEqual(Array.from(a.posterior), Array.from(b.posterior), `bar ${t}`);
    assert.equal(a.regime, b.regime);
  }
  assert.ok(a.fitCount >= 8, `refits happened (${a.fitCount} fits)`);
  assert.ok(refittingBars > a.fitCount, 'a refit takes several bars (one EM iteration each), not one long stop');
});
