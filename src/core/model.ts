/**
 * The domain model at the bottom of the house: bars and the orders the engine sends. Every other
 * layer (engine, brokers, markets, store) speaks in these types; this file imports nothing.
 */

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

/**
 * A symbol's bars as six columns of numbers, oldest first (`time[i]`, `close[i]`: bar i): how bars are
 * handed on from a download. A 500-symbol backfill is over half a million bars; as objects, about 180
 * bytes each of short-lived JS heap.
 */
export interface BarColumns {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export type Side = 'buy' | 'sell';

/** An executed trade: quantity filled at a price, with its fee. */
export interface Fill {
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly time: number;
}

/** A long position: quantity held, its average cost and the last price it was marked at. */
export interface Position {
  readonly symbol: string;
  readonly qty: number;
  readonly avgPrice: number;
  readonly lastPrice: number;
}

export interface MarketOrder {
  /** Unique per order; the key that ties an order to its fill in the database and at a broker. */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  /** Market time the order was placed. */
  readonly time: number;
  /** The close it was sized on (absent: an order from an older checkpoint or from the broker itself). */
  readonly price?: number;
  /** A buy: the largest value the position may have once filled (the position cap of the equity it was sized on). */
  readonly maxValue?: number;
}
