/**
 * A bar cache with a time to live in front of a market data source: bars fetched within the TTL are
 * read back from the database instead of being downloaded again (a restart within the TTL downloads
 * only what is new). The in-memory side keeps each symbol's newest bars, bounded in entries and bytes.
 */
import { LruCache } from '../core/lru-cache.js';
import type { BarColumns } from '../core/model.js';
import { barColumns, concatColumns, firstBarAfter, NO_BARS, sliceColumns } from '../core/bar-columns.js';
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

export class CachedMarketData implements MarketDataSource {
  private readonly memory: LruCache<string, BarColumns>;
  private readonly now: () => number;
  /**
   * One read of the database for all the symbols a round asks about at once: the per-symbol calls then
   * reach the source in the same tick, so a source that batches them (Alpaca) still can.
   */
  private readonly reads = new Map<string, Promise<RoundRanges>>();
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
      (bars) => bars.length * BAR_BYTES,
    );
  }

  async fetchBars(query: BarQuery): Promise<BarColumns> {
    const { symbol, timeframe, after } = query;
    const held = this.memory.get(`${symbol}|${timeframe}`);
    // The memory holds the newest bars; it answers when it reaches back far enough.
    const inMemory =
      held !== undefined && held.length > 0 && (held.time[0] as number) <= after
        ? sliceColumns(held, firstBarAfter(held, after))
        : null;
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
    // Asked of the source for all symbols in the same tick (after the one shared read), so it can batch them.
    const fresh = await this.source.fetchBars({ ...query, after: Math.max(after, newestCached) });
    // The cached bars themselves are read symbol by symbol: a big restart never holds them all at once.
    const cached =
      inMemory ?? (usable && ranges !== null ? await this.readSymbol(symbol, timeframe, after, ranges) : NO_BARS);
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
    this.remember(query.symbol, query.timeframe, all);
    return query.limit === undefined ? all : sliceColumns(all, all.length - query.limit);
  }

  /**
   * One symbol's cached bars, in one call (not a callback per row): made together, the rows are used
   * and dropped together; they have a bar's fields and are kept as they come. (The reads of a round
   * run side by side: one after another, the symbols would finish one at a time and the next ones
   * would no longer reach the source in one batch.)
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
      const row = rows[i] as CachedRow;
      bars.time[i] = row.time;
      bars.open[i] = row.open;
      bars.high[i] = row.high;
      bars.low[i] = row.low;
      bars.close[i] = row.close;
      bars.volume[i] = row.volume;
    }
    return bars;
  }

  private readRanges(timeframe: string, after: number): Promise<RoundRanges> {
    const key = `${timeframe}|${after}`;
    let read = this.reads.get(key);
    if (read === undefined) {
      const upTo = this.options.marketNow();
      const fetchedSince = this.now() - this.options.ttlMs;
      read = this.connection
        .all<{ symbol: string } & CachedRange>(SELECT_RANGES, [
          this.options.source,
          timeframe,
          after,
          upTo,
          fetchedSince,
        ])
        .then((rows) => ({ bySymbol: new Map(rows.map((r) => [r.symbol, r])), upTo, fetchedSince }))
        .finally(() => {
          // Kept only for the calls of this round, which are all waiting on it by now.
          setImmediate(() => this.reads.delete(key));
        });
      this.reads.set(key, read);
    }
    return read;
  }

  private remember(symbol: string, timeframe: string, bars: BarColumns): void {
    if (bars.length === 0) return;
    const key = `${symbol}|${timeframe}`;
    const keep = this.options.barsPerEntry ?? 64;
    const previous = this.memory.get(key) ?? NO_BARS;
    const merged =
      previous.length > 0 && (previous.time[previous.length - 1] as number) < (bars.time[0] as number)
        ? concatColumns(previous, bars)
        : bars;
    // A copy of the newest: the memory never holds on to a whole backfill's buffer.
    this.memory.set(key, sliceColumns(merged, merged.length - keep));
  }
}
