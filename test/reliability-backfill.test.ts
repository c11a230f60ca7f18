import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SymbolSignals } from '../src/core/strategy.js';
import { BackfillWarmup } from '../src/engine/backfill-warmup.js';
import { NO_FAULTS, SimulatedMarket } from '../src/market/sim-market.js';
import type { Bar, BarColumns } from '../src/core/model.js';
import { barsFromColumns, columnsFromBars } from '../src/core/bar-columns.js';
import { Downloader } from '../src/market/downloader.js';
import type { BarQuery, MarketDataSource } from '../src/market/types.js';
import { CachedMarketData } from '../src/store/cached-market-data.js';
import type { SqlParams } from '../src/store/sqlite-connection.js';
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

/** A source that, like the Alpaca adapter, batches the calls made in one turn of the event loop: counts them. */
class BatchCountingSource implements MarketDataSource {
  readonly batches: number[] = [];
  private pending = 0;

  constructor(private readonly market: MarketDataSource) {}

  fetchBars(query: BarQuery): Promise<BarColumns> {
    if (this.pending++ === 0)
      setImmediate(() => {
        this.batches.push(this.pending);
        this.pending = 0;
      });
    return this.market.fetchBars(query);
  }
}

test('a restart reads the cached ranges once, the symbols one at a time, and still asks the source in batches', async () => {
  const { connection, filler } = await createDatabase();
  const portfolio = await filler.portfolio();
  const run = await filler.run(portfolio, Date.now());
  const writer = new SqliteTradingRecord(connection, run, portfolio, 3_600_000);
  const symbols = Array.from({ length: 120 }, (_, i) => `S${i}`);
  const market = new SimulatedMarket({ seed: 3, symbols, timeframe: '15Min', periodDays: 5, faults: NO_FAULTS });
  const signal = new AbortController().signal;
  const history = new Map<string, Bar[]>();
  try {
    // The cache holds every symbol's history but its newest 3 bars (a restart a little later).
    for (const symbol of symbols) {
      const all = barsFromColumns(
        await market.fetchBars({ symbol, timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal }),
      );
      history.set(symbol, all);
      writer.cacheBars({
        source: 'sim:3',
        symbol,
        timeframe: '15Min',
        bars: columnsFromBars(all.slice(0, -3)),
        fetchedAt: Date.now(),
      });
    }
    await writer.flush();
    let rangeReads = 0;
    let symbolReads = 0;
    let readsAtOnce = 0;
    let mostReadsAtOnce = 0;
    const all = connection.all.bind(connection);
    const allOnce = connection.allOnce.bind(connection);
    connection.all = <T>(sql: string, params?: SqlParams): Promise<T[]> => {
      if (sql.includes('min(time)')) rangeReads++;
      return all<T>(sql, params);
    };
    connection.allOnce = async <T>(sql: string, params: SqlParams): Promise<T[]> => {
      symbolReads++;
      mostReadsAtOnce = Math.max(mostReadsAtOnce, ++readsAtOnce);
      try {
        return await allOnce<T>(sql, params);
      } finally {
        readsAtOnce--;
      }
    };
    const source = new BatchCountingSource(market);
    const cache = new CachedMarketData(source, connection, writer, {
      source: 'sim:3',
      ttlMs: 3_600_000,
      marketNow: () => market.now(),
    });
    const received = new Map<string, Bar[]>();
    const round = await new Downloader({ concurrency: 50, timeoutMs: 15_000 }).runRound<BarColumns>(
      'backfill',
      symbols,
      (symbol, signal) => cache.fetchBars({ symbol, timeframe: '15Min', after: Number.NEGATIVE_INFINITY, signal }),
      (symbol, bars) => received.set(symbol, barsFromColumns(bars)),
      (bars) => bars.length,
    );
    assert.equal(round.counts.done, symbols.length);
    for (const symbol of symbols) assert.deepEqual(received.get(symbol), history.get(symbol), symbol);
    assert.equal(cache.barsFromSource, 3 * symbols.length, 'only the newest bars came from the source');
    assert.equal(rangeReads, 1, 'one read of the cached ranges for the round');
    assert.equal(symbolReads, symbols.length);
    assert.equal(mostReadsAtOnce, 1, 'the symbols are read one at a time');
    assert.deepEqual(source.batches, [50, 50, 20], 'the symbols reach the source 50 at a time, as the downloader asks');
  } finally {
    await connection.close();
  }
});
