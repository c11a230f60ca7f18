/**
 * Names a fitted model's states by drift and volatility. Feature 0 is the market's mean return: the
 * state whose returns vary most is `volatile`; of the others the highest mean is `trend-up`, the
 * lowest `trend-down`, the one between `range`. States are reordered to REGIME_NAMES' order, so a
 * state's index is its name and a refit's posterior carries over to the next model.
 */
import type { HmmParams } from './model.js';

/** order[newIndex] = oldIndex. */
export function driftVolatilityOrder(p: HmmParams): number[] {
  const K = p.states;
  const D = p.features;
  const indices = Array.from({ length: K }, (_, k) => k);
  if (K !== 4) return indices.sort((a, b) => (p.means[b * D] as number) - (p.means[a * D] as number));
  const volatile = indices.reduce((a, b) => ((p.variances[b * D] as number) > (p.variances[a * D] as number) ? b : a));
  const calm = indices
    .filter((k) => k !== volatile)
    .sort((a, b) => (p.means[b * D] as number) - (p.means[a * D] as number));
  return [calm[0] as number, calm[2] as number, calm[1] as number, volatile];
}

export function permuteStates(p: HmmParams, order: readonly number[]): HmmParams {
  const K = p.states;
  const D = p.features;
  const out: HmmParams = {
    states: K,
    features: D,
    initial: new Float64Array(K),
    transition: new Float64Array(K * K),
    means: new Float64Array(K * D),
    variances: new Float64Array(K * D),
  };
  for (let i = 0; i < K; i++) {
    const from = order[i] as number;
    out.initial[i] = p.initial[from] as number;
    for (let j = 0; j < K; j++) out.transition[i * K + j] = p.transition[from * K + (order[j] as number)] as number;
    for (let d = 0; d < D; d++) {
      out.means[i * D + d] = p.means[from * D + d] as number;
      out.variances[i * D + d] = p.variances[from * D + d] as number;
    }
  }
  return out;
}

export const orderByDriftAndVolatility = (p: HmmParams): HmmParams => permuteStates(p, driftVolatilityOrder(p));
