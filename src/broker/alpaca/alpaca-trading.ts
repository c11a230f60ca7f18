/**
 * The trading side of Alpaca through the SDK (alpaca-sdk.ts): symbol validation, the start-up
 * snapshot (Alpaca is the source of truth), the market clock, and market orders.
 *
 * Orders are never retried blindly. The SDK sends a POST exactly once (it retries GETs only), and
 * an ambiguous failure (timeout, network error, 5xx, an unreadable 2xx: the order may have been
 * accepted) is reconciled by looking the `client_order_id` up: found → accepted; 404 → not placed,
 * so the POST is sent once more; a failed lookup → AlpacaTradingError 'order-unknown'. A 403/422
 * (insufficient buying power, ...) is an AlpacaOrderRejectedError, never retried. Every message is
 * passed through `redactSecrets`.
 */
import type { MarketOrder } from '../../core/model.js';
import { AlpacaAuthError, redactSecrets } from './alpaca-market-data.js';
import {
  createTradingClient,
  describeAlpacaFailure,
  type AlpacaAccount,
  type AlpacaFailure,
  type AlpacaOrder,
  type AlpacaPosition,
  type AlpacaRestOptions,
  type AlpacaTradingClient,
  type NewMarketOrder,
} from './alpaca-sdk.js';

export type AlpacaTradingErrorKind = AlpacaFailure['kind'] | 'order-unknown' | 'not-placed';

/** A trading call failed (after the SDK's own retries, for GETs). */
export class AlpacaTradingError extends Error {
  override readonly name = 'AlpacaTradingError';
  constructor(
    readonly kind: AlpacaTradingErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Alpaca refused the order (403 insufficient buying power, 422 invalid, ...); it was not placed. */
export class AlpacaOrderRejectedError extends Error {
  override readonly name = 'AlpacaOrderRejectedError';
  constructor(
    readonly clientOrderId: string,
    readonly status: number,
    message: string,
    readonly code?: number | string,
  ) {
    super(message);
  }
}

export interface SymbolValidation {
  readonly tradable: string[];
  readonly dropped: { symbol: string; reason: string }[];
}

export interface AlpacaSnapshot {
  readonly account: AlpacaAccount;
  readonly openOrders: AlpacaOrder[];
  readonly positions: AlpacaPosition[];
}

export interface MarketClock {
  readonly isOpen: boolean;
  /** Epoch ms. */
  readonly nextOpen: number;
  readonly nextClose: number;
}

/** Alpaca's answer to a second POST with the same client_order_id. */
const DUPLICATE_CLIENT_ORDER_ID = 40010001;

type PostOutcome = { readonly order: AlpacaOrder } | { readonly failure: AlpacaFailure };

export class AlpacaTrading {
  private readonly client: AlpacaTradingClient;
  private readonly secrets: readonly string[];

  constructor(options: AlpacaRestOptions, client?: AlpacaTradingClient) {
    this.client = client ?? createTradingClient(options);
    this.secrets = [options.credentials.keyId, options.credentials.secretKey];
  }

  /** Keeps the symbols that are active, tradable Alpaca assets; the others are dropped with a reason. */
  async validateSymbols(symbols: readonly string[]): Promise<SymbolValidation> {
    const assets = await this.call('assets', () => this.client.assets());
    const bySymbol = new Map(assets.map((asset) => [asset.symbol.toUpperCase(), asset]));
    const tradable: string[] = [];
    const dropped: { symbol: string; reason: string }[] = [];
    for (const symbol of new Set(symbols.map((s) => s.trim()).filter((s) => s !== ''))) {
      const asset = bySymbol.get(symbol.toUpperCase());
      if (asset === undefined) dropped.push({ symbol, reason: 'not an active Alpaca asset' });
      else if (!asset.tradable) dropped.push({ symbol, reason: 'not tradable on Alpaca' });
      else tradable.push(asset.symbol);
    }
    return { tradable, dropped };
  }

  /** Account, open orders and positions as Alpaca has them. */
  async snapshot(): Promise<AlpacaSnapshot> {
    const [account, openOrders, positions] = await Promise.all([
      this.call('account', () => this.client.account()),
      this.call('open orders', () => this.client.openOrders()),
      this.call('positions', () => this.client.positions()),
    ]);
    return { account, openOrders, positions };
  }

  /** Orders of any status submitted after `after` (epoch ms), oldest first (at most 500). */
  async ordersSince(after: number): Promise<AlpacaOrder[]> {
    return this.call('orders', () => this.client.ordersSince(after));
  }

  /** An order by its client_order_id, or null when Alpaca has none under it. */
  async orderByClientOrderId(clientOrderId: string): Promise<AlpacaOrder | null> {
    try {
      return await this.client.orderByClientOrderId(clientOrderId);
    } catch (err) {
      const failure = describeAlpacaFailure(err);
      if (failure.kind === 'rejected' && failure.status === 404) return null;
      throw this.toError(`order ${clientOrderId}`, failure);
    }
  }

  async clock(): Promise<MarketClock> {
    const { isOpen, nextOpen, nextClose } = await this.call('clock', () => this.client.clock());
    return { isOpen, nextOpen, nextClose };
  }

  /** Places a day market order under the order's client_order_id; returns it as Alpaca accepted it. */
  async submitMarketOrder(order: MarketOrder): Promise<AlpacaOrder> {
    if (!(order.qty > 0) || !Number.isFinite(order.qty))
      throw new RangeError(`order quantity must be a positive number, got ${order.qty}`);
    const request: NewMarketOrder = {
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      qty: order.qty,
    };
    const what = `order ${order.clientOrderId} (${order.side} ${order.qty} ${order.symbol})`;
    let first: AlpacaFailure | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const outcome = await this.post(request);
      if ('order' in outcome) return outcome.order;
      const { failure } = outcome;
      if (isDuplicate(failure)) {
        const existing = await this.lookUp(request, what, failure);
        if (existing !== null) return existing;
      }
      if (isRefusal(failure)) {
        throw new AlpacaOrderRejectedError(
          order.clientOrderId,
          failure.status,
          this.redact(`Alpaca rejected ${what} (HTTP ${failure.status}): ${failure.message}`),
          failure.code,
        );
      }
      if (!isAmbiguous(failure)) throw this.toError(what, failure);
      const found = await this.lookUp(request, what, failure);
      if (found !== null) return found;
      first ??= failure;
    }
    throw new AlpacaTradingError(
      'not-placed',
      this.redact(
        `${what} was not placed: the POST failed twice (${first?.message ?? 'unknown'}), and Alpaca has no order with that client_order_id`,
      ),
    );
  }

  /** Cancels the open order with this client_order_id. */
  async cancelOrder(clientOrderId: string): Promise<void> {
    const what = `cancel of order ${clientOrderId}`;
    const order = await this.call(what, () => this.client.orderByClientOrderId(clientOrderId));
    try {
      await this.client.cancelOrder(order.id);
    } catch (err) {
      const failure = describeAlpacaFailure(err);
      if (failure.kind === 'rejected') {
        throw new AlpacaOrderRejectedError(
          clientOrderId,
          failure.status,
          this.redact(
            `Alpaca refused the ${what} (HTTP ${failure.status}, status ${order.status}): ${failure.message}`,
          ),
          failure.code,
        );
      }
      throw this.toError(what, failure);
    }
  }

  private async post(request: NewMarketOrder): Promise<PostOutcome> {
    try {
      return { order: await this.client.createMarketOrder(request) };
    } catch (err) {
      return { failure: describeAlpacaFailure(err) };
    }
  }

  /** The order with the request's client_order_id, or null when Alpaca has none (404). */
  private async lookUp(request: NewMarketOrder, what: string, cause: AlpacaFailure): Promise<AlpacaOrder | null> {
    let found: AlpacaOrder;
    try {
      found = await this.client.orderByClientOrderId(request.clientOrderId);
    } catch (err) {
      const failure = describeAlpacaFailure(err);
      if (failure.kind === 'rejected' && failure.status === 404) return null;
      if (failure.kind === 'auth' && failure.status === 401) throw this.toError(what, failure);
      throw new AlpacaTradingError(
        'order-unknown',
        this.redact(
          `${what} may or may not have been placed: the POST failed (${cause.message}) and looking it up failed too (${failure.message}); look it up again before placing it anew`,
        ),
      );
    }
    if (found.symbol !== request.symbol || found.side !== request.side || found.qty !== request.qty) {
      throw new AlpacaTradingError(
        'rejected',
        this.redact(
          `${what}: Alpaca already holds a different order under that client_order_id (${found.side} ${found.qty ?? 'notional'} ${found.symbol}, ${found.status})`,
        ),
      );
    }
    return found;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.toError(what, describeAlpacaFailure(err));
    }
  }

