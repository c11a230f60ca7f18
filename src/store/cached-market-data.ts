/**
 * A bar cache with a time to live in front of a market data source: bars fetched within the TTL are
 * read back from the database instead of being downloaded again (a restart within the TTL downloads
 * only what is new). The in-memory side keeps each symbol's newest bars, bounded in entries and bytes.
 */
import { LruCache } from '../core/lru-cache.js';
import type { BarColumns } from '../core/model.js';
import { barColumns, concatColumns, NO_BARS, setBar, sliceColumns } from '../core/bar-columns.js';
import { RecentBars } from './recent-bars.js';
import type { BarQuery, MarketDataSource } from '../market/types.js';
import type { SqliteConnection } from './sqlite-connection.js';
import type { SqliteTradingRecord } from './sqlite-trading-record.js';

export interface BarCacheOptions {
  /** Names the data: the simulated market with its seed, or a broker's feed. */
  readonly source: string;
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly maxBytes?: number;
  /** Bars kept in memory per symbol. */
  readonly barsPerEntry?: number;
  readonly now?: () => number;
  /** The market's clock: cached bars after it (another run's future) are never served. */
  readonly marketNow: () => number;
  /** Longest stretch without bars that is not a hole (nights, weekends, holidays). */
  readonly maxGapMs?: number;
}

/** A bar's six numbers. */
const BAR_BYTES = 48;

interface CachedRow {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What the cache holds per symbol in a range: one small read for all the symbols of a round. */
const SELECT_RANGES = `SELECT symbol, min(time) AS first, max(time) AS last FROM bar_cache
  WHERE source = ? AND timeframe = ? AND time > ? AND time <= ? AND fetched_at >= ? GROUP BY symbol`;
/** One symbol's cached bars (the primary key's order). */
const SELECT_SYMBOL = `SELECT time, open, high, low, close, volume FROM bar_cache
  WHERE source = ? AND symbol = ? AND timeframe = ? AND time > ? AND time <= ? AND fetched_at >= ? ORDER BY time`;

interface CachedRange {
  readonly first: number;
  readonly last: number;
}

/** The cached ranges of a round's read, with the bounds it was read with (the symbol reads use the same). */
interface RoundRanges {
  readonly bySymbol: ReadonlyMap<string, CachedRange>;
  readonly upTo: number;
  readonly fetchedSince: number;
}

const FOUR_DAYS_MS = 4 * 86_400_000;
/**
 * How long one read of the cached ranges answers the calls with the same start (a round's later chunks).
 * Short: rows counted in it may expire meanwhile, and a range without its rows would leave a hole.
 */
const RANGES_KEPT_MS = 30_000;

export class CachedMarketData implements MarketDataSource {
  private readonly memory: LruCache<string, RecentBars>;
  private readonly now: () => number;
  /**
   * One read of the database for all the symbols a round asks about: the per-symbol calls then reach the
   * source in the same tick, so a source that batches them (Alpaca) still can. Kept for the round's later
   * symbols (a downloader asks 50 at a time: 10 reads of the whole cache for 500 symbols, before).
   */
  private ranges: { readonly key: string; readonly read: Promise<RoundRanges>; readonly at: number } | null = null;
  /**
   * The symbols' reads, one at a time: each read's rows are made in SQLite's thread, then in JS. Side by
   * side, a 50-symbol batch's reads held about 100 MB of the C heap (the threads' malloc arenas) on a restart.
   */
  private readQueue: Promise<unknown> = Promise.resolve();
  /** What the calls made in this turn of the event loop wait for before handing their bars back. */
  private batch: Promise<unknown>[] | null = null;
  /** Bars served from the database or memory instead of the source, since start. */
  barsFromCache = 0;
  barsFromSource = 0;

  constructor(
    private readonly source: MarketDataSource,
    private readonly connection: SqliteConnection,
    private readonly writer: SqliteTradingRecord,
    private readonly options: BarCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.memory = new LruCache(
      options.maxEntries ?? 2000,
      options.maxBytes ?? 64 * 1024 * 1024,
      (bars) => bars.capacity * BAR_BYTES,
    );
  }

