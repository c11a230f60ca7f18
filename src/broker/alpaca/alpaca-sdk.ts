/**
 * The one place that touches `@alpacahq/alpaca-trade-api` (v4): builds its REST clients (market
 * data and trading) with our endpoints, and turns its error classes into a plain, typed description.
 *
 * The `Alpaca` facade takes no base URL, so the raw generated Api classes are built from a
 * `Configuration` whose `basePath` is our URL. A raw Configuration has the SDK's retries and rate
 * limiter OFF unless set, so the facade's defaults are set here explicitly. The SDK retries only
 * GET/HEAD/OPTIONS/TRACE (core/runtime.ts `RETRYABLE_METHODS`): an order POST or a DELETE is sent
 * once, whatever the retry policy says. Trading responses carry money and quantities as strings:
 * the trading client converts and checks every field it returns (see `TradingFields`).
 */
import { ApiError, FetchError, marketData, pagination, trading } from '@alpacahq/alpaca-trade-api';

export const ALPACA_DATA_URL: string = marketData.MARKET_DATA_HOST;
/** Paper trading, the default when no `tradingUrl` is given (live needs it set explicitly). */
export const ALPACA_PAPER_TRADING_URL: string = trading.TRADING_PAPER_HOST;

/** Endpoint overrides (proxies, tests); an absent one means the SDK's own host. */
export interface AlpacaEndpoints {
  /** Trading REST (`APCA_API_BASE_URL`). */
  readonly tradingUrl?: string;
  /** Market-data REST (`APCA_API_DATA_URL`). */
  readonly dataUrl?: string;
  /** Trading stream (`APCA_API_STREAM_URL`). */
  readonly tradingStreamUrl?: string;
  /** Market-data stream (`APCA_API_DATA_STREAM_URL`). */
  readonly dataStreamUrl?: string;
}

/** Reads the endpoint overrides; the SDK itself reads none of these variables. */
export function alpacaEndpointsFromEnv(env: Readonly<Record<string, string | undefined>>): AlpacaEndpoints {
  const pick = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value.replace(/\/+$/, '');
  };
  const endpoints: { -readonly [K in keyof AlpacaEndpoints]: AlpacaEndpoints[K] } = {};
  const tradingUrl = pick('APCA_API_BASE_URL');
  const dataUrl = pick('APCA_API_DATA_URL');
  const tradingStreamUrl = pick('APCA_API_STREAM_URL');
  const dataStreamUrl = pick('APCA_API_DATA_STREAM_URL');
  if (tradingUrl !== undefined) endpoints.tradingUrl = tradingUrl;
  if (dataUrl !== undefined) endpoints.dataUrl = dataUrl;
  if (tradingStreamUrl !== undefined) endpoints.tradingStreamUrl = tradingStreamUrl;
  if (dataStreamUrl !== undefined) endpoints.dataStreamUrl = dataStreamUrl;
  return endpoints;
}

export interface AlpacaCredentials {
  readonly keyId: string;
  readonly secretKey: string;
}

