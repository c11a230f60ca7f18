/**
 * Historical bars from Alpaca through `@alpacahq/alpaca-trade-api` v4, as a `MarketDataSource`.
 *
 * What the SDK gives (v4.0.2, read in node_modules/@alpacahq/alpaca-trade-api/src):
 * - Retries: GET only, on 408/425/429/500/502/503/504 and network errors, exponential backoff
 *   (250 ms..5 s, ±20 % jitter), `Retry-After` honoured but capped at `maxDelayMs`. On for the
 *   `Alpaca` facade (2 retries), OFF for raw Api classes: alpaca-sdk.ts sets the facade's default.
 *   We only map the error left once the SDK gives up (429 → TransientError with its `retryAfterMs`).
 * - Rate limit: a client-side token bucket (200/min by default), per host. Kept.
 * - Pagination: `pagination.paginateSymbolObjects` follows `next_page_token` (stopping on a repeated
 *   token) and gives each page's symbol map as it arrives. Used: each page is read from its bytes into
 *   numbers at once (bars-page-scanner.ts), through the SDK's own request (retries, rate limit, deadline).
 * - Timeouts: `timeoutMs` per attempt (default 30 s; we pass 15 s) plus a per-call AbortSignal via
 *   `initOverrides`, handed to `fetch`: aborting it really ends the HTTP request. Used.
 * - Errors: `ApiError` subclasses by status (`AuthError` 401, `PermissionError` 403,
 *   `RateLimitError` 429, ...) with `status`, `code`, `retryAfterMs`; `FetchError` for network,
 *   timeout (cause `TimeoutError`) and abort (cause `AbortError`).
 * - No base URL option on the facade and no `APCA_API_*_URL` env support: alpaca-sdk.ts builds the
 *   raw `StockApi` with `basePath`. The bar model is not validated (`bars` passes through as JSON).
 *
 * What this adds: a batcher turning the downloader's per-symbol calls into multi-symbol requests
 * (calls with the same timeframe/after/limit made in the same turn of the event loop, in chunks of
 * `chunkSize` symbols, 10 000 bars a page), per-symbol abort, body validation, the mapping to
 * TransientError/PermanentError/AlpacaAuthError, and secret redaction in every message.
 */
import { PermanentError, TransientError, type BarQuery, type MarketDataSource } from '../../market/types.js';
import type { BarColumns, Timeframe } from '../../core/model.js';
import { barAt, barColumns, columnsFromBars, sliceColumns } from '../../core/bar-columns.js';
import {
  createStockBarsClient,
  describeAlpacaFailure,
  isUnparsableBody,
  paginatePagesBySymbol,
  type AlpacaFailure,
  type AlpacaFeed,
  type AlpacaRestOptions,
  type StockBarsClient,
} from './alpaca-sdk.js';
import { NUMBERS_PER_BAR, scanBarsPage, type ScannedBarsPage } from './bars-page-scanner.js';

export interface AlpacaMarketDataOptions extends AlpacaRestOptions {
  /** Symbols per multi-symbol request; default 50. */
  readonly chunkSize?: number;
  /** Bars per page (Alpaca's maximum is 10 000); default 10 000. */
  readonly pageLimit?: number;
  /** Data feed; default: Alpaca's choice for the account's subscription. */
  readonly feed?: AlpacaFeed;
}

/** Alpaca refused the credentials (401) or the access (403). */
/** Alpaca could not be reached or answered nonsense at start: one line for the user, exit code 2. */
export class AlpacaStartError extends Error {
  override readonly name = 'AlpacaStartError';
}

export class AlpacaAuthError extends Error {
  override readonly name = 'AlpacaAuthError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const REDACTED = '[REDACTED]';

/** Shorter values are no secret worth hiding (and hiding them would garble every message: a blank, a letter). */
export const MIN_SECRET_LENGTH = 4;

/** `text` with every occurrence of each secret (and its URL-encoded form) replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const raw of secrets) {
    const secret = raw.trim();
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  let result = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) result = result.split(form).join(REDACTED);
  return result;
}

/** Tries of one page whose body does not parse, before its request is split (or, alone, fails as transient). */
export const UNPARSABLE_PAGE_TRIES = 2;

export const DEFAULT_CHUNK_SIZE = 50;
export const MAX_PAGE_LIMIT = 10_000;

interface Waiter {
  readonly symbol: string;
  readonly signal: AbortSignal;
  readonly resolve: (bars: BarColumns) => void;
  readonly reject: (err: unknown) => void;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

interface Group {
  readonly timeframe: Timeframe;
  readonly after: number;
  readonly limit: number | undefined;
  readonly waiters: Waiter[];
}

export class AlpacaMarketData implements MarketDataSource {
  private readonly client: StockBarsClient;
  private readonly secrets: readonly string[];
  private readonly chunkSize: number;
  private readonly pageLimit: number;
  private readonly feed: AlpacaFeed | undefined;
  private pending = new Map<string, Group>();
  private flushScheduled = false;

