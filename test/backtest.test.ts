import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DETECTOR_CONFIG } from '../src/core/regime.js';
import { backtest } from '../src/learn/backtest.js';
import { candidateConfigs } from '../src/learn/tune.js';
import { loopBacktest } from './support/loop-backtest.js';
import { simulatedBars } from './support/simulated-bars.js';

test('a backtest drives the Trader directly and gets what the whole loop gets over the same bars, to the cent', async () => {
  for (const [seed, gapRate] of [
    [3, 0],
    [8, 0.02],
  ] as const) {
    const bars = await simulatedBars({
      seed,
      symbols: ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'],
      timeframe: '15Min',
      periodDays: 45,
      gapRate,
    });
    for (const config of candidateConfigs(3)) {
      const direct = backtest(bars, config);
      const loop = await loopBacktest(bars, config);
      assert.deepEqual(direct, loop, `seed ${seed}, gaps ${gapRate}, window ${config.window}`);
      assert.ok(direct.trades > 0, 'it trades');
    }
  }
});

test('a backtest is synchronous and repeatable', async () => {
  const bars = await simulatedBars({ seed: 5, symbols: ['AAA', 'BBB'], timeframe: '1Hour', periodDays: 60 });
  const first = backtest(bars, DEFAULT_DETECTOR_CONFIG);
  assert.ok(!(first instanceof Promise));
  assert.deepEqual(backtest(bars, DEFAULT_DETECTOR_CONFIG), first);
});
