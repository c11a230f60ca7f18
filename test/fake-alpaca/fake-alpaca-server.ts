/**
 * A fake Alpaca REST server on 127.0.0.1 (trading and market data on one port), following
 * Alpaca's documented shapes: bars as `{bars: {SYM: [{t,o,h,l,c,v,n,vw}]}, next_page_token}`,
 * money as strings, errors as `{code, message}`, `X-RateLimit-*` headers on every answer.
 * Bars come from the deterministic SimulatedMarket. Tests queue faults (a status, a 429 with
 * Retry-After, a hang, a malformed body, an order POST accepted but never answered) and read the
 * request log. Trading: account, clock, assets, positions and orders (kept in memory, never filled;
 * client_order_id unique; a buy beyond the buying power at the last close is a 403; `onOrder` lets a test fill them).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SimulatedMarket } from '../../src/market/sim-market.js';
import { barsFromColumns } from '../../src/core/bar-columns.js';
import { TIMEFRAME_MINUTES, type Bar, type Timeframe } from '../../src/core/model.js';

export interface FakeAlpacaOptions {
  readonly keyId: string;
  readonly secretKey: string;
  readonly symbols: readonly string[];
  readonly timeframe?: Timeframe;
  readonly periodDays?: number;
  readonly seed?: number;
  /** Put the key id in the 401 message, as a careless proxy might (to test redaction). */
  readonly echoKeyInErrors?: boolean;
  /** Listed as assets with `tradable: false`. */
  readonly untradable?: readonly string[];
  /** Held at start; current_price is the symbol's last close. */
  readonly positions?: readonly { readonly symbol: string; readonly qty: number; readonly avgEntryPrice: number }[];
  /** Default 200000 (cash 100000, multiplier 2). */
  readonly buyingPower?: number;
  /** Move every bar by whole bars so that the newest is the one under way now (as on a trading day). */
  readonly shiftToNow?: boolean;
  /** The newest bars per symbol kept back at first; each bars request (first page) lets one more out, as time passing would. */
  readonly holdBack?: number;
  /** /v2/clock's is_open; default true. */
  readonly marketOpen?: boolean;
  /** Each bars response waits this long first (a distant server); default 0. */
  readonly barsLatencyMs?: number;
  /** /v2/positions adds the filled quantity of every order (as a real account would); default: only `positions`. */
  readonly positionsFollowFills?: boolean;
  /** Called after an order is accepted, with the symbol's last visible close (to fill it on a fake stream). */
  readonly onOrder?: (order: FakeOrder, lastClose: number) => void;
}

/** An order as the fake holds it, in Alpaca's wire shape (money and quantities as strings). */
export type FakeOrder = Record<string, unknown> & {
  readonly id: string;
  readonly client_order_id: string;
  status: string;
};

