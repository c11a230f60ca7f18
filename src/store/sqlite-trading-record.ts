/**
 * Writes the engine's history to SQLite: each iteration's rows in one transaction of a few multi-row
 * statements (each statement is a trip to SQLite's thread and back), off the loop's path. The loop
 * waits for each iteration's commit before publishing it (nothing shown is ever lost);
 * a big backfill's cached bars are written as they arrive, in large transactions of their own.
 */
import { statSync } from 'node:fs';
import type { BarColumns } from '../core/model.js';
import type { IterationRecord, OrderRecord, TradingRecord } from '../engine/trading-record.js';
import type { EngineEvent } from '../engine/snapshot.js';
import { describeSqliteError, StoreError } from './open-store.js';
import { MultiRowInsert } from './multi-row-insert.js';
import type { SqlValue, SqliteConnection } from './sqlite-connection.js';

export interface CachedBars {
  readonly source: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly bars: BarColumns;
  readonly fetchedAt: number;
}

/** Multi-row inserts: the prefix, then `rows` of the row's placeholders (see MultiRowInsert). */
const INSERT_EVENTS = new MultiRowInsert(
  'INSERT INTO events (run_id, time, kind, message, recorded_at) VALUES ',
  '(?, ?, ?, ?, ?)',
);
const INSERT_EQUITY =
  'INSERT OR REPLACE INTO equity_points (run_id, iteration, time, equity, cash, regime, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
const INSERT_ORDERS = new MultiRowInsert(
  'INSERT OR IGNORE INTO orders (run_id, client_order_id, time, symbol, side, qty, status, recorded_at) VALUES ',
  '(?, ?, ?, ?, ?, ?, ?, ?)',
);
/** Status changes as (client order id, status) rows; an id appears at most once in a statement. */
const UPDATE_ORDERS = new MultiRowInsert(
  'UPDATE orders SET status = changed.column2 FROM (VALUES ',
  '(?, ?)',
  ') AS changed WHERE orders.client_order_id = changed.column1',
);
const INSERT_FILLS = new MultiRowInsert(
  'INSERT INTO fills (run_id, order_id, time, symbol, side, qty, price, fee, regime, recorded_at) VALUES ',
  '(?, (SELECT id FROM orders WHERE client_order_id = ?), ?, ?, ?, ?, ?, ?, ?, ?)',
);
const INSERT_REGIME_CHANGES = new MultiRowInsert(
  'INSERT INTO regime_changes (run_id, time, from_regime, to_regime, confidence) VALUES ',
  '(?, ?, ?, ?, ?)',
);
const INSERT_REGIME_MODEL = 'INSERT INTO regime_models (run_id, time, model) VALUES (?, ?, ?)';
const INSERT_REGIME_FEATURES = new MultiRowInsert(
  'INSERT OR REPLACE INTO regime_features (portfolio_id, bar, features) VALUES ',
  '(?, ?, ?)',
);
const DROP_REGIME_FEATURES = 'DELETE FROM regime_features WHERE portfolio_id = ? AND bar <= ?';
const UPSERT_CHECKPOINT = `INSERT INTO checkpoints (portfolio_id, run_id, iteration, saved_at, state) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(portfolio_id) DO UPDATE SET run_id = excluded.run_id, iteration = excluded.iteration, saved_at = excluded.saved_at, state = excluded.state`;
/** The bars come as one flat JSON array, six numbers a bar, regrouped here (`key` is the index in the array). */
const INSERT_BARS_JSON = `INSERT OR REPLACE INTO bar_cache (source, symbol, timeframe, time, open, high, low, close, volume, fetched_at)
  SELECT ?1, ?2, ?3, max(CASE key % 6 WHEN 0 THEN value END), max(CASE key % 6 WHEN 1 THEN value END),
    max(CASE key % 6 WHEN 2 THEN value END), max(CASE key % 6 WHEN 3 THEN value END),
    max(CASE key % 6 WHEN 4 THEN value END), max(CASE key % 6 WHEN 5 THEN value END), ?4
  FROM json_each(CAST(?5 AS TEXT)) GROUP BY key / 6`;
