/**
 * The engine's Broker on an Alpaca account. Orders go out fire-and-forget (the engine never waits on
 * the network); their failures come back as notices. Fills arrive on the trade_updates stream and
 * wait in a queue until the engine takes them at the start of a time step. Alpaca charges no fee.
 */
import type { Broker, BrokerFill, BrokerNotice } from '../../engine/broker.js';
import type { MarketOrder } from '../../core/model.js';
import type { Fill as StreamFill, OrderEnded } from './trade-update-stream.js';
import { AlpacaOrderRejectedError } from './alpaca-trading.js';

/** The part of AlpacaTrading the broker uses. */
export interface AlpacaOrderApi {
  submitMarketOrder(order: MarketOrder): Promise<unknown>;
  cancelOrder(clientOrderId: string): Promise<void>;
}

/** Notices kept until taken; older ones are dropped beyond this. */
const MAX_NOTICES = 100;
/** After Alpaca refuses an order, no new order for that symbol for this long. */
export const REFUSAL_BACKOFF_MS = 5 * 60_000;

export class AlpacaBroker implements Broker {
  private readonly workingBySymbol = new Map<string, MarketOrder>();
  readonly fillsLater = true;
  /** The POST of each order still in flight, so that a cancel goes out after it. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private fills: BrokerFill[] = [];
  private notices: BrokerNotice[] = [];

  constructor(
    private readonly api: AlpacaOrderApi,
    /** Alpaca's open orders at start, in the engine's terms. */
    openOrders: readonly MarketOrder[] = [],
    private readonly now: () => number = Date.now,
  ) {
    for (const order of openOrders) this.workingBySymbol.set(order.symbol, order);
  }

  /** Orders that ended without a fill, for the engine's record. */
  private ended: MarketOrder[] = [];
  /** Symbols whose last order was refused, and until when no new one is sent (epoch ms). */
  private readonly refusedUntil = new Map<string, number>();

  takeEndedOrders(): MarketOrder[] {
    const taken = this.ended;
    this.ended = [];
    return taken;
  }

  accepts(symbol: string): boolean {
    const until = this.refusedUntil.get(symbol);
    if (until === undefined) return true;
    if (this.now() < until) return false;
    this.refusedUntil.delete(symbol);
    return true;
  }

  submit(order: MarketOrder): MarketOrder | undefined {
    if (!(order.qty > 0) || !Number.isInteger(order.qty))
      throw new RangeError(`order quantity must be a positive whole number, got ${order.qty}`);
    const replaced = this.workingBySymbol.get(order.symbol);
    if (replaced !== undefined) this.sendCancel(replaced);
    this.workingBySymbol.set(order.symbol, order);
    const posted = this.api.submitMarketOrder(order).then(
      () => undefined,
      (error: unknown) => {
        if (this.workingBySymbol.get(order.symbol) === order) this.workingBySymbol.delete(order.symbol);
        this.ended.push(order);
        // A refusal (buying power, a halted symbol) would come back at every step: wait before trying again.
        const refused = error instanceof AlpacaOrderRejectedError;
        if (refused) this.refusedUntil.set(order.symbol, this.now() + REFUSAL_BACKOFF_MS);
        this.notice(
          'error',
          refused
            ? `${messageOf(error)}; no new ${order.symbol} order for ${REFUSAL_BACKOFF_MS / 60_000} minutes`
            : messageOf(error),
        );
      },
    );
    this.inFlight.set(order.clientOrderId, posted);
    void posted.finally(() => this.inFlight.delete(order.clientOrderId));
    return replaced;
  }

  cancel(symbol: string): MarketOrder | undefined {
    const cancelled = this.workingBySymbol.get(symbol);
    if (cancelled === undefined) return undefined;
    this.workingBySymbol.delete(symbol);
    this.sendCancel(cancelled);
    return cancelled;
  }

  working(symbol: string): MarketOrder | undefined {
    return this.workingBySymbol.get(symbol);
  }

  workingOrders(): MarketOrder[] {
    return [...this.workingBySymbol.values()];
  }

  restoreWorking(): void {
    // Alpaca's own open orders (given at construction) are the truth, not the saved ones.
  }

  onBar(): null {
    return null;
  }

  /** From the trade_updates stream. */
  onStreamFill(fill: StreamFill): void {
    const side = fill.side === 'buy' || fill.side === 'sell' ? fill.side : null;
    if (side === null) {
      this.notice(
        'error',
        `a fill of order ${fill.clientOrderId} has an unknown side ${JSON.stringify(fill.side)}; dropped`,
      );
      return;
    }
    const order = this.workingBySymbol.get(fill.symbol);
    if (fill.event === 'fill' && order?.clientOrderId === fill.clientOrderId) this.workingBySymbol.delete(fill.symbol);
    this.fills.push({
      clientOrderId: fill.clientOrderId,
      symbol: fill.symbol,
      side,
      qty: fill.qty,
      price: fill.price,
      fee: 0,
      time: fill.time,
    });
  }

  /** From the trade_updates stream: the order is no longer working, so the symbol can be traded again. */
  onOrderEnded(ended: OrderEnded): void {
    const order = this.workingBySymbol.get(ended.symbol);
    if (order?.clientOrderId !== ended.clientOrderId) return;
    this.workingBySymbol.delete(ended.symbol);
    this.ended.push(order);
    this.notice(
      'info',
      `Alpaca ${ended.event.replace(/_/g, ' ')} order ${ended.clientOrderId} (${order.side} ${order.qty} ${order.symbol})`,
    );
  }

  takeFills(): BrokerFill[] {
    const taken = this.fills;
    this.fills = [];
    return taken;
  }

  takeNotices(): BrokerNotice[] {
    const taken = this.notices;
    this.notices = [];
    return taken;
  }

  notice(kind: BrokerNotice['kind'], message: string): void {
    if (this.notices.length >= MAX_NOTICES) this.notices.shift();
    this.notices.push({ kind, message });
  }

  feeFor(): number {
    return 0;
  }

  /** Resolves when every order sent so far has had its answer (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  private sendCancel(order: MarketOrder): void {
    const posted = this.inFlight.get(order.clientOrderId) ?? Promise.resolve();
    void posted
      .then(() => this.api.cancelOrder(order.clientOrderId))
      .catch((error: unknown) => this.notice('error', messageOf(error)));
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
