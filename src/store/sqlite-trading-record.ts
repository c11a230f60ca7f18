/**
 * Writes the engine's history to SQLite: each iteration's rows in one transaction, off the loop's
 * path. While one write is in flight the next iteration is queued; a third waits (the loop feels the
 * disk only when it falls behind), so a killed process loses at most its last iteration.
 */
import type { Bar } from '../core/model.js';
import type { IterationRecord, OrderRecord, TradingRecord } from '../engine/trading-record.js';
import type { EngineEvent } from '../engine/snapshot.js';
import { describeSqliteError, StoreError } from './open-store.js';
import type { SqlValue, SqliteConnection } from './sqlite-connection.js';

export interface CachedBars {
  readonly source: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly bars: readonly Bar[];
  readonly fetchedAt: number;
}

const INSERT_EVENTS = 'INSERT INTO events (run_id, time, kind, message) VALUES ';
const INSERT_EQUITY =
  'INSERT OR REPLACE INTO equity_points (run_id, iteration, time, equity, cash, regime) VALUES (?, ?, ?, ?, ?, ?)';
const INSERT_ORDER =
  'INSERT OR IGNORE INTO orders (run_id, client_order_id, time, symbol, side, qty, status) VALUES (?, ?, ?, ?, ?, ?, ?)';