  async fetchBars(query: BarQuery): Promise<BarColumns> {
    const { symbol, timeframe, after } = query;
    const held = this.memory.get(`${symbol}|${timeframe}`);
    // The memory holds the newest bars; it answers when it reaches back far enough.
    const inMemory = held === undefined ? null : held.after(after);
    const ranges = inMemory === null ? await this.readRanges(timeframe, after) : null;
    const range = ranges?.bySymbol.get(symbol);
    // Rows whose older part expired leave a hole before them: then the whole range is downloaded again.
    const usable =
      range !== undefined && !(Number.isFinite(after) && range.first - after > (this.options.maxGapMs ?? FOUR_DAYS_MS));
    const newestCached =
      inMemory !== null && inMemory.length > 0
        ? (inMemory.time[inMemory.length - 1] as number)
        : usable
          ? range.last
          : after;
    // The cached bars are read symbol by symbol, one read at a time, while the source is asked.
    const reading =
      usable && ranges !== null ? this.queueRead(() => this.readSymbol(symbol, timeframe, after, ranges)) : null;
    const batch = ranges === null ? null : this.joinBatch(reading);
    let fresh: BarColumns;
    try {
      // Asked of the source for all symbols in the same tick (after the one shared read), so it can batch them.
      fresh = await this.source.fetchBars({ ...query, after: Math.max(after, newestCached) });
    } catch (error) {
      reading?.catch(() => undefined);
      throw error;
    }
    const cached = inMemory ?? (reading === null ? NO_BARS : await reading);
    // The symbols of a batch are handed back together when its reads are done: one by one, each would
    // free a place in the downloader alone, and the next symbols would reach the source one request each.
    if (batch !== null) await Promise.all(batch);
    const fetchedAt = this.now();
    this.writer.cacheBars({
      source: this.options.source,
      symbol: query.symbol,
      timeframe: query.timeframe,
      bars: fresh,
      fetchedAt,
    });
    this.barsFromCache += cached.length;
    this.barsFromSource += fresh.length;
    const all = concatColumns(cached, fresh);
    this.remember(query.symbol, query.timeframe, all, held);
    return query.limit === undefined ? all : sliceColumns(all, all.length - query.limit);
  }

  /**
   * One symbol's cached bars, in one call (not a callback per row), as columns: the rows die at once.
   */
  private async readSymbol(symbol: string, timeframe: string, after: number, ranges: RoundRanges): Promise<BarColumns> {
    const rows = await this.connection.allOnce<CachedRow>(SELECT_SYMBOL, [
      this.options.source,
      symbol,
      timeframe,
      after,
      ranges.upTo,
      ranges.fetchedSince,
    ]);
    const bars = barColumns(rows.length);
    for (let i = 0; i < rows.length; i++) {
      setBar(bars, i, rows[i] as CachedRow);
    }
    return bars;
  }

  private queueRead(read: () => Promise<BarColumns>): Promise<BarColumns> {
    const result = this.readQueue.then(read);
    this.readQueue = result.catch(() => undefined);
    return result;
  }

  /** The batch of this turn of the event loop, with `reading` in it. */
  private joinBatch(reading: Promise<BarColumns> | null): Promise<unknown>[] {
    let batch = this.batch;
    if (batch === null) {
      batch = [];
      this.batch = batch;
      setImmediate(() => (this.batch = null));
    }
    if (reading !== null) batch.push(reading.catch(() => undefined));
    return batch;
  }

  private readRanges(timeframe: string, after: number): Promise<RoundRanges> {
    const key = `${timeframe}|${after}`;
    const now = this.now();
    const kept = this.ranges;
    // A later chunk of the same round: the same answer (the rows of the symbols it covers are unchanged).
    if (kept !== null && kept.key === key && now - kept.at <= RANGES_KEPT_MS) return kept.read;
    const upTo = this.options.marketNow();
    const fetchedSince = now - this.options.ttlMs;
    const read = this.connection
      .all<{ symbol: string } & CachedRange>(SELECT_RANGES, [this.options.source, timeframe, after, upTo, fetchedSince])
      .then((rows) => ({ bySymbol: new Map(rows.map((r) => [r.symbol, r])), upTo, fetchedSince }));
    this.ranges = { key, read, at: now };
    // A failed read is not kept: the next call reads again.
    read.catch(() => {
      if (this.ranges?.read === read) this.ranges = null;
    });
    return read;
  }

  /** `held`: the window this call found (already made the most recently used), if still the cache's. */
  private remember(symbol: string, timeframe: string, bars: BarColumns, held: RecentBars | undefined): void {
    if (bars.length === 0) return;
    const key = `${symbol}|${timeframe}`;
    // The newest bars, copied into the window's own arrays: the memory never holds on to a backfill's buffer.
    let window = held !== undefined && this.memory.peek(key) === held ? held : this.memory.get(key);
    if (window === undefined) {
      window = new RecentBars(this.options.barsPerEntry ?? 64);
      this.memory.set(key, window);
    }
    window.take(bars);
  }
}
