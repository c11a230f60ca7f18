/**
 * Paper execution: a market order fills at the open of the symbol's next bar, moved against the
 * order by `slippageBps`, rounded to the cent, and charged `feeBps` of its value (at least `minFee`).
 */
import { roundToCents } from '../core/units.js';
import type { Bar, MarketOrder } from '../core/model.js';
import type { Broker, BrokerFill, BrokerNotice } from '../engine/broker.js';

export interface ExecutionCosts {
  readonly slippageBps: number;
  readonly feeBps: number;
  readonly minFee: number;
}

const NONE: readonly never[] = [];

export const DEFAULT_COSTS: ExecutionCosts = { slippageBps: 2, feeBps: 0.5, minFee: 0.01 };

export class PaperBroker implements Broker {
  /** At most one working order per symbol: a newer order replaces the older. */
  private readonly workingBySymbol = new Map<string, MarketOrder>();
  readonly fillsLater = false;

  constructor(readonly costs: ExecutionCosts = DEFAULT_COSTS) {}

  /** Places an order; returns the symbol's older working order, which it replaces. */
  submit(order: MarketOrder): MarketOrder | undefined {
    if (!(order.qty > 0) || !Number.isInteger(order.qty))
      throw new RangeError(`order quantity must be a positive whole number, got ${order.qty}`);
    const replaced = this.workingBySymbol.get(order.symbol);
    this.workingBySymbol.set(order.symbol, order);
    return replaced;
  }

  /** Cancels the symbol's working order; returns it, if there was one. */
  cancel(symbol: string): MarketOrder | undefined {
    if (this.workingBySymbol.size === 0) return undefined;
    const cancelled = this.workingBySymbol.get(symbol);
    if (cancelled !== undefined) this.workingBySymbol.delete(symbol);
    return cancelled;
  }

  working(symbol: string): MarketOrder | undefined {
    return this.workingBySymbol.get(symbol);
  }

  workingOrders(): MarketOrder[] {
    return [...this.workingBySymbol.values()];
  }

  /** Fills the symbol's working order, if any, at this bar's open. */
  onBar(symbol: string, bar: Bar): BrokerFill | null {
    if (this.workingBySymbol.size === 0) return null;
    const order = this.workingBySymbol.get(symbol);
    if (order === undefined) return null;
    this.workingBySymbol.delete(symbol);
    const direction = order.side === 'buy' ? 1 : -1;
    const price = Math.max(0.01, roundToCents(bar.open * (1 + (direction * this.costs.slippageBps) / 10_000)));
    return {
      clientOrderId: order.clientOrderId,
      symbol,
      side: order.side,
      qty: order.qty,
      price,
      fee: this.feeFor(order.qty, price),
      time: bar.time,
      order,
    };
  }

  restoreWorking(orders: readonly MarketOrder[]): void {
    for (const order of orders) this.submit(order);
  }

  // Paper fills come from onBar; nothing arrives later, and no order ends by itself.
  takeFills(): readonly BrokerFill[] {
    return NONE;
  }

  takeNotices(): readonly BrokerNotice[] {
    return NONE;
  }

  takeEndedOrders(): readonly MarketOrder[] {
    return NONE;
  }

  accepts(): boolean {
    return true;
  }

  feeFor(qty: number, price: number): number {
    return Math.max(this.costs.minFee, roundToCents((qty * price * this.costs.feeBps) / 10_000));
  }
}