/**
 * A round's few new bars of every symbol in one statement: `[[source, symbol, timeframe, fetchedAt, time,
 * open, high, low, close, volume], …]`, one array a bar, its numbers read by the same JSON parser as above
 * (the same values stored), in order (a later bar replaces an earlier one with its key, as one statement
 * per bar would). One row of json_each a bar, read by position: no grouping of numbers into bars.
 */
const INSERT_BAR_ROWS_JSON = `INSERT OR REPLACE INTO bar_cache (source, symbol, timeframe, time, open, high, low, close, volume, fetched_at)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8,
    value ->> 9, value ->> 3
  FROM json_each(CAST(?1 AS TEXT)) ORDER BY key`;
/**
 * Entries of up to this many bars (a round's: usually one bar a symbol) share a statement, up to
 * BARS_PER_SHARED_STATEMENT bars in all; bigger ones (a backfill's) have one each. The shared statement
 * repeats each entry's fields in every bar's row, so it is kept to small entries.
 */
const SHARED_ENTRY_MAX_BARS = 4;
const BARS_PER_SHARED_STATEMENT = 1_024;
const EXPIRE_BARS = `DELETE FROM bar_cache WHERE (source, symbol, timeframe, time) IN
  (SELECT source, symbol, timeframe, time FROM bar_cache WHERE fetched_at < ? LIMIT 5000)`;

/** Queued cached bars from this many rows on are written at once, not with the next iteration. */
const BAR_ROWS_WRITTEN_AT_ONCE = 5_000;
/** Cached bars written per transaction (a big backfill goes in several, as it arrives). */
const BAR_ROWS_PER_TRANSACTION = 50_000;
/**
 * A round's new bars wait for this many iterations (or BAR_ROWS_HELD rows) before they go with an
 * iteration's transaction. Each symbol's newest cached bar sits on a page of its own in the cache's
 * table, so every write of a round's bars rewrites a page per symbol (60 symbols: ~240 KB to the WAL,
 * then to the file) for a few hundred bytes of bars; sixteen rounds at once rewrite the same pages once.
 * Only the cache waits (the trading record is committed every iteration): a kill -9 loses at most these
 * bars, which the next start downloads again. A stop writes them all.
 */
export const BAR_ITERATIONS_HELD = 16;
const BAR_ROWS_HELD = 1_024;

/**
 * `[time, open, high, low, close, volume, time, …]`: the numbers in one array of doubles, written out by
 * JSON.stringify in one go (no string per number or per bar on the way).
 */
function barsAsJson(bars: BarColumns): string {
  const values = new Array<number>(bars.length * 6);
  for (let i = 0, v = 0; i < bars.length; i++, v += 6) {
    values[v] = bars.time[i] as number;
    values[v + 1] = bars.open[i] as number;
    values[v + 2] = bars.high[i] as number;
    values[v + 3] = bars.low[i] as number;
    values[v + 4] = bars.close[i] as number;
    values[v + 5] = bars.volume[i] as number;
  }
  return JSON.stringify(values);
}

/** `[source, symbol, timeframe, fetchedAt, time, open, …, volume],…`: an entry's bars as rows of INSERT_BAR_ROWS_JSON. */
function entryRowsAsJson(entry: CachedBars): string {
  const { source, symbol, timeframe, fetchedAt, bars } = entry;
  const head = `[${JSON.stringify(source)},${JSON.stringify(symbol)},${JSON.stringify(timeframe)},${JSON.stringify(fetchedAt)},`;
  const rows = new Array<string>(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const values = [bars.time[i], bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]];
    rows[i] = head + JSON.stringify(values).slice(1);
  }
  return rows.join(',');
}

/**
 * Cached bars waiting to be written. A big entry (a backfill's): the columns as they came (numbers
 * outside the JS heap, 48 bytes a bar), made into JSON text only when written. A round's small entry
 * waits for several iterations (BAR_ITERATIONS_HELD): as its JSON rows at once, one string (about 130
 * bytes a bar) instead of eight objects that would all outlive the young generation.
 */
