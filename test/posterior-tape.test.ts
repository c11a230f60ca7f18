import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DETECTOR_CONFIG } from '../src/core/regime.js';
import { PosteriorTape, tapeKey } from '../src/core/hmm/posterior-tape.js';
import { FEATURE_COUNT } from '../src/core/hmm/features.js';
import { DEFAULT_UNIVERSE } from '../src/market/universe.js';
import { backtest } from '../src/learn/backtest.js';
import { unionOfTimes } from '../src/learn/replay-market.js';
import { simulatedBars } from './support/simulated-bars.js';

// learn tune's settings of one window share the detector's model side (a tape): every backtest that
// replays it must find what it finds when it fits for itself, to the cent.
test('backtests that replay a shared posterior tape equal backtests that fit their own detector', async () => {
  const bars = await simulatedBars({
    seed: 7,
    symbols: DEFAULT_UNIVERSE.slice(0, 12),
    timeframe: '1Min',
    periodDays: 6,
  });
  const steps = unionOfTimes(bars.series);
  const configs = [
    { ...DEFAULT_DETECTOR_CONFIG, window: 1000 },
    { ...DEFAULT_DETECTOR_CONFIG, window: 1000, threshold: 0.6, dwell: 3 },
    { ...DEFAULT_DETECTOR_CONFIG, window: 1000, threshold: 0.9, dwell: 2 },
    { ...DEFAULT_DETECTOR_CONFIG, window: 2500, threshold: 0.8 },
    { ...DEFAULT_DETECTOR_CONFIG, window: 2500, dwell: 5 },
  ];
  const tapes = new Map<string, PosteriorTape>();
  const results = configs.map((config) => {
    const key = tapeKey(config);
    let tape = tapes.get(key);
    if (tape === undefined) tapes.set(key, (tape = new PosteriorTape(key, 4, FEATURE_COUNT, 16)));
    return { own: backtest(bars, config, steps), shared: backtest(bars, config, steps, tape) };
  });
  assert.equal(tapes.size, 2);
  for (const tape of tapes.values()) {
    // One taped bar per step with a market return (every step but the first).
    assert.equal(tape.length, steps.length - 1);
    assert.ok(tape.models.length > 2, 'the tape holds the first fit and refits');
  }
  for (const { own, shared } of results) assert.deepEqual(shared, own);
  // The settings really differ in what they decide (else the test could not tell a replay from a copy).
  assert.ok(new Set(results.map((r) => r.own.trades)).size > 1);
});

test('a posterior tape refuses other window settings and other bars', async () => {
  const bars = await simulatedBars({
    seed: 3,
    symbols: DEFAULT_UNIVERSE.slice(0, 6),
    timeframe: '1Min',
    periodDays: 2,
  });
  const other = await simulatedBars({
    seed: 4,
    symbols: DEFAULT_UNIVERSE.slice(0, 6),
    timeframe: '1Min',
    periodDays: 2,
  });
  const config = { ...DEFAULT_DETECTOR_CONFIG, window: 1000 };
  const tape = new PosteriorTape(tapeKey(config), 4, FEATURE_COUNT);
  backtest(bars, config, undefined, tape);
  assert.throws(() => backtest(bars, { ...config, window: 2500 }, undefined, tape), /other window or refit settings/);
  assert.throws(() => backtest(other, config, undefined, tape), /does not hold these bars/);
});
