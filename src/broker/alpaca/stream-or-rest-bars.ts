/**
 * Bars from the live stream while it is healthy, else from REST. The stream sends minute bars; they
 * are gathered into the session's timeframe and a bar is kept once complete (a minute of a later bar
 * came). A query is served from the stream only when the stream has covered every bar after
 * `query.after` without a break: healthy since before that bar, and nothing needed dropped from the
 * bounded buffer. Anything else (backfill, a gap, the stream down or silent) goes to REST.
 */
import { TIMEFRAME_MINUTES, type Bar, type BarColumns, type Timeframe } from '../../core/model.js';
import { columnsFromBars } from '../../core/bar-columns.js';
import type { BarQuery, MarketDataSource } from '../../market/types.js';

const MINUTE_MS = 60_000;
/** Bars kept per symbol; older ones are dropped (a query needing them goes to REST). */
export const DEFAULT_STREAM_BUFFER = 256;

interface SymbolBuffer {
  /** Complete bars, oldest first. */
  bars: Bar[];
  /** The bar being gathered from minute bars. */
  building: Bar | null;
  /** Newest bar time dropped for room, or -Infinity. */
  droppedUpTo: number;
}

export class StreamOrRestBars implements MarketDataSource {
  private readonly buffers = new Map<string, SymbolBuffer>();
  private readonly barMs: number;
  /** First bar fully covered by the stream since it last became healthy, or null while it is not. */
  private coveredFrom: number | null = null;
  /** Queries answered from the stream and from REST, since start. */
  served = { stream: 0, rest: 0 };

  constructor(
    private readonly rest: MarketDataSource,
    timeframe: Timeframe,
    private readonly capacity = DEFAULT_STREAM_BUFFER,
  ) {
    if (timeframe === '1Day') throw new RangeError('daily bars are not gathered from the minute stream');
    this.barMs = TIMEFRAME_MINUTES[timeframe] * MINUTE_MS;
  }

  /** The stream's health changed; `now` is when (epoch ms). Any break forgets what was streamed. */
  setHealthy(healthy: boolean, now: number): void {
    if (healthy === (this.coveredFrom !== null)) return;
    this.buffers.clear();
    // Minute bars are sent when their minute ends: the minute under way is the first one received.
    this.coveredFrom = healthy ? Math.ceil((Math.floor(now / MINUTE_MS) * MINUTE_MS) / this.barMs) * this.barMs : null;
  }

  /** A minute bar from the stream. */
  push(symbol: string, minute: Bar): void {
    if (this.coveredFrom === null) return;
    let buffer = this.buffers.get(symbol);
    if (buffer === undefined) {
      buffer = { bars: [], building: null, droppedUpTo: Number.NEGATIVE_INFINITY };
      this.buffers.set(symbol, buffer);
    }
    const start = Math.floor(minute.time / this.barMs) * this.barMs;
    const building = buffer.building;
    if (building !== null && start < building.time) return; // late or repeated: REST has it
    if (building !== null && start === building.time) {
      buffer.building = {
        time: start,
        open: building.open,
        high: Math.max(building.high, minute.high),
        low: Math.min(building.low, minute.low),
        close: minute.close,
        volume: building.volume + minute.volume,
      };
      return;
    }
    if (building !== null) this.keep(buffer, building);
    buffer.building = { ...minute, time: start };
    if (this.barMs === MINUTE_MS) {
      this.keep(buffer, buffer.building);
      buffer.building = null;
    }
  }

  fetchBars(query: BarQuery): Promise<BarColumns> {
    const buffer = this.buffers.get(query.symbol);
    // The first bar the query needs: the one after the bar `after` falls in.
    const next = Math.floor(query.after / this.barMs) * this.barMs + this.barMs;
    const covered =
      this.coveredFrom !== null && next >= this.coveredFrom && (buffer === undefined || buffer.droppedUpTo < next);
    if (!covered) {
      this.served.rest++;
      return this.rest.fetchBars(query);
    }
    this.served.stream++;
    const bars = (buffer?.bars ?? []).filter((bar) => bar.time > query.after);
    return Promise.resolve(columnsFromBars(query.limit === undefined ? bars : bars.slice(-query.limit)));
  }

  private keep(buffer: SymbolBuffer, bar: Bar): void {
    // Bars before the covered range may be partial (minutes missed before the stream was up).
    if (this.coveredFrom === null || bar.time < this.coveredFrom) return;
    buffer.bars.push(bar);
    if (buffer.bars.length > this.capacity) {
      const dropped = buffer.bars.shift() as Bar;
      buffer.droppedUpTo = dropped.time;
    }
  }
}
