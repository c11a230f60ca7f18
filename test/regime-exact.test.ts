import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REGIME_NAMES } from '../src/core/regime-types.js';
import { scoreRegimes } from './support/regime-scoring.js';
import {
  ALL_PARTS,
  argmaxCalls,
  expectedAccuracy,
  exactPosteriors,
  ExactRegimeFilter,
  RETURNS_ONLY,
  simBars,
} from './bench/regime-exact.js';

// The bench's exact filter (the accuracy ceiling of any causal detector) checked against the simulator's truth.
const K = REGIME_NAMES.length;

test("the exact filter's per-bar likelihood favours the true regime, and it is calibrated", async () => {
  const from = 500;
  let calibrationGap = 0;
  const seeds = [31, 32, 33, 34];
  for (const seed of seeds) {
    const sim = await simBars(seed, 20, 6_000);
    const { posteriors, likelihoods } = exactPosteriors(sim);
    // Mean log p(bar | regime) over the bars of each true regime: the true one is the highest.
    const sums = new Float64Array(K * K);
    const counts = new Float64Array(K);
    for (let t = 0; t < sim.bars; t++) {
      const y = sim.truth[t] as number;
      counts[y] = (counts[y] as number) + 1;
      for (let k = 0; k < K; k++) sums[y * K + k] = (sums[y * K + k] as number) + (likelihoods[t * K + k] as number);
    }
    for (let y = 0; y < K; y++) {
      if ((counts[y] as number) < 100) continue;
      for (let k = 0; k < K; k++)
        if (k !== y)
          assert.ok(
            (sums[y * K + y] as number) > (sums[y * K + k] as number),
            `seed ${seed}: bars of ${REGIME_NAMES[y]} are likelier under ${REGIME_NAMES[k]}`,
          );
    }
    const score = scoreRegimes(argmaxCalls(posteriors), sim.truth, from);
    calibrationGap += (score.accuracy - expectedAccuracy(posteriors, from)) / seeds.length;
    // The whole bar knows more than its returns alone.
    const returnsOnly = scoreRegimes(argmaxCalls(exactPosteriors(sim, RETURNS_ONLY).posteriors), sim.truth, from);
    assert.ok(score.accuracy > returnsOnly.accuracy, `seed ${seed}: ${score.accuracy} vs ${returnsOnly.accuracy}`);
  }
  // An exact model's probabilities are calibrated: its argmax is right as often as it expects (one seed of
  // 5,500 bars varies by ±1.7 points; four pooled, measured −0.1).
  assert.ok(Math.abs(calibrationGap) < 0.01, `right ${(calibrationGap * 100).toFixed(2)} points off what it expects`);
});

test('with many symbols the exact filter tells range and volatile almost every bar; the trends differ only by drift', async () => {
  // Range and volatile differ from the trends in every symbol's noise, so many symbols name them within a
  // bar or two; trend-up and trend-down differ only by the drift's sign (±0.0004 against a factor noise of
  // 0.0015 a bar), which takes bars to see however many symbols there are.
  const many = await simBars(33, 150, 3_000);
  const manyScore = scoreRegimes(argmaxCalls(exactPosteriors(many, ALL_PARTS).posteriors), many.truth, 300);
  const range = REGIME_NAMES.indexOf('range');
  const volatile = REGIME_NAMES.indexOf('volatile');
  assert.ok(manyScore.accuracy > 0.95, `150 symbols: ${manyScore.accuracy}`);
  assert.ok((manyScore.recall[range] as number) > 0.99, `range: ${manyScore.recall[range]}`);
  assert.ok((manyScore.recall[volatile] as number) > 0.99, `volatile: ${manyScore.recall[volatile]}`);
  const few = await simBars(33, 3, 3_000);
  const fewScore = scoreRegimes(argmaxCalls(exactPosteriors(few, ALL_PARTS).posteriors), few.truth, 300);
  assert.ok(fewScore.accuracy < manyScore.accuracy - 0.05, `3 symbols: ${fewScore.accuracy}`);
});

test("the pull-back's hidden state is tracked exactly: merging range spells older than 300 bars changes no posterior", async () => {
  const sim = await simBars(35, 20, 3_000);
  const posteriors = (horizon: number): Float64Array => {
    const filter = new ExactRegimeFilter(sim.beta, sim.noise, sim.baseVolume, ALL_PARTS, horizon);
    const out = new Float64Array(sim.bars * K);
    for (let t = 0; t < sim.bars; t++)
      out.set(filter.step(sim.open, sim.high, sim.low, sim.close, sim.volume, t * sim.symbols), t * K);
    return out;
  };
  const merged = posteriors(300);
  const longer = posteriors(1_000);
  const coarse = posteriors(20);
  let gap = 0;
  let coarseGap = 0;
  for (let i = 0; i < merged.length; i++) {
    gap = Math.max(gap, Math.abs((merged[i] as number) - (longer[i] as number)));
    coarseGap = Math.max(coarseGap, Math.abs((coarse[i] as number) - (longer[i] as number)));
  }
  assert.ok(gap < 1e-6, `300 against 1,000 bars: ${gap}`);
  assert.ok(coarseGap > 1e-5, `20 bars is too few, and shows: ${coarseGap}`);
});