  constructor(options: AlpacaMarketDataOptions, client?: StockBarsClient) {
    this.client = client ?? createStockBarsClient(options);
    this.secrets = [options.credentials.keyId, options.credentials.secretKey];
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
    this.pageLimit = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(options.pageLimit ?? MAX_PAGE_LIMIT)));
    this.feed = options.feed;
  }

  fetchBars(query: BarQuery): Promise<BarColumns> {
    const { signal } = query;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<BarColumns>((resolve, reject) => {
      const waiter: Waiter = { symbol: query.symbol, signal, resolve, reject, onAbort: undefined, settled: false };
      const limit = query.limit === undefined ? undefined : Math.max(1, Math.floor(query.limit));
      const key = `${query.timeframe}|${query.after}|${limit ?? ''}`;
      let group = this.pending.get(key);
      if (group === undefined) {
        group = { timeframe: query.timeframe, after: query.after, limit, waiters: [] };
        this.pending.set(key, group);
      }
      group.waiters.push(waiter);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the microtasks of this turn: a downloader starting its next symbols as earlier ones settle lands in one batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const groups = [...this.pending.values()];
    this.pending = new Map();
    for (const group of groups) {
      const bySymbol = new Map<string, Waiter[]>();
      for (const waiter of group.waiters) {
        const same = bySymbol.get(waiter.symbol);
        if (same === undefined) bySymbol.set(waiter.symbol, [waiter]);
        else same.push(waiter);
      }
      const symbols = [...bySymbol.keys()];
      // "The newest N bars" across many symbols would page through each symbol's older history: one symbol per request instead.
      const size = group.limit === undefined ? this.chunkSize : 1;
      for (let i = 0; i < symbols.length; i += size) {
        const chunk = symbols.slice(i, i + size);
        void this.runChunk(
          group,
          chunk,
          chunk.flatMap((symbol) => bySymbol.get(symbol) ?? []),
        );
      }
    }
  }

  private async runChunk(group: Group, symbols: readonly string[], waiters: readonly Waiter[]): Promise<void> {
    const controller = new AbortController();
    let live = 0;
    for (const waiter of waiters) {
      if (waiter.signal.aborted) {
        this.settle(waiter, () => waiter.reject(waiter.signal.reason));
        continue;
      }
      live++;
      waiter.onAbort = () => {
        this.settle(waiter, () => waiter.reject(waiter.signal.reason));
        if (--live === 0) controller.abort(waiter.signal.reason);
      };
      waiter.signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    if (live === 0) return;
    await this.fetchAndSettle(group, symbols, waiters, controller.signal);
  }

  /**
   * One multi-symbol request, page by page. A body that keeps failing to parse splits the request in
   * two, again and again, until the symbol whose data breaks it is alone: the others still get their bars.
   */
  private async fetchAndSettle(
    group: Group,
    symbols: readonly string[],
    waiters: readonly Waiter[],
    signal: AbortSignal,
  ): Promise<void> {
    const symbolErrors = new Map<string, string>();
    // Each page's bars arrive packed, six numbers a bar in a Float64Array per symbol and page: the page's
    // parsed objects die at once, and what waits for the next page is numbers off the JS heap, not objects.
    const collected = new Map<string, PackedBars>();
    try {
      const pages = paginatePagesBySymbol<Float64Array>(async (pageToken) => {
        const page = await this.fetchPageRetryingUnparsable(group, symbols, pageToken, signal);
        for (const [symbol, error] of page.errors) if (!symbolErrors.has(symbol)) symbolErrors.set(symbol, error);
        return page;
      });
      for await (const { symbol, value } of pages) {
        let packed = collected.get(symbol);
        if (packed === undefined) collected.set(symbol, (packed = { pages: [], bars: 0 }));
        packed.pages.push(value);
        packed.bars += value.length / NUMBERS_PER_BAR;
        // The newest `limit` bars (sorted newest first): no more pages once every symbol has them.
        const limit = group.limit;
        if (limit !== undefined && symbols.every((s) => (collected.get(s)?.bars ?? 0) >= limit)) break;
      }
    } catch (err) {
      if (isUnparsableBody(err) && symbols.length > 1 && !signal.aborted) {
        const half = Math.ceil(symbols.length / 2);
        await Promise.all(
          [symbols.slice(0, half), symbols.slice(half)].map((part) =>
            this.fetchAndSettle(
              group,
              part,
              waiters.filter((w) => part.includes(w.symbol)),
              signal,
            ),
          ),
        );
        return;
      }
      const failure = describeAlpacaFailure(err);
      for (const waiter of waiters)
        this.settle(waiter, () => waiter.reject(this.toError(failure, waiter.symbol, symbols.length)));
      return;
    }
    for (const waiter of waiters) {
      const error = symbolErrors.get(waiter.symbol);
      if (error !== undefined) {
        const failure: AlpacaFailure = { kind: 'malformed', message: error };
        this.settle(waiter, () => waiter.reject(this.toError(failure, waiter.symbol, symbols.length)));
      } else {
        const bars = columnsOf(collected.get(waiter.symbol), group.after, group.limit);
        this.settle(waiter, () => waiter.resolve(bars));
      }
    }
  }

  private async fetchPageRetryingUnparsable(
    group: Group,
    symbols: readonly string[],
    pageToken: string | undefined,
    signal: AbortSignal,
  ): Promise<ScannedBarsPage> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchScannedPage(group, symbols, pageToken, signal);
      } catch (err) {
        if (!isUnparsableBody(err) || attempt >= UNPARSABLE_PAGE_TRIES || signal.aborted) throw err;
      }
    }
  }

