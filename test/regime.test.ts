import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PARAMS_BY_REGIME, RegimeController, RegimeDetector, DEFAULT_DETECTOR_CONFIG } from '../src/core/regime.js';
import { SeededRandom } from '../src/core/random.js';
import { measureRegimeAccuracy } from './support/regime-accuracy.js';

test('a steady rise is called trend-up, a fall trend-down, and a burst of volatility volatile', () => {
  const random = new SeededRandom(3);
  const detector = new RegimeDetector();
  for (let i = 0; i < 700; i++) detector.update(0.0015 * random.normal()); // calm, going nowhere
  assert.equal(detector.regime, 'range');
  for (let i = 0; i < 80; i++) detector.update(0.001 + 0.0015 * random.normal());
  assert.equal(detector.regime, 'trend-up');
  for (let i = 0; i < 80; i++) detector.update(-0.001 + 0.0015 * random.normal());
  assert.equal(detector.regime, 'trend-down');
  for (let i = 0; i < 80; i++) detector.update(0.008 * random.normal());
  assert.equal(detector.regime, 'volatile');
  assert.ok(detector.confidence > 0.5 && detector.confidence <= 1);
});

test('hysteresis: a few odd bars do not flip the regime', () => {
  const random = new SeededRandom(5);
  const detector = new RegimeDetector();
  for (let i = 0; i < 700; i++) detector.update(0.0015 * random.normal());
  assert.equal(detector.regime, 'range');
  // Fewer strong bars than the minimum dwell: the smoothed score may lead, but not for long enough.
  let changes = 0;
  for (let i = 0; i < DEFAULT_DETECTOR_CONFIG.minDwell - 1; i++) {
    if (detector.update(0.02).changedFrom !== null) changes++;
  }
  assert.equal(changes, 0);
  assert.equal(detector.regime, 'range');
});

test('hysteresis: noise near a threshold changes the regime far less often than the raw reading would', () => {
  const random = new SeededRandom(9);
  const sticky = new RegimeDetector();
  const jumpy = new RegimeDetector({ ...DEFAULT_DETECTOR_CONFIG, minDwell: 1, smoothing: 1, switchMargin: 0 });
  let stickyChanges = 0;
  let jumpyChanges = 0;
  for (let i = 0; i < 5000; i++) {
    // A drift that keeps the trend statistic hovering around its threshold.
    const r = 0.00035 + 0.0015 * random.normal();
    if (sticky.update(r).changedFrom !== null) stickyChanges++;
    if (jumpy.update(r).changedFrom !== null) jumpyChanges++;
  }
  assert.ok(stickyChanges * 3 < jumpyChanges, `sticky ${stickyChanges} vs raw ${jumpyChanges}`);
});

test('the controller keeps a bounded history of changes and puts the regime parameters in force', () => {
  const controller = new RegimeController(4);
  const random = new SeededRandom(1);
  let time = 0;
  for (let spell = 0; spell < 20; spell++) {
    const drift = [0.0015, -0.0015][spell % 2] as number;
    for (let i = 0; i < 120; i++) controller.update((time += 900_000), drift + 0.0012 * random.normal());
  }
  const history = controller.history();
  assert.equal(history.length, 4, 'the history is bounded');
  assert.ok(history.every((c) => c.from !== c.to));
  assert.deepEqual(controller.params, PARAMS_BY_REGIME[controller.regime]);
  assert.ok(controller.bars >= 1);
});

test('accuracy against the simulated market is well above chance', async () => {
  const seeds = [11, 12, 13];
  let accuracy = 0;
  for (const seed of seeds) {
    const result = await measureRegimeAccuracy(seed, 12_000);
    accuracy += result.accuracy / seeds.length;
    assert.ok(
      result.accuracy > result.majorityBaseline + 0.15,
      `seed ${seed}: ${result.accuracy} vs majority ${result.majorityBaseline}`,
    );
  }
  // Four regimes: chance is 25%.
  assert.ok(accuracy > 0.6, `mean accuracy ${accuracy}`);
});

test('a short history is enough: one near-zero first return does not make calm markets look volatile', () => {
  const random = new SeededRandom(7);
  const detector = new RegimeDetector();
  detector.update(1e-9);
  let volatileBars = 0;
  for (let i = 0; i < 200; i++) {
    detector.update(0.0015 * random.normal());
    if (i > 100 && detector.regime === 'volatile') volatileBars++;
  }
  assert.equal(volatileBars, 0);
});
