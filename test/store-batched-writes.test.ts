/**
 * The record writes an iteration's rows in a few multi-row statements (issue 10: each statement is a trip
 * to SQLite's thread and back). What it stores must be exactly what one statement per row, in the order
 * things happened, would store: every table compared row for row against such a reference writer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { columnsFromBars } from '../src/core/bar-columns.js';
import type { RegimeName } from '../src/core/regime-types.js';
import type { Checkpoint } from '../src/engine/checkpoint.js';
import type { EngineEvent, RegimeChange } from '../src/engine/snapshot.js';
import type { FillRecord, IterationRecord, OrderRecord, OrderStatus } from '../src/engine/trading-record.js';
import { chunkSizes, MAX_ROWS_PER_STATEMENT } from '../src/store/multi-row-insert.js';
import { openStore } from '../src/store/open-store.js';
import type { SqliteConnection } from '../src/store/sqlite-connection.js';
import { BAR_ITERATIONS_HELD, SqliteTradingRecord, type CachedBars } from '../src/store/sqlite-trading-record.js';

const NOW = 1_700_000_000_123;
const REGIMES: readonly RegimeName[] = ['trend-up', 'trend-down', 'range', 'volatile'];
const SYMBOLS = ['AAPL', 'MSFT', 'SPY', "O'NEIL", 'NVDA'];

const checkpoint = (iteration: number): Checkpoint => ({
  iteration,
  marketTime: iteration * 60_000,
  cash: 1000 + iteration,
  realizedPnl: 0,
  positions: [],
  workingOrders: [],
  regime: { current: 'range', since: 0, bars: iteration },
  peakEquity: 1000,
  maxDrawdown: 0,
  trades: iteration,
  risk: { day: '2025-01-02', dayStartEquity: 1000, halted: false, haltReason: null } as unknown as Checkpoint['risk'],
  market: { kind: 'sim', seed: 1, barCount: iteration, timeframe: '1Min', symbols: SYMBOLS },
});

/** What happens, in order: cached bars arriving, iterations, and the stop's loose events and orders. */
type Step =
  | { readonly type: 'bars'; readonly entry: CachedBars }
  | { readonly type: 'iteration'; readonly record: IterationRecord }
  | { readonly type: 'tail'; readonly events: readonly EngineEvent[]; readonly orders: readonly OrderRecord[] };