  private async fetchScannedPage(
    group: Group,
    symbols: readonly string[],
    pageToken: string | undefined,
    signal: AbortSignal,
  ): Promise<ScannedBarsPage> {
    const limited = group.limit !== undefined;
    const start = Number.isFinite(group.after) ? new Date(Math.max(0, Math.floor(group.after) + 1)) : undefined;
    const body = await this.client.fetchPage(
      {
        symbols,
        timeframe: group.timeframe,
        ...(start === undefined ? {} : { start }),
        limit: limited ? Math.min(this.pageLimit, group.limit ?? 1) : this.pageLimit,
        sort: limited ? 'desc' : 'asc',
        ...(this.feed === undefined ? {} : { feed: this.feed }),
        ...(pageToken === undefined ? {} : { pageToken }),
      },
      signal,
    );
    return scanBarsPage(body, symbols);
  }

  /** Runs `action` once per waiter, and drops its abort listener (the downloader reuses signals). */
  private settle(waiter: Waiter, action: () => void): void {
    if (waiter.settled) return;
    waiter.settled = true;
    if (waiter.onAbort !== undefined) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.onAbort = undefined;
    }
    action();
  }

  private toError(failure: AlpacaFailure, symbol: string, chunkSymbols: number): Error {
    const redact = (text: string): string => redactSecrets(text, this.secrets);
    if (failure.kind === 'auth') {
      return new AlpacaAuthError(
        failure.status,
        redact(`Alpaca rejected the API key (HTTP ${failure.status}): ${failure.message}`),
      );
    }
    const where = chunkSymbols > 1 ? `${symbol} (one request for ${chunkSymbols} symbols)` : symbol;
    const text = (what: string): string => redact(`Alpaca bars for ${where}: ${what}`);
    switch (failure.kind) {
      case 'rate-limited':
        return new TransientError(text(`rate limited (HTTP 429): ${failure.message}`), failure.retryAfterMs);
      case 'server':
        return new TransientError(text(`HTTP ${failure.status}: ${failure.message}`), failure.retryAfterMs);
      case 'timeout':
      case 'network':
        return new TransientError(text(failure.message));
      case 'aborted':
        return new TransientError(text(failure.message));
      case 'rejected':
        return new PermanentError(text(`HTTP ${failure.status}: ${failure.message}`));
      case 'malformed':
        // A body cut off in transit is worth a retry; a well-formed body of the wrong shape is not.
        return failure.unparsable === true
          ? new TransientError(text(`malformed response: ${failure.message}`))
          : new PermanentError(text(`malformed response: ${failure.message}`));
      case 'unknown':
        return new PermanentError(text(failure.message));
    }
  }
}

/** A symbol's bars of a request, page by page, six numbers a bar. */
interface PackedBars {
  readonly pages: Float64Array[];
  bars: number;
}

/**
 * A symbol's bars from its packed pages, as columns: oldest first, only after `after`, the newest `limit`
 * (pages of a `limit` query come newest first).
 */
function columnsOf(packed: PackedBars | undefined, after: number, limit: number | undefined): BarColumns {
  const all = barColumns(packed?.bars ?? 0);
  let n = 0;
  let inOrder = true;
  for (const values of packed?.pages ?? []) {
    for (let v = 0; v + NUMBERS_PER_BAR <= values.length; v += NUMBERS_PER_BAR, n++) {
      const time = values[v] as number;
      if (!(time > after) || (n > 0 && !((all.time[n - 1] as number) < time))) inOrder = false;
      all.time[n] = time;
      all.open[n] = values[v + 1] as number;
      all.high[n] = values[v + 2] as number;
      all.low[n] = values[v + 3] as number;
      all.close[n] = values[v + 4] as number;
      all.volume[n] = values[v + 5] as number;
    }
  }
  const kept = inOrder ? all : sortedAfter(all, after);
  return limit === undefined || kept.length <= limit ? kept : sliceColumns(kept, kept.length - limit);
}

/** The bars after `after`, sorted by time (the rare case: a `limit` query's newest-first pages). */
function sortedAfter(all: BarColumns, after: number): BarColumns {
  const order: number[] = [];
  for (let i = 0; i < all.length; i++) if ((all.time[i] as number) > after) order.push(i);
  order.sort((a, b) => (all.time[a] as number) - (all.time[b] as number));
  return columnsFromBars(order.map((i) => barAt(all, i)));
}