const TERMINAL_ORDER_STATUSES = new Set([
  'filled',
  'canceled',
  'expired',
  'rejected',
  'replaced',
  'done_for_day',
  'stopped',
  'suspended',
]);

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
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly code?: number;
      readonly message?: string;
      readonly retryAfter?: string;
    }
  | { readonly kind: 'hang' }
  | { readonly kind: 'body'; readonly body: string }
  /** POST /v2/orders only: the order is stored, then the answer never comes (until the client aborts). */
  | { readonly kind: 'accept-then-hang' };

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
  /** Every order accepted, in order of arrival. */
  readonly orders: FakeOrder[] = [];
  private readonly timeframe: Timeframe;
  private remaining = RATE_LIMIT;
  private released = 0;

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

  /** Stores an order as if it had been placed earlier (for snapshots). */
  seedOrder(fields: {
    clientOrderId: string;
    symbol: string;
    side: 'buy' | 'sell';
    qty: number;
    filledQty?: number;
    status?: string;
  }): FakeOrder {
    const order = this.newOrder(fields.clientOrderId, fields.symbol, fields.side, String(fields.qty));
    order['filled_qty'] = String(fields.filledQty ?? 0);
    order.status = fields.status ?? order.status;
    this.orders.push(order);
    return order;
  }

  /** The account's long positions: the configured ones, plus every fill when `positionsFollowFills`. */
  currentPositions(): { symbol: string; qty: number; avgEntryPrice: number }[] {
    const held = new Map((this.options.positions ?? []).map((p) => [p.symbol, { ...p }]));
    if (this.options.positionsFollowFills === true) {
      for (const order of this.orders) {
        const filled = Number(order['filled_qty']);
        if (!(filled > 0)) continue;
        const symbol = String(order['symbol']);
        const price = Number(order['filled_avg_price']);
        const p = held.get(symbol) ?? { symbol, qty: 0, avgEntryPrice: 0 };
        if (order['side'] === 'buy') {
          p.avgEntryPrice = (p.avgEntryPrice * p.qty + price * filled) / (p.qty + filled);
          p.qty += filled;
        } else p.qty -= filled;
        held.set(symbol, p);
      }
    }
    return [...held.values()].filter((p) => p.qty !== 0);
  }

  ordersWithClientId(clientOrderId: string): FakeOrder[] {
    return this.orders.filter((o) => o.client_order_id === clientOrderId);
  }

  /** Drops every fault not yet spent. */
  clearFaults(): void {
    this.faults.length = 0;
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
      this.bars.set(
        symbol,
        barsFromColumns(
          await market.fetchBars({ symbol, timeframe: this.timeframe, after: Number.NEGATIVE_INFINITY, signal }),
        ),
      );
    }
    if (this.options.shiftToNow === true) {
      const newest = Math.max(
        ...[...this.bars.values()].map((bars) => bars[bars.length - 1]?.time ?? Number.NEGATIVE_INFINITY),
      );
      const barMs = TIMEFRAME_MINUTES[this.timeframe] * 60_000;
      const shift = Math.floor((Date.now() - newest) / barMs) * barMs;
      for (const [symbol, bars] of this.bars)
        this.bars.set(
          symbol,
          bars.map((bar) => ({ ...bar, time: bar.time + shift })),
        );
    }
  }

  /** The bars a client can see now (all but those still held back). */
  private visibleBars(symbol: string): readonly Bar[] {
    const all = this.bars.get(symbol) ?? [];
    const hidden = Math.max(0, (this.options.holdBack ?? 0) - this.released);
    return hidden === 0 ? all : all.slice(0, Math.max(0, all.length - hidden));
  }

  /** Marks an order filled (as a fill pushed on the trading stream says). */
  markFilled(clientOrderId: string, price: number): void {
    for (const order of this.ordersWithClientId(clientOrderId)) {
      order.status = 'filled';
      order['filled_qty'] = order['qty'];
      order['filled_avg_price'] = String(price);
      order['filled_at'] = new Date().toISOString();
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.route(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  private route(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const latency = this.options.barsLatencyMs ?? 0;
    if (latency > 0 && (req.url ?? '').startsWith(BARS_PATH)) {
      setTimeout(() => this.answer(req, res, rawBody), latency);
      return;
    }
    this.answer(req, res, rawBody);
  }

  private answer(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('page_token');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      page: token === null ? 0 : decodeToken(token).page,
    };
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

    if (
      req.headers['apca-api-key-id'] !== this.options.keyId ||
      req.headers['apca-api-secret-key'] !== this.options.secretKey
    ) {
      const who =
        this.options.echoKeyInErrors === true
          ? ` (key ${String(req.headers['apca-api-key-id'])}, secret ${String(req.headers['apca-api-secret-key'])})`
          : '';
      send(401, { code: 40110000, message: `request is not authorized${who}` });
      return;
    }
    const fault = this.takeFault(request);
    const hang = (): void => {
      logged.status = 'hung';
      res.on('close', () => this.hungClosed++);
    };
    if (fault !== undefined) {
      if (fault.kind === 'hang') {
        hang();
        return;
      }
      if (fault.kind === 'accept-then-hang') {
        const placed = this.placeOrder(rawBody);
        if (placed.status === 200) hang();
        else send(placed.status, placed.body);
        return;
      }
      if (fault.kind === 'body') {
        send(200, fault.body);
        return;
      }
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter };
      if (fault.status === 429) headers['X-RateLimit-Remaining'] = '0';
      send(
        fault.status,
        { code: fault.code ?? fault.status * 100_000, message: fault.message ?? defaultMessage(fault.status) },
        headers,
      );
      return;
    }
    if (request.method === 'POST' && request.path === '/v2/orders') {
      const placed = this.placeOrder(rawBody);
      send(placed.status, placed.body);
      return;
    }
    if (request.method === 'DELETE' && request.path.startsWith('/v2/orders/')) {
      const cancelled = this.cancelOrder(decodeURIComponent(request.path.slice('/v2/orders/'.length)));
      if (cancelled.status === 204) {
        logged.status = 204;
        res.writeHead(204, {
          'X-RateLimit-Limit': String(RATE_LIMIT),
          'X-RateLimit-Remaining': String(this.remaining),
        });
        res.end();
      } else send(cancelled.status, cancelled.body);
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
        send(200, clock(this.options.marketOpen ?? true));
        return;
      case '/v2/account':
        send(200, account());
        return;
      case '/v2/assets': {
        const untradable = new Set(this.options.untradable ?? []);
        send(
          200,
          this.options.symbols.map((symbol) => asset(symbol, !untradable.has(symbol))),
        );
        return;
      }
      case '/v2/positions':
        send(
          200,
          this.currentPositions().map((p) => position(p.symbol, p.qty, p.avgEntryPrice, this.lastClose(p.symbol))),
        );
        return;
      case '/v2/orders': {
        const status = request.query.get('status') ?? 'open';
        const limit = Number(request.query.get('limit') ?? 50);
        const after = request.query.get('after');
        const afterMs = after === null ? Number.NEGATIVE_INFINITY : Date.parse(after);
        const matching = this.orders.filter(
          (o) =>
            (status === 'all' || (status === 'open') !== TERMINAL_ORDER_STATUSES.has(o.status)) &&
            Date.parse(String(o['submitted_at'])) > afterMs,
        );
        send(200, matching.slice(0, limit));
        return;
      }
      case '/v2/orders:by_client_order_id': {
        const found = this.orders.find((o) => o.client_order_id === request.query.get('client_order_id'));
        if (found === undefined) send(404, { code: 40410000, message: 'order not found' });
        else send(200, found);
        return;
      }
      default:
        send(404, { code: 40410000, message: 'endpoint not found' });
    }
  }

  private lastClose(symbol: string): number {
    const bars = this.visibleBars(symbol);
    return bars[bars.length - 1]?.close ?? 100;
  }

  private newOrder(clientOrderId: string, symbol: string, side: string, qty: string): FakeOrder {
    const now = new Date().toISOString();
    return {
      id: randomUUID(),
      client_order_id: clientOrderId,
      created_at: now,
      updated_at: now,
      submitted_at: now,
      filled_at: null,
      expired_at: null,
      canceled_at: null,
      failed_at: null,
      replaced_at: null,
      replaced_by: null,
      replaces: null,
      asset_id: `fake-asset-${symbol}`,
      symbol,
      asset_class: 'us_equity',
      notional: null,
      qty,
      filled_qty: '0',
      filled_avg_price: null,
      order_class: '',
      order_type: 'market',
      type: 'market',
      side,
      time_in_force: 'day',
      limit_price: null,
      stop_price: null,
      status: 'accepted',
      extended_hours: false,
      legs: null,
      trail_percent: null,
      trail_price: null,
      hwm: null,
      position_intent: side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    };
  }

  /** POST /v2/orders: checks the request as Alpaca does, then stores the order. */
  private placeOrder(rawBody: string): { status: number; body: unknown } {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      return { status: 400, body: { code: 40010000, message: 'request body format is invalid' } };
    }
    const symbol = typeof body['symbol'] === 'string' ? body['symbol'] : '';
    const side = body['side'];
    const qty = typeof body['qty'] === 'string' ? Number(body['qty']) : Number.NaN;
    const clientOrderId = typeof body['client_order_id'] === 'string' ? body['client_order_id'] : randomUUID();
    if (!this.options.symbols.includes(symbol))
      return { status: 422, body: { code: 40010001, message: `asset "${symbol}" not found` } };
    if ((this.options.untradable ?? []).includes(symbol))
      return { status: 422, body: { code: 40010001, message: `asset ${symbol} is not tradable` } };
    if (side !== 'buy' && side !== 'sell') return { status: 422, body: { code: 40010001, message: 'invalid side' } };
    if (!(qty > 0)) return { status: 422, body: { code: 40010001, message: 'qty must be > 0' } };
    if (body['type'] !== 'market' || body['time_in_force'] !== 'day')
      return { status: 422, body: { code: 40010001, message: 'the fake takes day market orders only' } };
    if (clientOrderId.length > 128)
      return { status: 422, body: { code: 40010001, message: 'client_order_id must be no more than 128 characters' } };
    if (this.orders.some((o) => o.client_order_id === clientOrderId))
      return { status: 422, body: { code: 40010001, message: 'client_order_id must be unique' } };
    if (side === 'buy' && qty * this.lastClose(symbol) > (this.options.buyingPower ?? 200_000)) {
      return { status: 403, body: { code: 40310000, message: 'insufficient buying power' } };
    }
    const order = this.newOrder(clientOrderId, symbol, side, String(body['qty']));
    this.orders.push(order);
    this.options.onOrder?.(order, this.lastClose(symbol));
    return { status: 200, body: order };
  }

  /** DELETE /v2/orders/{id}: 204, 404 unknown, 422 when no longer cancelable. */
  private cancelOrder(id: string): { status: number; body: unknown } {
    const order = this.orders.find((o) => o.id === id);
    if (order === undefined) return { status: 404, body: { code: 40410000, message: 'order not found' } };
    if (TERMINAL_ORDER_STATUSES.has(order.status))
      return { status: 422, body: { code: 42210000, message: `order is not cancelable (status ${order.status})` } };
    order.status = 'canceled';
    order['canceled_at'] = new Date().toISOString();
    return { status: 204, body: null };
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
    if (request.page === 0 && this.released < (this.options.holdBack ?? 0)) this.released++;
    const matching: SymbolBars[] = [...new Set(symbols)].sort().map((symbol) => {
      const all = this.visibleBars(symbol);
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
    if (typeof parsed.page === 'number' && typeof parsed.offset === 'number')
      return { page: parsed.page, offset: parsed.offset };
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

function clock(open: boolean): Record<string, unknown> {
  return {
    timestamp: '2025-01-06T10:00:00-05:00',
    is_open: open,
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

function position(symbol: string, qty: number, avgEntryPrice: number, price: number): Record<string, unknown> {
  const money = (n: number): string => n.toFixed(2);
  return {
    asset_id: `fake-asset-${symbol}`,
    symbol,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    asset_marginable: true,
    qty: String(qty),
    qty_available: String(qty),
    avg_entry_price: String(avgEntryPrice),
    side: 'long',
    market_value: money(qty * price),
    cost_basis: money(qty * avgEntryPrice),
    unrealized_pl: money(qty * (price - avgEntryPrice)),
    unrealized_plpc: String((price - avgEntryPrice) / avgEntryPrice),
    unrealized_intraday_pl: '0',
    unrealized_intraday_plpc: '0',
    current_price: String(price),
    lastday_price: String(price),
    change_today: '0',
  };
}

function asset(symbol: string, tradable: boolean): Record<string, unknown> {
  return {
    id: `fake-asset-${symbol}`,
    class: 'us_equity',
    exchange: 'NASDAQ',
    symbol,
    name: `${symbol} Fake Inc.`,
    status: 'active',
    tradable,
    marginable: true,
    shortable: true,
    easy_to_borrow: true,
    fractionable: true,
  };
}
