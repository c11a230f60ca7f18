/** What the market-data adapters share: a query for one symbol's bars and the errors a request ends with. */
import type { BarColumns, Timeframe } from '../core/model.js';

export interface BarQuery {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Only bars whose time is strictly after this (epoch ms). */
  readonly after: number;
  /** At most this many of the newest matching bars. */
  readonly limit?: number;
  readonly signal: AbortSignal;
}

/** Where bars come from: the simulated market or a broker's data API. */
export interface MarketDataSource {
  /** Bars after `query.after` up to the source's current time, oldest first, as columns (no object per bar). */
  fetchBars(query: BarQuery): Promise<BarColumns>;
}

/** A request failed in a way worth retrying (network, 5xx, 429). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    message: string,
    /** Server-given wait before a retry (429 Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A request failed in a way a retry cannot fix (bad symbol, malformed data, auth). */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}