const UPDATE_ORDER = 'UPDATE orders SET status = ? WHERE client_order_id = ?';
const INSERT_FILL = `INSERT INTO fills (run_id, order_id, time, symbol, side, qty, price, fee, regime)
  VALUES (?, (SELECT id FROM orders WHERE client_order_id = ?), ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_REGIME =
  'INSERT INTO regime_changes (run_id, time, from_regime, to_regime, confidence) VALUES (?, ?, ?, ?, ?)';
const INSERT_REGIME_MODEL = 'INSERT INTO regime_models (run_id, time, model) VALUES (?, ?, ?)';
const UPSERT_CHECKPOINT = `INSERT INTO checkpoints (portfolio_id, run_id, iteration, saved_at, state) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(portfolio_id) DO UPDATE SET run_id = excluded.run_id, iteration = excluded.iteration, saved_at = excluded.saved_at, state = excluded.state`;
const INSERT_BARS =
  'INSERT OR REPLACE INTO bar_cache (source, symbol, timeframe, time, open, high, low, close, volume, fetched_at) VALUES ';
/** Rows per multi-row INSERT: one statement per chunk instead of one per row. */
const ROWS_PER_INSERT = 64;
const EXPIRE_BARS = `DELETE FROM bar_cache WHERE (source, symbol, timeframe, time) IN
  (SELECT source, symbol, timeframe, time FROM bar_cache WHERE fetched_at < ? LIMIT 5000)`;

/** Expired cached bars are deleted every this many writes, a batch at a time. */
const EXPIRY_EVERY_WRITES = 100;

/** Waits between tries of a write that met a busy database (another process holding the write lock). */
const BUSY_RETRY_MS = 250;

export class SqliteTradingRecord implements TradingRecord {
  private iterations: IterationRecord[] = [];
  private bars: CachedBars[] = [];
  /** Events and order changes after the last iteration (a stop), written with the next batch. */
  private looseEvents: EngineEvent[] = [];
  private looseOrders: OrderRecord[] = [];
  private inFlight: Promise<void> | null = null;
  private failure: StoreError | null = null;
  private writes = 0;
  /** Rows written so far (for the benchmark and stats). */
  rowsWritten = 0;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly runId: number,
    private readonly portfolioId: number,
    private readonly cacheTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(iteration: IterationRecord): Promise<void> | undefined {
    if (this.failure !== null) return Promise.reject(this.failure);
    const writing = this.inFlight;
    this.iterations.push(iteration);
    this.startWriting();
    // One write in flight and this one queued is fine; if a write was already in flight, wait for it.
    return writing ?? undefined;
  }

  /** Queues bars for the cache; they are written with the next iteration, in its transaction. */
  cacheBars(entry: CachedBars): void {
    if (this.failure !== null || entry.bars.length === 0) return;
    this.bars.push(entry);
  }

  recordTail(events: readonly EngineEvent[], orders: readonly OrderRecord[]): void {
    if (this.failure !== null) return;
    this.looseEvents.push(...events);
    this.looseOrders.push(...orders);
  }

  /** Writes everything queued, marks the run ended, and surfaces a write failure. */
  async close(): Promise<void> {
    if (this.bars.length > 0 || this.looseEvents.length > 0 || this.looseOrders.length > 0) this.startWriting();
    while (this.inFlight !== null) await this.inFlight;
    if (this.failure !== null) throw this.failure;
    await this.connection.run('UPDATE runs SET ended_at = ? WHERE id = ?', [this.now(), this.runId]);
  }

  private startWriting(): void {
    if (this.inFlight !== null) return;
    this.inFlight = this.drain().finally(() => {
      this.inFlight = null;
      if (this.failure === null && (this.iterations.length > 0 || this.bars.length > 0)) this.startWriting();
    });
  }

  private async drain(): Promise<void> {
    const iterations = this.iterations;
    const bars = this.bars;
    const events = this.looseEvents;
    const orders = this.looseOrders;
    this.iterations = [];
    this.bars = [];
    this.looseEvents = [];
    this.looseOrders = [];
    const write = (): Promise<void> =>
      this.connection.transaction(async () => {
        await this.writeBars(bars);
        for (const iteration of iterations) await this.writeIteration(iteration);
        await this.writeEventsAndOrders(events, orders, iterations.at(-1)?.time ?? Number.NaN);
        if (++this.writes % EXPIRY_EVERY_WRITES === 0)
          await this.connection.run(EXPIRE_BARS, [this.now() - this.cacheTtlMs]);
      });
    let retriedOnce = false;
    for (;;) {
      try {
        await write();
        return;
      } catch (error) {
        // Another process holding the write lock (a VACUUM, say) only delays the record; the loop waits.
        if (/SQLITE_BUSY/.test(String(error))) {
          await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
          continue;
        }
        // A broken connection reopens on the next statement: the whole transaction is tried once more.
        if (!retriedOnce) {
          retriedOnce = true;
          continue;
        }
        this.failure = new StoreError(`cannot write to the database: ${describeSqliteError(error)}`);
        return;
      }
    }
  }

  private async writeEventsAndOrders(
    events: readonly EngineEvent[],
    orders: readonly OrderRecord[],
    fallbackTime: number,
  ): Promise<void> {
    const run = this.runId;
    const time = (t: number): number =>
      Number.isFinite(t) ? t : Number.isFinite(fallbackTime) ? fallbackTime : this.now();
    await this.insertRows(
      INSERT_EVENTS,
      4,
      events.map((e) => [run, time(e.time), e.kind, e.message]),
    );
    for (const o of orders) {
      if (o.status === 'working')
        await this.connection.run(INSERT_ORDER, [run, o.clientOrderId, o.time, o.symbol, o.side, o.qty, o.status]);
      else await this.connection.run(UPDATE_ORDER, [o.status, o.clientOrderId]);
    }
    this.rowsWritten += orders.length;
  }

  private async writeIteration(it: IterationRecord): Promise<void> {
    const c = this.connection;
    const run = this.runId;
    await this.writeEventsAndOrders(it.events, it.orders, it.time);
    for (const f of it.fills)
      await c.run(INSERT_FILL, [run, f.clientOrderId, f.time, f.symbol, f.side, f.qty, f.price, f.fee, f.regime]);
    for (const r of it.regimeChanges) await c.run(INSERT_REGIME, [run, r.time, r.from, r.to, r.confidence]);
    if (it.regimeModel !== undefined) await c.run(INSERT_REGIME_MODEL, [run, it.time, JSON.stringify(it.regimeModel)]);
    await c.run(INSERT_EQUITY, [run, it.iteration, it.time, it.equity, it.cash, it.regime]);
    await c.run(UPSERT_CHECKPOINT, [this.portfolioId, run, it.iteration, this.now(), JSON.stringify(it.checkpoint)]);
    this.rowsWritten += it.fills.length + it.regimeChanges.length + 2;
  }

  private async writeBars(entries: readonly CachedBars[]): Promise<void> {
    const rows: SqlValue[][] = [];
    for (const { source, symbol, timeframe, fetchedAt, bars } of entries) {
      for (const b of bars)
        rows.push([source, symbol, timeframe, b.time, b.open, b.high, b.low, b.close, b.volume, fetchedAt]);
    }
    await this.insertRows(INSERT_BARS, 10, rows);
  }

  /** Inserts rows with as few statements as possible; each statement text (one per chunk size) is prepared once. */
  private async insertRows(insertPrefix: string, columns: number, rows: readonly SqlValue[][]): Promise<void> {
    const placeholders = `(${new Array<string>(columns).fill('?').join(', ')})`;
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      await this.connection.run(
        insertPrefix + new Array<string>(chunk.length).fill(placeholders).join(', '),
        chunk.flat(),
      );
    }
    this.rowsWritten += rows.length;
  }
}