  private toError(what: string, failure: AlpacaFailure): Error {
    if (failure.kind === 'auth') {
      return new AlpacaAuthError(
        failure.status,
        this.redact(`Alpaca rejected the API key (HTTP ${failure.status}): ${failure.message}`),
      );
    }
    const status = 'status' in failure ? `HTTP ${failure.status}: ` : '';
    const malformed = failure.kind === 'malformed' ? 'malformed response: ' : '';
    return new AlpacaTradingError(failure.kind, this.redact(`Alpaca ${what}: ${status}${malformed}${failure.message}`));
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}

function isDuplicate(failure: AlpacaFailure): boolean {
  return (
    failure.kind === 'rejected' &&
    failure.status === 422 &&
    String(failure.code) === String(DUPLICATE_CLIENT_ORDER_ID) &&
    /client_order_id/i.test(failure.message)
  );
}

/** A definite refusal: the order was not placed. 403 on an order is Alpaca's "insufficient buying power". */
function isRefusal(failure: AlpacaFailure): failure is Extract<AlpacaFailure, { kind: 'rejected' | 'auth' }> {
  return failure.kind === 'rejected' || (failure.kind === 'auth' && failure.status === 403);
}

/** The POST may have been accepted: look before sending it again. */
function isAmbiguous(failure: AlpacaFailure): boolean {
  return (
    failure.kind === 'timeout' ||
    failure.kind === 'network' ||
    failure.kind === 'server' ||
    failure.kind === 'malformed' ||
    failure.kind === 'aborted' ||
    failure.kind === 'unknown'
  );
}