async function newStore(): Promise<{ connection: SqliteConnection; run: number; portfolio: number }> {
  const connection = await openStore(':memory:');
  const portfolio = (await connection.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (0, 1000)'))
    .lastId;
  const run = (
    await connection.run(
      "INSERT INTO runs (portfolio_id, started_at, mode, seed, options, version) VALUES (?, 0, 'SIM', 1, '{}', 'test')",
      [portfolio],
    )
  ).lastId;
  return { connection, run, portfolio };
}

/** The reference: one statement per row, in the order things happened, with nothing batched. */
async function writeOneByOne(c: SqliteConnection, run: number, portfolio: number, steps: readonly Step[]) {
  const eventsAndOrders = async (events: readonly EngineEvent[], orders: readonly OrderRecord[], at: number) => {
    for (const e of events)
      await c.run('INSERT INTO events (run_id, time, kind, message, recorded_at) VALUES (?, ?, ?, ?, ?)', [
        run,
        Number.isFinite(e.time) ? e.time : Number.isFinite(at) ? at : NOW,
        e.kind,
        e.message,
        NOW,
      ]);
    for (const o of orders)
      if (o.status === 'working')
        await c.run(
          'INSERT OR IGNORE INTO orders (run_id, client_order_id, time, symbol, side, qty, status, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [run, o.clientOrderId, o.time, o.symbol, o.side, o.qty, o.status, NOW],
        );
      else await c.run('UPDATE orders SET status = ? WHERE client_order_id = ?', [o.status, o.clientOrderId]);
  };
  let lastTime = Number.NaN;
  for (const step of steps) {
    if (step.type === 'bars') {
      const { source, symbol, timeframe, fetchedAt, bars } = step.entry;
      for (let i = 0; i < bars.length; i++)
        await c.run(
          'INSERT OR REPLACE INTO bar_cache (source, symbol, timeframe, time, open, high, low, close, volume, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            source,
            symbol,
            timeframe,
            bars.time[i] as number,
            bars.open[i] as number,
            bars.high[i] as number,
            bars.low[i] as number,
            bars.close[i] as number,
            bars.volume[i] as number,
            fetchedAt,
          ],
        );
    } else if (step.type === 'tail') {
      await eventsAndOrders(step.events, step.orders, lastTime);
    } else {
      const it = step.record;
      lastTime = it.time;
      await eventsAndOrders(it.events, it.orders, it.time);
      for (const f of it.fills)
        await c.run(
          `INSERT INTO fills (run_id, order_id, time, symbol, side, qty, price, fee, regime, recorded_at)
           VALUES (?, (SELECT id FROM orders WHERE client_order_id = ?), ?, ?, ?, ?, ?, ?, ?, ?)`,
          [run, f.clientOrderId, f.time, f.symbol, f.side, f.qty, f.price, f.fee, f.regime, NOW],
        );
      for (const r of it.regimeChanges)
        await c.run(
          'INSERT INTO regime_changes (run_id, time, from_regime, to_regime, confidence) VALUES (?, ?, ?, ?, ?)',
          [run, r.time, r.from, r.to, r.confidence],
        );
      await c.run(
        'INSERT OR REPLACE INTO equity_points (run_id, iteration, time, equity, cash, regime, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [run, it.iteration, it.time, it.equity, it.cash, it.regime, NOW],
      );
      const held = it.regimeFeatures;
      if (held !== undefined) {
        const D = held.values.length / held.count;
        for (let i = 0; i < held.count; i++)
          await c.run('INSERT OR REPLACE INTO regime_features (portfolio_id, bar, features) VALUES (?, ?, ?)', [
            portfolio,
            held.first + i,
            Buffer.from(held.values.slice(i * D, (i + 1) * D).buffer),
          ]);
        await c.run('DELETE FROM regime_features WHERE portfolio_id = ? AND bar <= ?', [portfolio, held.dropUpTo]);
      }
      await c.run(
        `INSERT INTO checkpoints (portfolio_id, run_id, iteration, saved_at, state) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(portfolio_id) DO UPDATE SET run_id = excluded.run_id, iteration = excluded.iteration, saved_at = excluded.saved_at, state = excluded.state`,
        [portfolio, run, it.iteration, NOW, JSON.stringify(it.checkpoint)],
      );
    }
  }
}

/** The record as the engine drives it: bars queued as they come, iterations handed over, the tail at the end. */
async function writeThroughRecord(c: SqliteConnection, run: number, portfolio: number, steps: readonly Step[]) {
  const record = new SqliteTradingRecord(c, run, portfolio, 3_600_000, () => NOW);
  for (const step of steps) {
    if (step.type === 'bars') record.cacheBars(step.entry);
    else if (step.type === 'tail') record.recordTail(step.events, step.orders);
    else {
      const waiting = record.record(step.record);
      if (waiting !== undefined) await waiting;
    }
  }
  await record.flush();
  return record;
}

const TABLES: Readonly<Record<string, string>> = {
  events: 'SELECT * FROM events ORDER BY id',
  orders: 'SELECT * FROM orders ORDER BY id',
  fills: 'SELECT * FROM fills ORDER BY id',
  regime_changes: 'SELECT * FROM regime_changes ORDER BY id',
  equity_points: 'SELECT * FROM equity_points ORDER BY run_id, iteration',
  regime_features: 'SELECT portfolio_id, bar, hex(features) AS features FROM regime_features ORDER BY bar',
  checkpoints: 'SELECT * FROM checkpoints',
  bar_cache:
    'SELECT source, symbol, timeframe, time, open, high, low, close, volume, fetched_at, typeof(time) AS t, typeof(open) AS o, typeof(fetched_at) AS f FROM bar_cache ORDER BY source, symbol, timeframe, time',
};