/** The SDK's retry policy (GET only; 408/425/429/5xx and network errors; honours Retry-After up to maxDelayMs). */
export interface AlpacaRetryPolicy {
  readonly maxRetries?: number;
  readonly retryDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** The SDK's client-side token bucket. */
export interface AlpacaRateLimit {
  readonly maxRequests?: number;
  readonly intervalMs?: number;
  readonly maxConcurrent?: number;
}

export interface AlpacaRestOptions {
  readonly credentials: AlpacaCredentials;
  readonly endpoints?: AlpacaEndpoints;
  /** Per attempt (each page, each retry), enforced by the SDK; default 15 s. */
  readonly timeoutMs?: number;
  /** Default: the `Alpaca` facade's (2 retries, 250 ms..5 s backoff); `false` turns retries off. */
  readonly retry?: AlpacaRetryPolicy | false;
  /** Default: the facade's (200 requests a minute); `false` turns it off. */
  readonly rateLimit?: AlpacaRateLimit | false;
}

export type AlpacaFeed = 'iex' | 'sip' | 'otc' | 'boats';

export interface BarsPageQuery {
  readonly symbols: readonly string[];
  readonly timeframe: string;
  readonly start?: Date;
  /** Bars per page, all symbols together (Alpaca allows up to 10 000). */
  readonly limit: number;
  readonly sort: 'asc' | 'desc';
  readonly feed?: AlpacaFeed;
  readonly pageToken?: string;
}

export interface StockBarsClient {
  /**
   * GET /v2/stocks/bars: the page's body as it came, unparsed; `signal` aborts the HTTP request itself
   * (and the SDK's retry waits).
   */
  fetchPage(query: BarsPageQuery, signal: AbortSignal): Promise<Uint8Array>;
}

export const DEFAULT_ALPACA_TIMEOUT_MS = 15_000;
const FACADE_RETRY: AlpacaRetryPolicy = { maxRetries: 2 };
const FACADE_RATE_LIMIT: AlpacaRateLimit = { maxRequests: 200, intervalMs: 60_000 };

/** Credentials, timeout, retries and rate limit as the SDK's `ConfigurationParameters`. */
function transportParameters(options: AlpacaRestOptions, basePath: string): marketData.ConfigurationParameters {
  return {
    basePath,
    keyId: options.credentials.keyId,
    secret: options.credentials.secretKey,
    timeoutMs: options.timeoutMs ?? DEFAULT_ALPACA_TIMEOUT_MS,
    retry: options.retry === false ? undefined : { ...FACADE_RETRY, ...options.retry },
    rateLimit: options.rateLimit === false ? undefined : { ...FACADE_RATE_LIMIT, ...options.rateLimit },
  };
}

export function createStockBarsClient(options: AlpacaRestOptions): StockBarsClient {
  const configuration = new marketData.Configuration(
    transportParameters(options, options.endpoints?.dataUrl ?? ALPACA_DATA_URL),
  );
  const stocks = new marketData.StockApi(configuration);
  return {
    async fetchPage(query, signal) {
      const request: marketData.StockBarsRequest = {
        symbols: query.symbols.join(','),
        timeframe: query.timeframe,
        limit: query.limit,
        sort: query.sort,
      };
      if (query.start !== undefined) request.start = query.start;
      if (query.feed !== undefined) request.feed = query.feed;
      if (query.pageToken !== undefined) request.pageToken = query.pageToken;
      // The body's bytes, read through the SDK (its deadline covers the body too), left unparsed: the
      // bars are read from the bytes (bars-page-scanner.ts). The SDK's lossless parser made an object of
      // every number, JSON.parse an object of every bar: about 2 MB of short-lived objects a page.
      const response = await stocks.stockBarsRaw(request, { signal });
      return new Uint8Array(await response.raw.arrayBuffer());
    },
  };
}

/**
 * A body that does not parse at all (cut off in transit, a proxy's garbage): worth another try, unlike
 * a well-formed body of the wrong shape. The bars page scanner throws SyntaxError, as JSON.parse does.
 */
export function isUnparsableBody(err: unknown): boolean {
  return err instanceof SyntaxError;
}

/** A body that is not the documented shape (thrown by our checks, or a JSON syntax error). */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

/** One page: a value per symbol (its bars in some form) and the token of the next page. */
export interface SymbolObjectPage<T> {
  readonly data: Readonly<Record<string, T>>;
  readonly nextPageToken: string | null;
}

/**
 * Follows `next_page_token` to the end (the SDK's own loop, which also stops on a repeated token),
 * giving each page's value per symbol as the page arrives; stopping the iteration stops the paging.
 */
export function paginatePagesBySymbol<T>(
  fetchPage: (pageToken: string | undefined) => Promise<SymbolObjectPage<T>>,
): AsyncGenerator<{ symbol: string; value: T }, void, void> {
  return pagination.paginateSymbolObjects<T>(fetchPage);
}

/** What went wrong with a call, in the SDK's terms, after its own retries. */
export type AlpacaFailure =
  | { readonly kind: 'auth'; readonly status: number; readonly message: string; readonly code?: number | string }
  | { readonly kind: 'rate-limited'; readonly status: number; readonly message: string; readonly retryAfterMs?: number }
  | { readonly kind: 'server'; readonly status: number; readonly message: string; readonly retryAfterMs?: number }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string; readonly code?: number | string }
  | { readonly kind: 'timeout'; readonly message: string }
  | { readonly kind: 'aborted'; readonly message: string }
  | { readonly kind: 'network'; readonly message: string }
  | { readonly kind: 'malformed'; readonly message: string; readonly unparsable?: boolean }
  | { readonly kind: 'unknown'; readonly message: string };

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

