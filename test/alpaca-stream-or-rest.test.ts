/** StreamOrRestBars: streamed minute bars while the stream is healthy and covers the query, else REST. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamOrRestBars } from '../src/broker/alpaca/stream-or-rest-bars.js';
import { barsFromColumns, columnsFromBars } from '../src/core/bar-columns.js';
import type { Bar } from '../src/core/model.js';
import type { BarQuery, MarketDataSource } from '../src/market/types.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 14, 30);
const signal = new AbortController().signal;
const minute = (i: number, close = 100 + i): Bar => ({
  time: T0 + i * MIN,
  open: close - 0.5,
  high: close + 1,
  low: close - 1,
  close,
  volume: 10,
});

class FakeRest implements MarketDataSource {
  readonly queries: BarQuery[] = [];
  fetchBars(query: BarQuery): ReturnType<MarketDataSource['fetchBars']> {
    this.queries.push(query);
    return Promise.resolve(columnsFromBars([{ ...minute(0), close: -1 }]));
  }
}

test('1Min: healthy and covering → the streamed bars after `after`; REST is not asked', async () => {
  const rest = new FakeRest();
  const bars = new StreamOrRestBars(rest, '1Min');
  bars.setHealthy(true, T0 + 1 * MIN + 5_000);
  bars.push('AAA', minute(1));
  bars.push('AAA', minute(2));
  assert.deepEqual(barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0, signal })), [
    minute(1),
    minute(2),
  ]);
  assert.deepEqual(
    barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + MIN, signal })),
    [minute(2)],
  );
  // A symbol without a trade in the minute has no bar: nothing, as REST would say.
  assert.deepEqual(barsFromColumns(await bars.fetchBars({ symbol: 'BBB', timeframe: '1Min', after: T0, signal })), []);
  assert.equal(rest.queries.length, 0);
  assert.deepEqual(bars.served, { stream: 3, rest: 0 });
});

test('REST for the backfill, for a gap before the stream came up, and while the stream is down', async () => {
  const rest = new FakeRest();
  const bars = new StreamOrRestBars(rest, '1Min');
  assert.equal(
    barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0, signal }))[0]?.close,
    -1,
    'not healthy yet',
  );
  bars.setHealthy(true, T0 + 3 * MIN + 1);
  bars.push('AAA', minute(3));
  barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: Number.NEGATIVE_INFINITY, signal }));
  barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + MIN, signal }));
  assert.equal(rest.queries.length, 3, 'backfill and the minute before coverage go to REST');
  assert.deepEqual(
    barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + 2 * MIN, signal })),
    [minute(3)],
  );
  bars.setHealthy(false, T0 + 4 * MIN);
  bars.push('AAA', minute(4));
  barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + 3 * MIN, signal }));
  assert.equal(rest.queries.length, 4);
  // Back up: what was streamed before the break is forgotten; coverage starts again.
  bars.setHealthy(true, T0 + 6 * MIN + 1);
  bars.push('AAA', minute(6));
  barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + 3 * MIN, signal }));
  assert.equal(rest.queries.length, 5, 'minutes 4 and 5 are missing from the stream');
  assert.deepEqual(
    barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + 5 * MIN, signal })),
    [minute(6)],
  );
});

test('15Min: minute bars are gathered; a bar is kept once a later minute shows it complete', async () => {
  const rest = new FakeRest();
  const bars = new StreamOrRestBars(rest, '15Min');
  // Up in the middle of the 14:30 bar: it cannot be complete, coverage starts at 14:45.
  bars.setHealthy(true, T0 + 7 * MIN);
  for (let i = 7; i < 31; i++) bars.push('AAA', minute(i));
  const got = barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '15Min', after: T0, signal }));
  assert.deepEqual(got, [
    {
      time: T0 + 15 * MIN,
      open: minute(15).open,
      high: minute(29).high,
      low: minute(15).low,
      close: minute(29).close,
      volume: 150,
    },
  ]);
  assert.equal(rest.queries.length, 0);
});

test('the buffer is bounded per symbol; a query needing a dropped bar goes to REST', async () => {
  const rest = new FakeRest();
  const bars = new StreamOrRestBars(rest, '1Min', 4);
  bars.setHealthy(true, T0);
  for (let i = 0; i < 10; i++) bars.push('AAA', minute(i));
  assert.deepEqual(
    barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + 5 * MIN, signal })),
    [minute(6), minute(7), minute(8), minute(9)],
  );
  assert.equal(rest.queries.length, 0);
  barsFromColumns(await bars.fetchBars({ symbol: 'AAA', timeframe: '1Min', after: T0 + 2 * MIN, signal }));
  assert.equal(rest.queries.length, 1);
});