async function dump(c: SqliteConnection): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(TABLES)) tables[table] = await c.all(sql);
  return tables;
}

/** Random histories: orders created and changed (some twice, some unknown), fills of known and unknown orders. */
const historyArbitrary = fc
  .array(
    fc.oneof(
      { weight: 2, arbitrary: fc.constant('bars' as const) },
      { weight: 5, arbitrary: fc.constant('iteration' as const) },
    ),
    { minLength: 1, maxLength: 8 },
  )
  // The stop's loose events and orders come last, as they do in a run.
  .chain((steps) => fc.constantFrom([...steps], [...steps, 'tail' as const]))
  .chain((kinds) =>
    fc.tuple(
      fc.constant(kinds),
      fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 400, maxLength: 400 }),
      fc.array(fc.integer({ min: 0, max: 150 }), { minLength: kinds.length * 4, maxLength: kinds.length * 4 }),
    ),
  )
  .map(([kinds, noise, sizes]) => {
    let n = 0;
    const next = (): number => noise[n++ % noise.length] as number;
    let size = 0;
    const nextSize = (max: number): number => Math.min(max, sizes[size++ % sizes.length] as number);
    const created: string[] = [];
    let orderSeq = 0;
    let seq = 0;
    let iteration = 0;
    let bar = 0;
    const events = (count: number, timeless = true): EngineEvent[] =>
      Array.from({ length: count }, () => ({
        seq: ++seq,
        time: timeless && next() % 7 === 0 ? Number.NaN : next() * 1000,
        kind: (['fill', 'regime', 'info'] as const)[next() % 3] as EngineEvent['kind'],
        message: `event ${seq} ${next()}`,
      }));
    const orders = (count: number): OrderRecord[] =>
      Array.from({ length: count }, () => {
        const change = created.length > 0 && next() % 2 === 0;
        if (change) {
          const id = next() % 9 === 0 ? `unknown-${next()}` : (created[next() % created.length] as string);
          const status = (['filled', 'replaced', 'cancelled'] as const)[next() % 3] as OrderStatus;
          return { clientOrderId: id, time: next(), symbol: 'AAPL', side: 'buy', qty: 1, status };
        }
        // Now and then an id created before again (INSERT OR IGNORE keeps the first).
        const id = created.length > 0 && next() % 11 === 0 ? (created[0] as string) : `o-${++orderSeq}`;
        created.push(id);
        return {
          clientOrderId: id,
          time: next() * 1000,
          symbol: SYMBOLS[next() % SYMBOLS.length] as string,
          side: next() % 2 === 0 ? 'buy' : 'sell',
          qty: 1 + (next() % 500),
          status: 'working',
        };
      });
    const steps: Step[] = kinds.map((kind): Step => {
      if (kind === 'bars') {
        const count = nextSize(40);
        return {
          type: 'bars',
          entry: {
            source: 'sim:1',
            symbol: SYMBOLS[next() % SYMBOLS.length] as string,
            timeframe: next() % 3 === 0 ? '5Min' : '1Min',
            fetchedAt: NOW - next(),
            bars: columnsFromBars(
              Array.from({ length: count }, (_, i) => ({
                time: (next() % 50) * 60_000 + i,
                open: next() / 100,
                high: next() / 7,
                low: 0.1 + next() / 3,
                close: 100,
                volume: next() % 3 === 0 ? 0 : next() * 1.5,
              })),
            ),
          },
        };
      }
      if (kind === 'tail') return { type: 'tail', events: events(nextSize(3), false), orders: orders(nextSize(70)) };
      iteration++;
      const itOrders = orders(nextSize(150));
      const fills: FillRecord[] = Array.from({ length: nextSize(150) }, () => ({
        clientOrderId:
          created.length === 0 || next() % 13 === 0 ? `none-${next()}` : (created[next() % created.length] as string),
        time: next() * 1000,
        symbol: SYMBOLS[next() % SYMBOLS.length] as string,
        side: next() % 2 === 0 ? 'buy' : 'sell',
        qty: 1 + (next() % 900),
        price: next() / 100,
        fee: next() / 1e4,
        regime: REGIMES[next() % 4] as RegimeName,
      }));
      const regimeChanges: RegimeChange[] = Array.from({ length: next() % 3 }, () => ({
        time: next() * 1000,
        from: REGIMES[next() % 4] as RegimeName,
        to: REGIMES[next() % 4] as RegimeName,
        confidence: next() / 1e6,
      }));
      const featureCount = nextSize(90);
      const values = new Float64Array(featureCount * 3).map(() => next() / 977);
      const first = bar + 1;
      bar += featureCount;
      return {
        type: 'iteration',
        record: {
          iteration,
          time: next() % 17 === 0 ? Number.NaN : next() * 1000,
          equity: 1000 + next() / 100,
          cash: next() / 100,
          regime: REGIMES[next() % 4] as RegimeName,
          events: events(nextSize(80)),
          orders: itOrders,
          fills,
          regimeChanges,
          ...(featureCount === 0
            ? {}
            : { regimeFeatures: { first, count: featureCount, values, dropUpTo: Math.max(0, bar - 100) } }),
          checkpoint: checkpoint(iteration),
        },
      };
    });
    return steps;
  });

