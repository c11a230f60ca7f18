import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedMarket } from '../src/market/sim-market.js';
import { barsFromColumns } from '../src/core/bar-columns.js';
import { barsInPeriod, simBarTime } from '../src/market/session-calendar.js';
import { REGIME_NAMES } from '../src/core/regime-types.js';
import { PermanentError, TransientError } from '../src/market/types.js';

const signal = new AbortController().signal;
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];

test('bars are valid OHLCV on a weekday session calendar', async () => {
  const market = new SimulatedMarket({ seed: 4, symbols: SYMBOLS, timeframe: '15Min', periodDays: 30 });
  const bars = barsFromColumns(
    await market.fetchBars({ symbol: 'AAA', timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal }),
  );
  assert.equal(bars.length, barsInPeriod(30, '15Min'));
  let previous = Number.NEGATIVE_INFINITY;
  for (const bar of bars) {
    assert.ok(bar.high >= Math.max(bar.open, bar.close), 'high >= max(open, close)');
    assert.ok(bar.low <= Math.min(bar.open, bar.close), 'low <= min(open, close)');
    assert.ok(bar.low > 0 && bar.volume > 0);
    assert.ok(bar.time > previous);
    const when = new Date(bar.time);
    assert.ok(when.getUTCDay() >= 1 && when.getUTCDay() <= 5, 'weekdays only');
    const minutes = when.getUTCHours() * 60 + when.getUTCMinutes();
    assert.ok(minutes >= 14 * 60 + 30 && minutes < 21 * 60, 'inside the session');
    previous = bar.time;
  }
});

test('the same seed gives the same market; another seed another', async () => {
  const read = async (seed: number): Promise<number[]> => {
    const market = new SimulatedMarket({ seed, symbols: SYMBOLS, timeframe: '5Min', periodDays: 5 });
    for (let i = 0; i < 50; i++) market.advance();
    const bars = barsFromColumns(
      await market.fetchBars({ symbol: 'CCC', timeframe: '5Min', after: Number.NEGATIVE_INFINITY, signal }),
    );
    return bars.map((b) => b.close);
  };
  assert.deepEqual(await read(1), await read(1));
  assert.notDeepEqual(await read(1), await read(2));
});

test('symbols move together through the shared market factor', async () => {
  const market = new SimulatedMarket({ seed: 2, symbols: SYMBOLS, timeframe: '15Min', periodDays: 90 });
  const returns = await Promise.all(
    ['AAA', 'BBB'].map(async (symbol) => {
      const bars = barsFromColumns(
        await market.fetchBars({ symbol, timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal }),
      );
      return bars.slice(1).map((b, i) => Math.log(b.close / (bars[i]?.close as number)));
    }),
  );
  const [a, b] = returns as [number[], number[]];
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    va += ((a[i] as number) - ma) ** 2;
    vb += ((b[i] as number) - mb) ** 2;
  }
  const correlation = cov / Math.sqrt(va * vb);
  assert.ok(correlation > 0.3, `correlation ${correlation}`);
});

test('the true regime of every held bar is known, and all regimes occur', () => {
  const market = new SimulatedMarket({
    seed: 8,
    symbols: ['AAA'],
    timeframe: '15Min',
    periodDays: 1,
    extraBarsHeld: 5000,
  });
  const seen = new Set<string>();
  for (let i = 0; i < 4000; i++) {
    market.advance();
    seen.add(market.currentTrueRegime());
  }
  assert.deepEqual([...seen].sort(), [...REGIME_NAMES].sort());
  assert.equal(market.trueRegimeAt(market.barCount - 1), market.currentTrueRegime());
  assert.equal(market.trueRegimeAt(market.barCount), null);
});

test('history is bounded: old bars are forgotten, memory does not grow with time', async () => {
  const market = new SimulatedMarket({
    seed: 1,
    symbols: ['AAA'],
    timeframe: '1Min',
    periodDays: 1,
    extraBarsHeld: 100,
  });
  for (let i = 0; i < 10_000; i++) market.advance();
  const bars = barsFromColumns(
    await market.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: Number.NEGATIVE_INFINITY, signal }),
  );
  assert.equal(bars.length, market.capacity);
  assert.equal(bars.at(-1)?.time, market.now());
  assert.equal(bars[0]?.time, simBarTime(market.barCount - market.capacity, '1Min'));
});

test('refresh returns only bars after the given time', async () => {
  const market = new SimulatedMarket({ seed: 1, symbols: SYMBOLS, timeframe: '15Min', periodDays: 2 });
  const last = market.now();
  market.advance();
  market.advance();
  const bars = barsFromColumns(await market.fetchBars({ symbol: 'BBB', timeframe: '15Min', after: last, signal }));
  assert.equal(bars.length, 2);
  assert.ok((bars[0]?.time as number) > last);
  await assert.rejects(market.fetchBars({ symbol: 'ZZZ', timeframe: '15Min', after: last, signal }), PermanentError);
});

test('faults: failures are transient, hangs wait for the abort, and both are deterministic', async (t) => {
  // Simulated time: an hour passes at a tick, however busy the machine, so what is still waiting
  // after it is a hang (the latency is at most 1 ms), and nothing else is ever aborted.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const HOUR = 3_600_000;
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const faults = { latencyMinMs: 0, latencyMaxMs: 1, failureRate: 0.3, hangRate: 0.1 };
  const outcomes = async (): Promise<string[]> => {
    const market = new SimulatedMarket({ seed: 5, symbols: ['AAA'], timeframe: '15Min', periodDays: 1, faults });
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      const controller = new AbortController();
      const abortReason = new Error('timeout');
      let settled = false;
      const outcome = market
        .fetchBars({ symbol: 'AAA', timeframe: '15Min', after: 0, signal: controller.signal })
        .then(
          (bars) => (barsFromColumns(bars), 'ok'),
          (error: unknown) =>
            error instanceof TransientError ? 'failed' : error === abortReason ? 'hung' : `other: ${String(error)}`,
        )
        .finally(() => (settled = true));
      await settle();
      t.mock.timers.tick(HOUR);
      await settle();
      if (!settled) {
        controller.abort(abortReason);
        await settle();
        assert.ok(settled, `request ${i}: a hang ends when its request is aborted`);
      }
      seen.push(await outcome);
    }
    return seen;
  };
  const first = await outcomes();
  assert.ok(first.includes('ok') && first.includes('failed') && first.includes('hung'), first.join(','));
  assert.ok(
    first.every((outcome) => ['ok', 'failed', 'hung'].includes(outcome)),
    first.join(','),
  );
  assert.deepEqual(await outcomes(), first);
});

test('a request aborted during its latency is answered with the abort, never with bars', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const faults = { latencyMinMs: 20, latencyMaxMs: 40, failureRate: 0, hangRate: 0 };
  const market = new SimulatedMarket({ seed: 3, symbols: ['AAA'], timeframe: '15Min', periodDays: 1, faults });
  const controller = new AbortController();
  const reason = new Error('cancelled');
  const answer = market.fetchBars({ symbol: 'AAA', timeframe: '15Min', after: 0, signal: controller.signal });
  controller.abort(reason);
  t.mock.timers.tick(40);
  await assert.rejects(answer, (error) => error === reason);
  // Not aborted: the bars after the latency.
  const next = market.fetchBars({ symbol: 'AAA', timeframe: '15Min', after: 0, signal: new AbortController().signal });
  t.mock.timers.tick(40);
  assert.ok((await next).length > 0);
});
