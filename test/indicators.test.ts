import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ema, RollingStats } from '../src/core/indicators.js';

const close = (actual: number, expected: number, tolerance = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

test('EMA(3) matches values worked by hand (alpha = 0.5, seeded with the first value)', () => {
  const ema = new Ema(3);
  // 10 → 10; 11 → 10.5; 12 → 11.25; 13 → 12.125
  const seen = [10, 11, 12, 13].map((x) => ema.update(x));
  assert.deepEqual(seen, [10, 10.5, 11.25, 12.125]);
  assert.equal(ema.ready, true);
});

test('RollingStats gives the mean and sample standard deviation of the last N values only', () => {
  const stats = new RollingStats(4);
  for (const x of [100, 2, 4, 4, 4]) stats.update(x); // window: 2, 4, 4, 4
  close(stats.mean, 3.5);
  // deviations -1.5, .5, .5, .5 → squares 2.25+.25*3 = 3 → variance 3/3 = 1
  close(stats.stdDev, 1);
  close(stats.zScore(5.5), 2);
  assert.equal(stats.ready, true);
});

test('RollingStats stays exact over a long run (running sums are re-added now and then)', () => {
  const stats = new RollingStats(10);
  for (let i = 0; i < 250_000; i++) stats.update(1e6 + (i % 10));
  close(stats.mean, 1e6 + 4.5, 1e-6);
  close(stats.stdDev, Math.sqrt(82.5 / 9), 1e-6);
});

test('RollingStats re-adds its window oldest first: right after a re-add the sums are the window added in order', () => {
  const stats = new RollingStats(3);
  for (let i = 0; i < 99_997; i++) stats.update(i % 5);
  // The 100,000th update re-adds. In order, (1e16 + 1) + 1 rounds to 1e16; newest first it would be 1e16 + 2.
  for (const x of [1e16, 1, 1]) stats.update(x);
  assert.equal(stats.mean, 1e16 / 3);
  assert.equal(stats.count, 3);
  assert.throws(() => new RollingStats(1), RangeError);
  assert.throws(() => new RollingStats(2.5), RangeError);
});