test('every row is stored as one statement per row, in order, would store it (random histories)', async () => {
  await fc.assert(
    fc.asyncProperty(historyArbitrary, async (steps) => {
      const batched = await newStore();
      const reference = await newStore();
      try {
        // Equity points need a market time: the record skips them without one; so does the reference.
        const withTime = steps.map((s) =>
          s.type === 'iteration' && !Number.isFinite(s.record.time) ? { ...s, record: { ...s.record, time: 0 } } : s,
        );
        await writeThroughRecord(batched.connection, batched.run, batched.portfolio, withTime);
        await writeOneByOne(reference.connection, reference.run, reference.portfolio, withTime);
        assert.deepEqual(await dump(batched.connection), await dump(reference.connection));
      } finally {
        await batched.connection.close();
        await reference.connection.close();
      }
    }),
    { numRuns: 40 },
  );
});

test('an iteration of 60 symbols and 40 fills is one transaction of a dozen statements, not one per row', async () => {
  const { connection, run, portfolio } = await newStore();
  try {
    const executed: string[] = [];
    const exec = connection.exec.bind(connection);
    connection.exec = (sql: string) => {
      executed.push(sql);
      return exec(sql);
    };
    const record = new SqliteTradingRecord(connection, run, portfolio, 3_600_000, () => NOW);
    const iterationWith = (i: number, orders: OrderRecord[], fills: FillRecord[]): IterationRecord => ({
      iteration: i,
      time: i * 60_000,
      equity: 1000,
      cash: 500,
      regime: 'range',
      events: [{ seq: i, time: i * 60_000, kind: 'fill', message: `40 fills` }],
      orders,
      fills,
      regimeChanges: [{ time: i * 60_000, from: 'range', to: 'volatile', confidence: 0.9 }],
      regimeFeatures: { first: i, count: 1, values: new Float64Array([1, 2, 3]), dropUpTo: 0 },
      checkpoint: checkpoint(i),
    });
    const working = (i: number): OrderRecord[] =>
      Array.from({ length: 40 }, (_, k) => ({
        clientOrderId: `o-${i}-${k}`,
        time: i,
        symbol: `S${k}`,
        side: 'buy',
        qty: 10,
        status: 'working',
      }));
    // Iteration 1 places 40 orders; iteration 2 fills them (40 status changes, 40 fills) and places 40 more.
    await record.record(iterationWith(1, working(1), []));
    await record.committed();
    for (let s = 0; s < 60; s++)
      record.cacheBars({
        source: 'sim:1',
        symbol: `S${s}`,
        timeframe: '1Min',
        fetchedAt: NOW,
        bars: columnsFromBars([{ time: 120_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 100 }]),
      });
    const fills: FillRecord[] = working(1).map((o) => ({ ...o, price: 10, fee: 0.01, regime: 'range' }));
    const before = connection.statementCount;
    executed.length = 0;
    await record.record(
      iterationWith(2, [...working(1).map((o) => ({ ...o, status: 'filled' as const })), ...working(2)], fills),
    );
    await record.committed();
    const statements = connection.statementCount - before;
    assert.deepEqual(executed, ['BEGIN IMMEDIATE', 'COMMIT'], 'one transaction');
    // BEGIN, the event, the status changes, the new orders and the fills (40 rows: chunks of 32 and 8
    // each), the regime change, the equity point, the features and their drop, the checkpoint, COMMIT.
    // The round's bars wait (BAR_ITERATIONS_HELD).
    const perFortyRows = chunkSizes(40).length;
    assert.equal(perFortyRows, 2);
    assert.equal(statements, 8 + 3 * perFortyRows, `${statements} statements for 80 orders, 40 fills`);
    const count = async (table: string): Promise<number> =>
      (await connection.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? -1;
    assert.equal(await count('bar_cache'), 0);
    // The held bars go, in one more statement, with an iteration's transaction within BAR_ITERATIONS_HELD.
    let written = 0;
    for (let i = 3; i <= BAR_ITERATIONS_HELD + 1 && written === 0; i++) {
      const start = connection.statementCount;
      executed.length = 0;
      await record.record(iterationWith(i, [], []));
      await record.committed();
      assert.deepEqual(executed, ['BEGIN IMMEDIATE', 'COMMIT'], 'one transaction');
      // BEGIN, the event, the regime change, the equity point, the features and their drop, the checkpoint, COMMIT.
      const ran = connection.statementCount - start;
      const withBars = (await count('bar_cache')) > 0;
      assert.equal(ran, 8 + (withBars ? 1 : 0));
      if (withBars) written = i;
    }
    assert.ok(written > 2 && written <= BAR_ITERATIONS_HELD, `bars written with iteration ${written}`);
    assert.equal(await count('bar_cache'), 60);
    assert.equal(await count('fills'), 40);
    assert.equal(await count("orders WHERE status = 'filled'"), 40);
    assert.equal(await count("orders WHERE status = 'working'"), 40);
    assert.equal(await count('fills WHERE order_id IS NULL'), 0);
  } finally {
    await connection.close();
  }
});

test("a round's held bars are written by a stop, and never hold back the iteration's own rows", async () => {
  const { connection, run, portfolio } = await newStore();
  try {
    const record = new SqliteTradingRecord(connection, run, portfolio, 3_600_000, () => NOW);
    const count = async (table: string): Promise<number> =>
      (await connection.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? -1;
    for (let i = 1; i <= 3; i++) {
      for (let s = 0; s < 5; s++)
        record.cacheBars({
          source: 'sim:1',
          symbol: `S${s}`,
          timeframe: '1Min',
          fetchedAt: NOW,
          bars: columnsFromBars([{ time: i * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: i }]),
        });
      await record.record({
        iteration: i,
        time: i * 60_000,
        equity: 1000,
        cash: 500,
        regime: 'range',
        events: [],
        orders: [],
        fills: [],
        regimeChanges: [],
        checkpoint: checkpoint(i),
      });
      await record.committed();
      // The iteration is stored at once; its bars may wait.
      assert.equal(await count('equity_points'), i);
      assert.equal((await connection.get<{ iteration: number }>('SELECT iteration FROM checkpoints'))?.iteration, i);
    }
    assert.equal(await count('bar_cache'), 0);
    await record.close();
    assert.equal(await count('bar_cache'), 15);
    assert.equal(await count('bar_cache WHERE volume = 3'), 5);
  } finally {
    await connection.close();
  }
});

test('rows are cut into chunks of powers of two, at most 64 rows, in order', () => {
  for (let rows = 0; rows <= 300; rows++) {
    const sizes = chunkSizes(rows);
    assert.equal(
      sizes.reduce((sum, s) => sum + s, 0),
      rows,
    );
    for (const s of sizes) assert.ok(s <= MAX_ROWS_PER_STATEMENT && Number.isInteger(Math.log2(s)), `${s}`);
    assert.ok(sizes.length <= Math.floor(rows / MAX_ROWS_PER_STATEMENT) + 6);
  }
});
