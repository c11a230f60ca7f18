/**
 * A fake Alpaca REST server on 127.0.0.1 (trading and market data on one port), following
 * Alpaca's documented shapes: bars as `{bars: {SYM: [{t,o,h,l,c,v,n,vw}]}, next_page_token}`,
 * money as strings, errors as `{code, message}`, `X-RateLimit-*` headers on every answer.
 * Bars come from the deterministic SimulatedMarket. Tests queue faults (a status, a 429 with
 * Retry-After, a hang, a malformed body) and read the request log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedMarket } from '../../src/market/sim-market.js';
import type { Bar, Timeframe } from '../../src/market/types.js';

export interface FakeAlpacaOptions {
  readonly keyId: string;
  readonly secretKey: string;
  readonly symbols: readonly string[];
  readonly timeframe?: Timeframe;
  readonly periodDays?: number;
  readonly seed?: number;
  /** Put the key id in the 401 message, as a careless proxy might (to test redaction). */
  readonly echoKeyInErrors?: boolean;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** 0 for a request without `page_token`, else the page the token points at. */
  readonly page: number;
}

export interface LoggedRequest extends FakeRequest {
  status: number | 'hung';
}

export type FaultResponse =
  | { readonly kind: 'status'; readonly status: number; readonly code?: number; readonly message?: string; readonly retryAfter?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'body'; readonly body: string };

export interface Fault {
  /** Which requests it hits; default all. */
  readonly when?: (request: FakeRequest) => boolean;
  /** How many times before it is spent; default 1. */
  times?: number;
  readonly response: FaultResponse;
}

const BARS_PATH = '/v2/stocks/bars';
const DEFAULT_PAGE_LIMIT = 1000;
const MAX_PAGE_LIMIT = 10_000;
const RATE_LIMIT = 200;

interface SymbolBars {
  readonly symbol: string;
  readonly bars: readonly Bar[];
}

export class FakeAlpacaServer {
  readonly requests: LoggedRequest[] = [];
  /** Hung requests whose connection the client closed. */
  hungClosed = 0;
  private readonly faults: Fault[] = [];
  private readonly bars = new Map<string, readonly Bar[]>();
  private readonly timeframe: Timeframe;
  private remaining = RATE_LIMIT;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeAlpacaOptions,
  ) {
    this.timeframe = options.timeframe ?? '15Min';
  }

  static async start(options: FakeAlpacaOptions): Promise<FakeAlpacaServer> {
    const server = createServer();
    const fake = new FakeAlpacaServer(server, options);
    await fake.generateBars();
    server.on('request', (req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The bars the server holds for a symbol, oldest first. */
  barsOf(symbol: string): readonly Bar[] {
    return this.bars.get(symbol) ?? [];
  }

  addFault(fault: Fault): void {
    this.faults.push(fault);
  }

  count(path = BARS_PATH): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private async generateBars(): Promise<void> {
    const market = new SimulatedMarket({
      seed: this.options.seed ?? 7,
      symbols: this.options.symbols,
      timeframe: this.timeframe,
      periodDays: this.options.periodDays ?? 60,
    });
    const signal = new AbortController().signal;
    for (const symbol of this.options.symbols) {
      this.bars.set(symbol, await market.fetchBars({ symbol, timeframe: this.timeframe, after: Number.NEGATIVE_INFINITY, signal }));
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('page_token');
    const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, page: token === null ? 0 : decodeToken(token).page };
    const logged: LoggedRequest = { ...request, status: 200 };
    this.requests.push(logged);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      logged.status = status;
      this.remaining = Math.max(0, this.remaining - 1);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'X-RateLimit-Limit': String(RATE_LIMIT),
        'X-RateLimit-Remaining': String(this.remaining),
        'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + 60),
        ...headers,
      });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    if (req.headers['apca-api-key-id'] !== this.options.keyId || req.headers['apca-api-secret-key'] !== this.options.secretKey) {
      const who = this.options.echoKeyInErrors === true ? ` (key ${String(req.headers['apca-api-key-id'])}, secret ${String(req.headers['apca-api-secret-key'])})` : '';
      send(401, { code: 40110000, message: `request is not authorized${who}` });
      return;
    }
    const fault = this.takeFault(request);
    if (fault !== undefined) {
      if (fault.kind === 'hang') {
        logged.status = 'hung';
        res.on('close', () => this.hungClosed++);
        return;
      }
      if (fault.kind === 'body') {
        send(200, fault.body);
        return;
      }
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter };
      if (fault.status === 429) headers['X-RateLimit-Remaining'] = '0';
      send(fault.status, { code: fault.code ?? fault.status * 100_000, message: fault.message ?? defaultMessage(fault.status) }, headers);
      return;
    }
    if (request.method !== 'GET') {
      send(405, { code: 40510000, message: 'method not allowed' });
      return;
    }
    switch (request.path) {
      case BARS_PATH:
        this.serveBars(request, send);
        return;
      case '/v2/clock':
        send(200, clock());
        return;
      case '/v2/account':
        send(200, account());
        return;
      case '/v2/assets':
        send(200, this.options.symbols.map(asset));
        return;
      default:
        send(404, { code: 40410000, message: 'endpoint not found' });
    }
  }

  private takeFault(request: FakeRequest): FaultResponse | undefined {
    const index = this.faults.findIndex((f) => f.when === undefined || f.when(request));
    const fault = this.faults[index];
    if (fault === undefined) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault.response;
  }

  /** Alpaca's order: by symbol, then by time; `limit` counts bars of all symbols together. */
  private serveBars(request: FakeRequest, send: (status: number, body: unknown) => void): void {
    const q = request.query;
    const symbols = (q.get('symbols') ?? '').split(',').filter((s) => s !== '');
    if (symbols.length === 0) {
      send(400, { code: 40010001, message: 'symbols is required' });
      return;
    }
    if (q.get('timeframe') !== this.timeframe) {
      send(422, { code: 42210000, message: `invalid timeframe ${q.get('timeframe') ?? ''}` });
      return;
    }
    const limit = Number(q.get('limit') ?? DEFAULT_PAGE_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      send(422, { code: 42210000, message: 'invalid limit' });
      return;
    }
    const start = q.has('start') ? Date.parse(q.get('start') ?? '') : Number.NEGATIVE_INFINITY;
    const end = q.has('end') ? Date.parse(q.get('end') ?? '') : Number.POSITIVE_INFINITY;
    const descending = q.get('sort') === 'desc';
    const matching: SymbolBars[] = [...new Set(symbols)].sort().map((symbol) => {
      const all = this.bars.get(symbol) ?? [];
      const inRange = all.filter((b) => b.time >= start && b.time <= end);
      return { symbol, bars: descending ? inRange.reverse() : inRange };
    });
    const offset = request.page === 0 ? 0 : decodeToken(q.get('page_token') ?? '').offset;
    const out: Record<string, unknown[]> = {};
    let skipped = 0;
    let taken = 0;
    for (const { symbol, bars } of matching) {
      for (const bar of bars) {
        if (skipped < offset) {
          skipped++;
          continue;
        }
        if (taken === limit) {
          send(200, { bars: out, next_page_token: encodeToken(request.page + 1, offset + taken) });
          return;
        }
        (out[symbol] ??= []).push(wireBar(bar));
        taken++;
      }
    }
    send(200, { bars: out, next_page_token: null });
  }
}

