/**
 * Where the engine's orders go. The paper broker fills at the next bar's open (`onBar`); a real
 * broker fills asynchronously and hands its fills over at the start of each time step (`takeFills`).
 */
import type { Bar, Fill, MarketOrder } from '../core/model.js';

export type BrokerFill = Fill & {
  readonly clientOrderId: string;
  /** The order it fills, when the broker knows it (the paper broker): its sizing limits cut the fill. */
  readonly order?: MarketOrder;
};

/** Something the broker wants the user to know (a rejected order, a stream going down). */
export interface BrokerNotice {
  readonly kind: 'error' | 'info';
  readonly message: string;
}

export interface Broker {
  /**
   * Fills come later, from the network. The engine then leaves a symbol with a working order alone
   * until its fill arrives: replacing it could buy twice (the first may have filled on the way).
   */
  readonly fillsLater: boolean;
  /** The symbol's working order, if any. */
  working(symbol: string): MarketOrder | undefined;
  /** Places an order; returns the symbol's older working order, which it replaces. */
  submit(order: MarketOrder): MarketOrder | undefined;
  /** Cancels the symbol's working order; returns it, if there was one. */
  cancel(symbol: string): MarketOrder | undefined;
  workingOrders(): MarketOrder[];
  /** The working orders of a saved run; a real broker keeps its own (it already has them). */
  restoreWorking(orders: readonly MarketOrder[]): void;
  /** A fill caused by this bar (the paper broker), or null. */
  onBar(symbol: string, bar: Bar): BrokerFill | null;
  /** Fills that arrived since the last call, oldest first. */
  takeFills(): readonly BrokerFill[];
  /** Notices since the last call. */
  takeNotices(): readonly BrokerNotice[];
  /** Orders that ended without a fill (refused, cancelled or expired by the broker) since the last call. */
  takeEndedOrders(): readonly MarketOrder[];
  /** Whether the broker takes a new order for the symbol now (false for a while after it refused one). */
  accepts(symbol: string): boolean;
  feeFor(qty: number, price: number): number;
}

/** Whether the market is open now; a closed market idles the loop. */
export interface MarketHours {
  readonly open: boolean;
  /** Epoch ms. */
  readonly nextOpen: number;
}

export interface MarketHoursSource {
  check(): Promise<MarketHours>;
}

/** The account as the broker has it at start; it replaces what the engine would start from. */
export interface BrokerState {
  readonly cash: number;
  readonly positions: readonly {
    readonly symbol: string;
    readonly qty: number;
    readonly avgPrice: number;
    readonly lastPrice: number | null;
  }[];
  /** Differences with the saved run, one message each. */
  readonly notes: readonly string[];
}
