/** Bar sizes, spelled as Alpaca spells them. */
export const TIMEFRAMES = ['1Min', '5Min', '15Min', '30Min', '1Hour', '1Day'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const TIMEFRAME_MINUTES: Readonly<Record<Timeframe, number>> = {
  '1Min': 1,
  '5Min': 5,
  '15Min': 15,
  '30Min': 30,
  '1Hour': 60,
  '1Day': 390,
};

/** One OHLCV bar; `time` is the bar's opening time in epoch milliseconds. */
export interface Bar {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

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
  /** Bars after `query.after` up to the source's current time, oldest first. */
  fetchBars(query: BarQuery): Promise<Bar[]>;
}

/** The market's clock as the loop sees it. */
export interface MarketClock {
  /** Time of the newest bar the market has produced (epoch ms). */
  now(): number;
  /** Moves the clock on by one bar (the simulated market); a real market moves by itself. */
  advance(): void;
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