function wireBar(bar: Bar): Record<string, unknown> {
  return {
    t: new Date(bar.time).toISOString().replace('.000Z', 'Z'),
    o: bar.open,
    h: bar.high,
    l: bar.low,
    c: bar.close,
    v: bar.volume,
    n: Math.max(1, Math.round(bar.volume / 100)),
    vw: Math.round(((bar.high + bar.low + bar.close) / 3) * 10_000) / 10_000,
  };
}

/** Opaque to clients, as Alpaca's are. */
function encodeToken(page: number, offset: number): string {
  return Buffer.from(JSON.stringify({ page, offset })).toString('base64url');
}

function decodeToken(token: string): { page: number; offset: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { page?: unknown; offset?: unknown };
    if (typeof parsed.page === 'number' && typeof parsed.offset === 'number') return { page: parsed.page, offset: parsed.offset };
  } catch {
    // falls through
  }
  return { page: -1, offset: 0 };
}

function defaultMessage(status: number): string {
  if (status === 401) return 'request is not authorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'too many requests';
  if (status >= 500) return 'internal server error';
  return 'error';
}

function clock(): Record<string, unknown> {
  return {
    timestamp: '2025-01-06T10:00:00-05:00',
    is_open: true,
    next_open: '2025-01-07T09:30:00-05:00',
    next_close: '2025-01-06T16:00:00-05:00',
  };
}

function account(): Record<string, unknown> {
  return {
    id: '904837e3-3b76-47ec-b432-046db621571b',
    account_number: 'PA3FAKE00001',
    status: 'ACTIVE',
    currency: 'USD',
    cash: '100000.00',
    equity: '100000.00',
    portfolio_value: '100000.00',
    buying_power: '200000.00',
    last_equity: '100000.00',
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    shorting_enabled: true,
    multiplier: '2',
  };
}

function asset(symbol: string): Record<string, unknown> {
  return {
    id: `fake-asset-${symbol}`,
    class: 'us_equity',
    exchange: 'NASDAQ',
    symbol,
    name: `${symbol} Fake Inc.`,
    status: 'active',
    tradable: true,
    marginable: true,
    shortable: true,
    easy_to_borrow: true,
    fractionable: true,
  };
}
