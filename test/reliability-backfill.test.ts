import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SymbolSignals } from '../src/core/strategy.js';
import { BackfillWarmup } from '../src/engine/backfill-warmup.js';
import { NO_FAULTS, SimulatedMarket } from '../src/market/sim-market.js';
import type { Bar, BarColumns } from '../src/core/model.js';
import { columnsFromBars } from '../src/core/bar-columns.js';
import { SqliteTradingRecord } from '../src/store/sqlite-trading-record.js';
import { createDatabase } from './support/fill-database.js';

const SYMBOLS = ['AAPL', 'MSFT', 'SPY', 'QQQ', 'NVDA', 'AMD', 'XOM', 'JPM'];

const bars = (count: number, start = 0): Bar[] =>
  Array.from({ length: count }, (_, i) => ({
    time: start + i * 900_000,
    open: 10 + i / 1000,
    high: 11,
    low: 9,
    close: 10.5,
    volume: 100 + i,
  }));

test('a big backfill goes into the bar cache as it arrives, in transactions of its own, intact', async () => {
  const { connection, filler } = await createDatabase();
  const portfolio = await filler.portfolio();
  const run = await filler.run(portfolio, Date.now());
  const writer = new SqliteTradingRecord(connection, run, portfolio, 3_600_000);
  const count = async (): Promise<number> =>
    (await connection.get<{ n: number }>('SELECT count(*) AS n FROM bar_cache'))?.n ?? -1;
  try {
    // A round's few bars wait for the next iteration's transaction.
    writer.cacheBars({
      source: 'sim:1',
      symbol: 'FEW',
      timeframe: '15Min',
      bars: columnsFromBars(bars(100)),
      fetchedAt: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await count(), 0);
    // A backfill's are written at once, without any iteration: symbol after symbol as they arrive.
    for (let s = 0; s < 60; s++)
      writer.cacheBars({
        source: 'sim:1',
        symbol: `S${s}`,
        timeframe: '15Min',
        bars: columnsFromBars(bars(1000)),
        fetchedAt: 2,
      });
    let written = 0;
    const deadline = Date.now() + 20_000;
    while (written < 60_000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      written = await count();
    }
    assert.ok(written >= 60_000, `${written} rows written without an iteration`);
    const sample = await connection.all<Bar & { symbol: string }>(
      "SELECT symbol, time, open, high, low, close, volume FROM bar_cache WHERE symbol = 'S7' ORDER BY time",
    );
    assert.deepEqual(
      sample.map(({ symbol: _symbol, ...bar }) => bar),
      bars(1000),
      'every value round-trips',
    );
    await writer.flush();
    assert.equal(await count(), 60_100);
  } finally {
    await connection.close();
  }
});

test('the streamed backfill warms the regime up the same whatever order the symbols arrive in', async () => {
  const market = new SimulatedMarket({
    seed: 5,
    symbols: SYMBOLS,
    timeframe: '15Min',
    periodDays: 20,
    faults: NO_FAULTS,
  });
  const signal = new AbortController().signal;
  const history = await Promise.all(
    SYMBOLS.map((symbol) => market.fetchBars({ symbol, timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal })),
  );
  const run = (order: readonly number[]): string => {
    const warmup = new BackfillWarmup(SYMBOLS.length);
    const signals = SYMBOLS.map(() => new SymbolSignals());
    for (const index of order) warmup.take(index, history[index] as BarColumns, signals[index] as SymbolSignals);
    return JSON.stringify([...warmup.steps()]);
  };
  const forward = run(SYMBOLS.map((_, i) => i));
  assert.ok(forward.length > 1000);
  assert.equal(run(SYMBOLS.map((_, i) => SYMBOLS.length - 1 - i)), forward);
  assert.equal(run([3, 0, 5, 1, 4, 2, 7, 6]), forward);
});