function causeText(err: Error): string {
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const nested = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${err.message}: ${cause.message}${nested}`;
  }
  return err.message;
}

export function describeAlpacaFailure(err: unknown): AlpacaFailure {
  if (err instanceof ApiError) {
    const { status } = err;
    const message = err.code === undefined ? err.message : `${err.message} (code ${String(err.code)})`;
    const retryAfterMs = err.retryAfterMs;
    const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
    const code = err.code === undefined ? {} : { code: err.code };
    if (status === 401 || status === 403) return { kind: 'auth', status, message, ...code };
    if (status === 429) return { kind: 'rate-limited', status, message, ...wait };
    if (status >= 500 || RETRYABLE_STATUSES.has(status)) return { kind: 'server', status, message, ...wait };
    return { kind: 'rejected', status, message, ...code };
  }
  if (err instanceof FetchError) {
    const causeName = err.cause instanceof Error ? err.cause.name : '';
    if (causeName === 'TimeoutError') return { kind: 'timeout', message: causeText(err) };
    if (causeName === 'AbortError') return { kind: 'aborted', message: causeText(err) };
    return { kind: 'network', message: causeText(err) };
  }
  if (err instanceof MalformedBodyError) return { kind: 'malformed', message: err.message };
  // A body that is not JSON: the bars page scanner and JSON.parse throw a SyntaxError.
  if (isUnparsableBody(err))
    return { kind: 'malformed', message: `the body is not JSON (${(err as Error).message})`, unparsable: true };
  if (err instanceof Error) return { kind: 'unknown', message: `${err.name}: ${err.message}` };
  return { kind: 'unknown', message: String(err) };
}

// ---------------------------------------------------------------------------------------------
// Trading REST: account, clock, assets, positions, orders. Every value is checked and converted
// here (money and quantities arrive as strings); a bad one is a MalformedBodyError naming it.

export interface AlpacaAccount {
  readonly accountNumber: string;
  readonly status: string;
  readonly currency: string;
  readonly cash: number;
  readonly equity: number;
  readonly buyingPower: number;
}

export interface AlpacaClock {
  readonly isOpen: boolean;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly nextOpen: number;
  readonly nextClose: number;
}

export interface AlpacaAsset {
  readonly symbol: string;
  readonly status: string;
  readonly tradable: boolean;
}

export interface AlpacaPosition {
  readonly symbol: string;
  readonly qty: number;
  readonly avgEntryPrice: number;
  /** Null when Alpaca has no price for it. */
  readonly currentPrice: number | null;
}

export type AlpacaOrderSide = 'buy' | 'sell';

export interface AlpacaOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: AlpacaOrderSide;
  readonly type: string;
  /** Null for a notional (dollar amount) order. */
  readonly qty: number | null;
  readonly filledQty: number;
  readonly filledAvgPrice: number | null;
  /** Alpaca's order status: new, accepted, partially_filled, filled, canceled, rejected, ... */
  readonly status: string;
  /** Epoch ms, when known. */
  readonly submittedAt?: number | null;
  readonly filledAt?: number | null;
}

export interface NewMarketOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: AlpacaOrderSide;
  readonly qty: number;
}

/** Each call is one SDK request (GETs with the SDK's retries; POST and DELETE sent once). */
export interface AlpacaTradingClient {
  account(signal?: AbortSignal): Promise<AlpacaAccount>;
  clock(signal?: AbortSignal): Promise<AlpacaClock>;
  /** Active US equities. */
  assets(signal?: AbortSignal): Promise<AlpacaAsset[]>;
  positions(signal?: AbortSignal): Promise<AlpacaPosition[]>;
  /** Open orders, up to Alpaca's maximum of 500. */
  openOrders(signal?: AbortSignal): Promise<AlpacaOrder[]>;
  /** Orders of any status submitted after `after` (epoch ms), oldest first, up to 500. */
  ordersSince(after: number, signal?: AbortSignal): Promise<AlpacaOrder[]>;
  /** POST /v2/orders: type market, time_in_force day. */
  createMarketOrder(order: NewMarketOrder, signal?: AbortSignal): Promise<AlpacaOrder>;
  /** GET /v2/orders:by_client_order_id; a missing order is a 404 ApiError. */
  orderByClientOrderId(clientOrderId: string, signal?: AbortSignal): Promise<AlpacaOrder>;
  /** DELETE /v2/orders/{order_id}. */
  cancelOrder(orderId: string, signal?: AbortSignal): Promise<void>;
}

const MAX_OPEN_ORDERS = 500;

export function createTradingClient(options: AlpacaRestOptions): AlpacaTradingClient {
  const configuration = new trading.Configuration(
    transportParameters(options, options.endpoints?.tradingUrl ?? ALPACA_PAPER_TRADING_URL),
  );
  const accounts = new trading.AccountsApi(configuration);
  const clocks = new trading.ClockApi(configuration);
  const assets = new trading.AssetsApi(configuration);
  const positions = new trading.PositionsApi(configuration);
  const orders = new trading.OrdersApi(configuration);
  const init = (signal: AbortSignal | undefined): RequestInit => (signal === undefined ? {} : { signal });
  // The raw response's body, unchecked: the generated models pass the wire JSON through untyped.
  const body = async (response: Promise<{ readonly raw: Response }>): Promise<unknown> =>
    (await response).raw.json() as Promise<unknown>;
  return {
    async account(signal) {
      return TradingFields.account(await body(accounts.getAccountRaw(init(signal))));
    },
    async clock(signal) {
      return TradingFields.clock(await body(clocks.legacyClockRaw(init(signal))));
    },
    async assets(signal) {
      const list = await body(assets.getV2AssetsRaw({ status: 'active', assetClass: 'us_equity' }, init(signal)));
      return TradingFields.list(list, 'assets').map((item, i) => TradingFields.asset(item, `assets[${i}]`));
    },
    async positions(signal) {
      const list = await body(positions.getAllOpenPositionsRaw(init(signal)));
      return TradingFields.list(list, 'positions').map((item, i) => TradingFields.position(item, i));
    },
    async openOrders(signal) {
      const list = await body(
        orders.getAllOrdersRaw({ status: 'open', limit: MAX_OPEN_ORDERS, direction: 'asc' }, init(signal)),
      );
      return TradingFields.list(list, 'orders').map((item, i) => TradingFields.order(item, `orders[${i}]`));
    },
    async ordersSince(after, signal) {
      const list = await body(
        orders.getAllOrdersRaw(
          { status: 'all', limit: MAX_OPEN_ORDERS, direction: 'asc', after: new Date(after).toISOString() },
          init(signal),
        ),
      );
      return TradingFields.list(list, 'orders').map((item, i) => TradingFields.order(item, `orders[${i}]`));
    },
    async createMarketOrder(order, signal) {
      const request: trading.PostOrderRequest = {
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        qty: String(order.qty),
        type: 'market',
        timeInForce: 'day',
      };
      return TradingFields.order(await body(orders.postOrderRaw({ postOrderRequest: request }, init(signal))), 'order');
    },
    async orderByClientOrderId(clientOrderId, signal) {
      return TradingFields.order(
        await body(orders.getOrderByClientOrderIdRaw({ clientOrderId }, init(signal))),
        'order',
      );
    },
    async cancelOrder(orderId, signal) {
      await orders.deleteOrderByOrderID({ orderId }, init(signal));
    },
  };
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function show(value: unknown): string {
  return value === undefined ? 'missing' : `${JSON.stringify(value)}`;
}

/** Checks and converts Alpaca's trading JSON; `where` names the field in the error (`account.cash`). */
export const TradingFields = {
  record(value: unknown, where: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new MalformedBodyError(`${where} is ${show(value)}, not an object`);
    return value as Record<string, unknown>;
  },
  list(value: unknown, where: string): unknown[] {
    if (!Array.isArray(value))
      throw new MalformedBodyError(
        `${where} is ${typeof value === 'object' ? show(value) : typeof value}, not an array`,
      );
    return value as unknown[];
  },
  /** A decimal string (or a finite JSON number) as a number. */
  decimal(value: unknown, where: string): number {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && DECIMAL.test(value)) {
      const parsed = Number(value);
      if (Number.isFinite(parsed)) return parsed;
    }
    throw new MalformedBodyError(`${where} is ${show(value)}, not a decimal number`);
  },
  optionalDecimal(value: unknown, where: string): number | null {
    return value === null || value === undefined || value === '' ? null : TradingFields.decimal(value, where);
  },
  text(value: unknown, where: string): string {
    if (typeof value !== 'string' || value === '')
      throw new MalformedBodyError(`${where} is ${show(value)}, not a non-empty string`);
    return value;
  },
  flag(value: unknown, where: string): boolean {
    if (typeof value !== 'boolean') throw new MalformedBodyError(`${where} is ${show(value)}, not true or false`);
    return value;
  },
  /** An RFC 3339 time as epoch ms. */
  time(value: unknown, where: string): number {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) throw new MalformedBodyError(`${where} is ${show(value)}, not a time`);
    return ms;
  },
  optionalTime(value: unknown, where: string): number | null {
    return value === null || value === undefined || value === '' ? null : TradingFields.time(value, where);
  },
  account(value: unknown): AlpacaAccount {
    const r = TradingFields.record(value, 'account');
    return {
      accountNumber: TradingFields.text(r['account_number'], 'account.account_number'),
      status: TradingFields.text(r['status'], 'account.status'),
      currency: TradingFields.text(r['currency'], 'account.currency'),
      cash: TradingFields.decimal(r['cash'], 'account.cash'),
      equity: TradingFields.decimal(r['equity'], 'account.equity'),
      buyingPower: TradingFields.decimal(r['buying_power'], 'account.buying_power'),
    };
  },
  clock(value: unknown): AlpacaClock {
    const r = TradingFields.record(value, 'clock');
    return {
      isOpen: TradingFields.flag(r['is_open'], 'clock.is_open'),
      timestamp: TradingFields.time(r['timestamp'], 'clock.timestamp'),
      nextOpen: TradingFields.time(r['next_open'], 'clock.next_open'),
      nextClose: TradingFields.time(r['next_close'], 'clock.next_close'),
    };
  },
  asset(value: unknown, where: string): AlpacaAsset {
    const r = TradingFields.record(value, where);
    return {
      symbol: TradingFields.text(r['symbol'], `${where}.symbol`),
      status: TradingFields.text(r['status'], `${where}.status`),
      tradable: TradingFields.flag(r['tradable'], `${where}.tradable`),
    };
  },
  position(value: unknown, index: number): AlpacaPosition {
    const r = TradingFields.record(value, `positions[${index}]`);
    const symbol = TradingFields.text(r['symbol'], `positions[${index}].symbol`);
    const where = `positions[${symbol}]`;
    return {
      symbol,
      qty: TradingFields.decimal(r['qty'], `${where}.qty`),
      avgEntryPrice: TradingFields.decimal(r['avg_entry_price'], `${where}.avg_entry_price`),
      currentPrice: TradingFields.optionalDecimal(r['current_price'], `${where}.current_price`),
    };
  },
  order(value: unknown, at: string): AlpacaOrder {
    const r = TradingFields.record(value, at);
    const clientOrderId = TradingFields.text(r['client_order_id'], `${at}.client_order_id`);
    const where = `${at} ${clientOrderId}`;
    const side = TradingFields.text(r['side'], `${where}.side`);
    if (side !== 'buy' && side !== 'sell')
      throw new MalformedBodyError(`${where}.side is ${show(side)}, not "buy" or "sell"`);
    return {
      id: TradingFields.text(r['id'], `${where}.id`),
      clientOrderId,
      symbol: TradingFields.text(r['symbol'], `${where}.symbol`),
      side,
      type: TradingFields.text(r['type'], `${where}.type`),
      qty: TradingFields.optionalDecimal(r['qty'], `${where}.qty`),
      filledQty: TradingFields.decimal(r['filled_qty'], `${where}.filled_qty`),
      filledAvgPrice: TradingFields.optionalDecimal(r['filled_avg_price'], `${where}.filled_avg_price`),
      status: TradingFields.text(r['status'], `${where}.status`),
      submittedAt: TradingFields.optionalTime(r['submitted_at'], `${where}.submitted_at`),
      filledAt: TradingFields.optionalTime(r['filled_at'], `${where}.filled_at`),
    };
  },
} as const;
