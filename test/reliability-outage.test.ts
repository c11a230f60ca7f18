import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sqlite3 from 'sqlite3';
import { TradingEngine } from '../src/engine/engine.js';
import { DataOutageWatch } from '../src/engine/data-outage.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import { emptyCounts } from '../src/engine/download-status.js';
import { DownloadedBars } from '../src/market/downloaded-bars.js';
import { PaperBroker } from '../src/broker/paper-broker.js';
import { Downloader } from '../src/market/downloader.js';
import { NO_FAULTS, SimulatedMarket } from '../src/market/sim-market.js';
import { TransientError, type BarQuery, type MarketDataSource } from '../src/market/types.js';
import { runBin } from './support/bin.js';

const count = (path: string, sql: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => {
      if (error) reject(error);
      db.get(sql, (e: Error | null, row: { n: number }) => {
        db.close();
        if (e) reject(e);
        else resolve(row.n);
      });
    });
  });

test('a data outage from the start is survived: the loop goes on, says so, writes no equity point', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-outage-'));
  try {
    const db = join(dir, 'trading.db');
    const args = ['--json', '--interval', '0', '--iterations', '3', '--symbols', 'AAPL,MSFT'];
    const result = await runBin([...args, '--sim-failure-rate', '1', '--timeout', '1s', '--db', db]);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoopEvent);
    assert.equal(events.filter((e) => e.type === 'iteration').length, 3, 'the loop went on');
    const notices = events.filter((e) => e.type === 'notice' && e.kind === 'error');
    assert.ok(
      notices.some((e) => e.type === 'notice' && /^no data since /.test(e.message)),
      JSON.stringify(notices),
    );
    assert.equal(await count(db, 'SELECT count(*) AS n FROM equity_points'), 0, 'no equity point without a time');
    assert.equal(await count(db, "SELECT count(*) AS n FROM events WHERE message LIKE 'no data since%'"), 1);

    // A restart during the outage is healthy too, and continues the iteration numbers.
    const again = await runBin([...args, '--sim-failure-rate', '1', '--timeout', '1s', '--db', db]);
    assert.equal(again.code, 0, again.stderr);
    const iterations = again.stdout.split('\n').filter((l) => l.includes('"type":"iteration"'));
    assert.match(iterations[0] ?? '', /"i":4,/);
    // And when data flows again, equity points have market times.
    const back = await runBin([...args, '--sim-failure-rate', '0', '--db', db]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await count(db, 'SELECT count(*) AS n FROM equity_points WHERE time > 0'), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The simulated market behind a switch: while `down`, every request fails as a 503 would. */
class SwitchableSource implements MarketDataSource {
  down = true;
  constructor(private readonly market: SimulatedMarket) {}
  fetchBars(query: BarQuery): ReturnType<MarketDataSource['fetchBars']> {
    if (this.down) return Promise.reject(new TransientError('503 Service Unavailable'));
    return this.market.fetchBars(query);
  }
}

test('an outage after data: equity points keep a market time, the end of the outage is said', async () => {
  const market = new SimulatedMarket({
    seed: 4,
    symbols: ['AAPL', 'MSFT', 'SPY'],
    timeframe: '15Min',
    periodDays: 10,
    faults: NO_FAULTS,
  });
  const source = new SwitchableSource(market);
  source.down = false;
  let engine: TradingEngine | null = null;
  const downloader = new Downloader({
    concurrency: 4,
    timeoutMs: 1000,
    backoffBaseMs: 1,
    maxRetries: 1,
    onStateChange: (change) => engine?.reportDownload(change),
  });
  engine = new TradingEngine(
    {
      mode: 'SIM',
      symbols: ['AAPL', 'MSFT', 'SPY'],
      timeframe: '15Min',
      periodDays: 10,
      iterations: 6,
      intervalMs: 0,
      equityPoints: 100,
      startingCash: 100_000,
      risk: { maxPositionFraction: 0.1, maxGrossExposure: 1, dailyLossLimit: 0.03 },
    },
    { bars: new DownloadedBars(downloader, source, '15Min'), clock: market, broker: new PaperBroker() },
  );
  const events: LoopEvent[] = [];
  engine.onLoopEvent((event) => {
    events.push(event);
    if (event.type !== 'iteration') return;
    // Iterations 2 and 3 get no data; 4 on it flows again.
    if (event.i === 1) source.down = true;
    if (event.i === 3) source.down = false;
  });
  const started = Date.now();
  await engine.run();
  downloader.close();
  const iterations = events.filter((e) => e.type === 'iteration');
  assert.equal(iterations.length, 6);
  assert.ok(iterations.every((e) => e.type === 'iteration' && e.time !== ''));
  const messages = events.flatMap((e) => (e.type === 'notice' ? [`${e.kind}: ${e.message}`] : []));
  assert.equal(messages.filter((m) => /^error: no data since \d{4}-/.test(m)).length, 1, messages.join('\n'));
  assert.equal(messages.filter((m) => /^info: market data is back/.test(m)).length, 1, messages.join('\n'));
  // Two rounds without data: the rounds after them waited 1 s, then 2 s.
  assert.ok(Date.now() - started >= 3000, 'rounds back off during the outage');
  assert.equal(engine.getSnapshot().equity.values.length, 6);
});

test('the outage watch: backoff doubles to its cap, the outage is said again only after a while', () => {
  let now = 0;
  const watch = new DataOutageWatch(() => now);
  const failed = { ...emptyCounts(), failed: 2 };
  const done = { ...emptyCounts(), done: 1, failed: 1 };
  assert.equal(watch.afterRound(done, 2), null);
  assert.equal(watch.retryDelayMs(), 0);
  const said: string[] = [];
  for (let i = 0; i < 12; i++) {
    now += 5_000;
    const notice = watch.afterRound(failed, 2);
    if (notice !== null) said.push(notice.message);
  }
  assert.equal(said.length, 1);
  assert.equal(watch.retryDelayMs(), 60_000);
  now += 10 * 60_000;
  assert.match(watch.afterRound(failed, 2)?.message ?? '', /^no data since 1970-01-01T00:00:00Z/);
  assert.equal(watch.afterRound({ ...emptyCounts(), cancelled: 2 }, 2), null, 'a stop is no outage');
  assert.match(watch.afterRound(done, 2)?.message ?? '', /^market data is back/);
  assert.equal(watch.retryDelayMs(), 0);
  assert.equal(watch.status, null);
});
