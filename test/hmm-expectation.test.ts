import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../src/core/random.js';
import { createParams } from '../src/core/hmm/model.js';
import { forwardBackward } from '../src/core/hmm/inference.js';
import { ExpectationWorkspace } from '../src/core/hmm/expectation.js';
import { randomParams } from './support/random-hmm.js';

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * (1 + Math.abs(expected)), `${what}: ${actual} vs ${expected}`);

// The E-step's statistics (the four-state unrolled path and the general one) against the same sums
// worked out from forwardBackward's posteriors, which test/hmm.test.ts checks against enumeration.
for (const [K, D] of [
  [4, 2],
  [4, 1],
  [3, 2],
  [2, 3],
] as const) {
  test(`E-step statistics equal sums over forward-backward's posteriors (K=${K}, D=${D}, some features missing)`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = new SeededRandom(seed);
      const p = randomParams(random, K, D);
      const T = 2 + Math.floor(random.next() * 300);
      const obs = new Float64Array(T * D);
      for (let i = 0; i < obs.length; i++) obs[i] = random.next() < 0.1 ? Number.NaN : 3 + 1.5 * random.normal();
      const reference = Float64Array.from({ length: D }, () => 3 + random.normal());
      const fb = forwardBackward(p, obs, T);
      const e = new ExpectationWorkspace(T + 5, K, D, reference);
      e.run(p, obs, T);
      close(e.logLikelihood, fb.logLikelihood, 'log-likelihood');
      for (let i = 0; i < K * K; i++)
        close(e.transitionCounts[i] as number, fb.transitionCounts[i] as number, 'counts');
      for (let k = 0; k < K; k++) close(e.first[k] as number, fb.posteriors[k] as number, 'first posterior');
      for (let k = 0; k < K; k++)
        for (let d = 0; d < D; d++) {
          let w = 0;
          let s = 0;
          let q = 0;
          for (let t = 0; t < T; t++) {
            const x = obs[t * D + d] as number;
            if (Number.isNaN(x)) continue;
            const g = fb.posteriors[t * K + k] as number;
            const z = x - (reference[d] as number);
            w += g;
            s += g * z;
            q += g * z * z;
          }
          close(e.weight[k * D + d] as number, w, 'weight');
          close(e.sum[k * D + d] as number, s, 'sum');
          close(e.squares[k * D + d] as number, q, 'squares');
        }
    }
  });
}

test('E-step on a model that rules out every state keeps a uniform belief and finite statistics', () => {
  const p = createParams(4, 2);
  p.transition.fill(0.25);
  p.variances.fill(1e-300);
  const obs = Float64Array.from([1e200, 1e200, -1e200, 5, Number.NaN, Number.NaN]);
  const e = new ExpectationWorkspace(3, 4, 2);
  e.run(p, obs, 3);
  for (const v of [...e.weight, ...e.transitionCounts, ...e.first]) assert.ok(!Number.isNaN(v));
});
