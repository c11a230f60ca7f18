import type { SeededRandom } from '../../src/core/random.js';
import { createParams, type HmmParams } from '../../src/core/hmm/model.js';

/** A random model: K states, D features, rows of A and pi from random positives. */
export function randomParams(random: SeededRandom, K: number, D: number): HmmParams {
  const p = createParams(K, D);
  const row = (out: Float64Array, offset: number): void => {
    let total = 0;
    for (let j = 0; j < K; j++) total += out[offset + j] = 0.05 + random.next();
    for (let j = 0; j < K; j++) out[offset + j] = (out[offset + j] as number) / total;
  };
  row(p.initial, 0);
  for (let i = 0; i < K; i++) row(p.transition, i * K);
  for (let i = 0; i < K * D; i++) {
    p.means[i] = random.normal();
    p.variances[i] = 0.2 + random.next() * 2;
  }
  return p;
}
