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
import { ApiError, FetchError, marketData, pagination } from '@alpacahq/alpaca-trade-api';

export const ALPACA_DATA_URL: string = marketData.MARKET_DATA_HOST;

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

/** One page as the SDK parsed it: still unchecked. */
export interface RawBarsPage {
  readonly bars: unknown;
  readonly nextPageToken: unknown;
}

export interface StockBarsClient {
  /** GET /v2/stocks/bars; `signal` aborts the HTTP request itself (and the SDK's retry waits). */
  fetchPage(query: BarsPageQuery, signal: AbortSignal): Promise<RawBarsPage>;
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
  const configuration = new marketData.Configuration(transportParameters(options, options.endpoints?.dataUrl ?? ALPACA_DATA_URL));
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
      // The generated model types `bars` as StockBar (t: Date) but passes the wire JSON through unchecked.
      const page: unknown = await stocks.stockBars(request, { signal });
      if (typeof page !== 'object' || page === null || Array.isArray(page)) {
        throw new MalformedBodyError(`the body is ${page === null ? 'null' : Array.isArray(page) ? 'an array' : typeof page}, not an object`);
      }
      const record = page as Record<string, unknown>;
      return { bars: record['bars'], nextPageToken: record['nextPageToken'] };
    },
  };
}

/** A body that is not the documented shape (thrown by our checks, or a JSON syntax error). */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

export interface SymbolPage<T> {
  readonly data: Record<string, T[]>;
  readonly nextPageToken: string | null;
}

/**
 * Follows `next_page_token` to the end (the SDK's own loop, which also stops on a repeated token),
 * merging each symbol's items across pages; with `maxPerSymbol` and `symbols` it stops once every
 * symbol has that many.
 */
export function collectPagesBySymbol<T>(
  fetchPage: (pageToken: string | undefined) => Promise<SymbolPage<T>>,
  options: { maxPerSymbol?: number; symbols?: readonly string[] } = {},
): Promise<Record<string, T[]>> {
  const collectOptions: pagination.SymbolMapCollectOptions = {};
  if (options.maxPerSymbol !== undefined) collectOptions.maxPerSymbol = options.maxPerSymbol;
  if (options.symbols !== undefined) collectOptions.symbols = [...options.symbols];
  return pagination.collectBySymbol<T>(fetchPage, collectOptions);
}

/** What went wrong with a call, in the SDK's terms, after its own retries. */
export type AlpacaFailure =
  | { readonly kind: 'auth'; readonly status: number; readonly message: string }
  | { readonly kind: 'rate-limited'; readonly status: number; readonly message: string; readonly retryAfterMs?: number }
  | { readonly kind: 'server'; readonly status: number; readonly message: string; readonly retryAfterMs?: number }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  | { readonly kind: 'timeout'; readonly message: string }
  | { readonly kind: 'aborted'; readonly message: string }
  | { readonly kind: 'network'; readonly message: string }
  | { readonly kind: 'malformed'; readonly message: string }
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
    if (status === 401 || status === 403) return { kind: 'auth', status, message };
    if (status === 429) return { kind: 'rate-limited', status, message, ...wait };
    if (status >= 500 || RETRYABLE_STATUSES.has(status)) return { kind: 'server', status, message, ...wait };
    return { kind: 'rejected', status, message };
  }
  if (err instanceof FetchError) {
    const causeName = err.cause instanceof Error ? err.cause.name : '';
    if (causeName === 'TimeoutError') return { kind: 'timeout', message: causeText(err) };
    if (causeName === 'AbortError') return { kind: 'aborted', message: causeText(err) };
    return { kind: 'network', message: causeText(err) };
  }
  if (err instanceof MalformedBodyError) return { kind: 'malformed', message: err.message };
  // The SDK parses bodies with lossless-json, which throws a SyntaxError on bad JSON.
  if (err instanceof SyntaxError) return { kind: 'malformed', message: `the body is not JSON (${err.message})` };
  if (err instanceof Error) return { kind: 'unknown', message: `${err.name}: ${err.message}` };
  return { kind: 'unknown', message: String(err) };
}