type QueuedBars =
  | { readonly rows: number; readonly entry: CachedBars; readonly json?: undefined }
  | { readonly rows: number; readonly json: string; readonly entry?: undefined };

/** Expired cached bars are deleted every this many writes, a batch at a time. */
const EXPIRY_EVERY_WRITES = 100;

/** Waits between tries of a write that met a busy database (another process holding the write lock). */
const BUSY_RETRY_MS = 250;

export class SqliteTradingRecord implements TradingRecord {
  private iterations: IterationRecord[] = [];
  private bars: QueuedBars[] = [];
  private queuedBarRows = 0;
  /** Events and order changes after the last iteration (a stop), written with the next batch. */
  private looseEvents: EngineEvent[] = [];
  private looseOrders: OrderRecord[] = [];
  /** Iterations written since the queued round bars were last written with one. */
  private iterationsSinceBars = 0;
  /** Set while flush() runs: everything queued goes, the bars too. */
  private flushing = false;
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
  ) {
    this.fileIdentity = identityOf(connection.path);
  }

  /** The database file as opened (device and inode): a file deleted or replaced under the bot is noticed. */
  private readonly fileIdentity: string | null;

  record(iteration: IterationRecord): Promise<void> | undefined {
    if (this.failure !== null) return Promise.reject(this.failure);
    const writing = this.inFlight;
    this.iterations.push(iteration);
    this.startWriting();
    // One write in flight and this one queued is fine; if a write was already in flight, wait for it.
    return writing ?? undefined;
  }

  async committed(): Promise<void> {
    while (this.failure === null && (this.inFlight !== null || this.iterations.length > 0)) {
      if (this.inFlight === null) this.startWriting();
      await this.inFlight;
    }
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Queues bars for the cache. They are written at once, in large transactions of their own, so a big
   * backfill goes to disk while it downloads and is not held until the first iteration.
   */
  cacheBars(entry: CachedBars): void {
    if (this.failure !== null || entry.bars.length === 0) return;
    const rows = entry.bars.length;
    this.bars.push(rows > SHARED_ENTRY_MAX_BARS ? { rows, entry } : { rows, json: entryRowsAsJson(entry) });
    this.queuedBarRows += entry.bars.length;
    // A round's few new bars go with a later iteration's transaction (BAR_ITERATIONS_HELD); a backfill's go now.
    if (this.queuedBarRows >= BAR_ROWS_WRITTEN_AT_ONCE) this.startWriting();
  }

  recordTail(events: readonly EngineEvent[], orders: readonly OrderRecord[]): void {
    if (this.failure !== null) return;
    this.looseEvents.push(...events);
    this.looseOrders.push(...orders);
  }

  /** Writes everything queued (the stop's events and orders too); surfaces a write failure. */
  async flush(): Promise<void> {
    this.flushing = true;
    try {
      // Until nothing is queued: what was queued while a write was in flight goes in the next one.
      while (this.failure === null && (this.inFlight !== null || this.hasQueued())) {
        if (this.inFlight === null) this.startWriting();
        await this.inFlight;
      }
    } finally {
      this.flushing = false;
    }
    if (this.failure !== null) throw this.failure;
  }

  private hasQueued(): boolean {
    return (
      this.iterations.length > 0 || this.bars.length > 0 || this.looseEvents.length > 0 || this.looseOrders.length > 0
    );
  }

  /** Writes everything queued, marks the run ended, and surfaces a write failure. */
  async close(): Promise<void> {
    await this.flush();
    await this.connection.run('UPDATE runs SET ended_at = ? WHERE id = ?', [this.now(), this.runId]);
  }

  private startWriting(): void {
    if (this.inFlight !== null) return;
    this.inFlight = this.drain().finally(() => {
      this.inFlight = null;
      if (this.failure === null && (this.iterations.length > 0 || this.queuedBarRows >= BAR_ROWS_WRITTEN_AT_ONCE))
        this.startWriting();
    });
  }

  private async drain(): Promise<void> {
    const moved = this.fileMoved();
    if (moved !== null) {
      this.failure = new StoreError(moved);
      return;
    }
    // Many cached bars (a backfill): large transactions of their own, a batch of whole entries each.
    while (this.queuedBarRows >= BAR_ROWS_WRITTEN_AT_ONCE) {
      const batch = this.takeBarBatch();
      if (!(await this.retrying(() => this.connection.transaction(() => this.writeBars(batch))))) return;
    }
    const iterations = this.iterations;
    const events = this.looseEvents;
    const orders = this.looseOrders;
    this.iterationsSinceBars += iterations.length;
    // A round's few new bars wait for a later iteration (see BAR_ITERATIONS_HELD), unless this is a flush.
    const barsDue =
      this.flushing || this.iterationsSinceBars >= BAR_ITERATIONS_HELD || this.queuedBarRows >= BAR_ROWS_HELD;
    const bars = barsDue ? this.bars : [];
    if (iterations.length === 0 && events.length === 0 && orders.length === 0 && bars.length === 0) return;
    this.iterations = [];
    this.looseEvents = [];
    this.looseOrders = [];
    if (barsDue) {
      this.bars = [];
      this.queuedBarRows = 0;
      this.iterationsSinceBars = 0;
    }
    await this.retrying(() =>
      this.connection.transaction(async () => {
        await this.writeBars(bars);
        for (const iteration of iterations) await this.writeIteration(iteration);
        await this.writeEventsAndOrders(events, orders, iterations.at(-1)?.time ?? Number.NaN);
        if (++this.writes % EXPIRY_EVERY_WRITES === 0)
          await this.connection.run(EXPIRE_BARS, [this.now() - this.cacheTtlMs]);
      }),
    );
  }

  /** The oldest queued bar entries, up to about BAR_ROWS_PER_TRANSACTION rows (at least one entry). */
  private takeBarBatch(): QueuedBars[] {
    let rows = 0;
    let taken = 0;
    while (taken < this.bars.length && (taken === 0 || rows < BAR_ROWS_PER_TRANSACTION)) {
      rows += (this.bars[taken] as QueuedBars).rows;
      taken++;
    }
    this.queuedBarRows -= rows;
    return this.bars.splice(0, taken);
  }

  /** Runs a write transaction, waiting out a busy database and retrying once on a broken connection. */
  private async retrying(write: () => Promise<void>): Promise<boolean> {
    let retriedOnce = false;
    for (;;) {
      try {
        await write();
        return true;
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
        return false;
      }
    }
  }

  /** Why the file at the path is no longer the database being written, or null when it still is. */
  private fileMoved(): string | null {
    if (this.fileIdentity === null) return null;
    const path = this.connection.path;
    const now = identityOf(path);
    if (now === this.fileIdentity) return null;
    const what = now === null ? 'was deleted' : 'was replaced by another file';
    return `the database ${path} ${what} while the bot was running; stopping (start again to begin a new record)`;
  }

  private async writeEventsAndOrders(
    events: readonly EngineEvent[],
    orders: readonly OrderRecord[],
    fallbackTime: number,
  ): Promise<void> {
    const c = this.connection;
    const run = this.runId;
    const time = (t: number): number =>
      Number.isFinite(t) ? t : Number.isFinite(fallbackTime) ? fallbackTime : this.now();
    const recordedAt = this.now();
    const eventValues: SqlValue[] = [];
    for (const e of events) eventValues.push(run, time(e.time), e.kind, e.message, recordedAt);
    await INSERT_EVENTS.run(c, eventValues);
    this.rowsWritten += events.length;
    // New orders and status changes in the order they happened: each run of new orders in one statement,
    // each run of changes in one (an order changed twice in a run takes the later status, as it would one by one).
    for (let i = 0; i < orders.length;) {
      const working = (orders[i] as OrderRecord).status === 'working';
      let end = i;
      while (end < orders.length && ((orders[end] as OrderRecord).status === 'working') === working) end++;
      const values: SqlValue[] = [];
      if (working) {
        for (let o = i; o < end; o++) {
          const { clientOrderId, time: at, symbol, side, qty, status } = orders[o] as OrderRecord;
          values.push(run, clientOrderId, at, symbol, side, qty, status, recordedAt);
        }
        await INSERT_ORDERS.run(c, values);
      } else {
        const latest = new Map<string, string>();
        for (let o = i; o < end; o++)
          latest.set((orders[o] as OrderRecord).clientOrderId, (orders[o] as OrderRecord).status);
        for (const [clientOrderId, status] of latest) values.push(clientOrderId, status);
        await UPDATE_ORDERS.run(c, values);
      }
      i = end;
    }
    this.rowsWritten += orders.length;
  }

  private async writeIteration(it: IterationRecord): Promise<void> {
    const c = this.connection;
    const run = this.runId;
    await this.writeEventsAndOrders(it.events, it.orders, it.time);
    const recordedAt = this.now();
    const fills: SqlValue[] = [];
    for (const f of it.fills)
      fills.push(run, f.clientOrderId, f.time, f.symbol, f.side, f.qty, f.price, f.fee, f.regime, recordedAt);
    await INSERT_FILLS.run(c, fills);
    const changes: SqlValue[] = [];
    for (const r of it.regimeChanges) changes.push(run, r.time, r.from, r.to, r.confidence);
    await INSERT_REGIME_CHANGES.run(c, changes);
    // Without a market time (no bar has arrived yet: a data outage since the start) there is no equity point.
    const hasTime = Number.isFinite(it.time);
    if (hasTime) await c.run(INSERT_EQUITY, [run, it.iteration, it.time, it.equity, it.cash, it.regime, recordedAt]);
    if (hasTime && it.regimeModel !== undefined)
      await c.run(INSERT_REGIME_MODEL, [run, it.time, JSON.stringify(it.regimeModel)]);
    const held = it.regimeFeatures;
    if (held !== undefined) {
      const D = held.values.length / held.count;
      const features: SqlValue[] = [];
      for (let i = 0; i < held.count; i++)
        features.push(this.portfolioId, held.first + i, Buffer.from(held.values.slice(i * D, (i + 1) * D).buffer));
      await INSERT_REGIME_FEATURES.run(c, features);
      await c.run(DROP_REGIME_FEATURES, [this.portfolioId, held.dropUpTo]);
    }
    await c.run(UPSERT_CHECKPOINT, [this.portfolioId, run, it.iteration, this.now(), JSON.stringify(it.checkpoint)]);
    this.rowsWritten += it.fills.length + it.regimeChanges.length + (hasTime ? 2 : 1);
  }

  /**
   * Bars go to SQLite as JSON text that json_each unrolls, so a backfill of half a million bars makes a
   * few hundred strings in JavaScript, not millions of values. A big entry (a backfill's) is one
   * statement; small ones (a round's new bars of every symbol) share one.
   */
  private async writeBars(entries: readonly QueuedBars[]): Promise<void> {
    let shared: string[] = [];
    let sharedRows = 0;
    const writeShared = async (): Promise<void> => {
      if (shared.length === 0) return;
      await this.connection.run(INSERT_BAR_ROWS_JSON, [`[${shared.join(',')}]`]);
      this.rowsWritten += sharedRows;
      shared = [];
      sharedRows = 0;
    };
    for (const queued of entries) {
      const { rows, entry } = queued;
      if (entry !== undefined) {
        const { source, symbol, timeframe, fetchedAt, bars } = entry;
        await writeShared();
        await this.connection.run(INSERT_BARS_JSON, [source, symbol, timeframe, fetchedAt, barsAsJson(bars)]);
        this.rowsWritten += rows;
        continue;
      }
      if (sharedRows + rows > BARS_PER_SHARED_STATEMENT) await writeShared();
      shared.push(queued.json);
      sharedRows += rows;
    }
    await writeShared();
  }
}

function identityOf(path: string): string | null {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return null;
  }
}
