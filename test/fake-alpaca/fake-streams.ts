/**
 * Fake Alpaca WebSocket streams on 127.0.0.1 (port 0), speaking the documented protocols:
 * - market data v2 in msgpack: `[{"T":"success","msg":"connected"}]` on connect; `auth` →
 *   `authenticated` or a 402; `subscribe` → `subscription`; bars `{"T":"b",...}`; 406.
 * - trading in JSON: `auth` (or the older `authenticate`) → `authorization`; `listen` →
 *   `listening`; `trade_updates` frames with Alpaca's string numbers.
 * Controls: push a bar or a trade update, drop every connection, go silent, answer 406, refuse auth.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { decode, encode } from '@msgpack/msgpack';
import type { FakeOrder } from './fake-alpaca-server.js';

interface WsClient {
  readonly readyState: number;
  send(data: string | Uint8Array, options?: { binary: boolean }): void;
  close(): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}
interface WsServer {
  address(): AddressInfo | string | null;
  on(event: 'connection', listener: (client: WsClient) => void): unknown;
  once(event: 'listening', listener: () => void): unknown;
  close(callback: () => void): void;
}
interface WsModule {
  readonly WebSocketServer: new (options: { host: string; port: number }) => WsServer;
}
const ws = createRequire(import.meta.url)('ws') as WsModule;
const OPEN = 1;

export interface FakeStreamOptions {
  readonly keyId: string;
  readonly secretKey: string;
}

interface Session {
  readonly client: WsClient;
  authenticated: boolean;
  readonly subscribed: Set<string>;
}

abstract class FakeStream {
  protected readonly sessions = new Set<Session>();
  private server: WsServer | undefined;
  /** Connections accepted, in order, with their time. */
  readonly connectionTimes: number[] = [];
  /** Every message received, decoded. */
  readonly received: unknown[] = [];
  refuseAuth = false;
  /** When set, nothing at all is sent. */
  silent = false;

  constructor(protected readonly options: FakeStreamOptions) {}

  async start(): Promise<string> {
    const server = new ws.WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    server.on('connection', (client) => this.accept(client));
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const address = server.address() as AddressInfo;
    return `ws://127.0.0.1:${address.port}`;
  }

  /** Closes every connection (abruptly) and the server. */
  async stop(): Promise<void> {
    this.drop();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(resolve));
  }

  /** Cuts every connection without a close frame. */
  drop(): void {
    for (const session of this.sessions) session.client.terminate();
    this.sessions.clear();
  }

  connectionCount(): number {
    return this.sessions.size;
  }

  authenticatedCount(): number {
    return [...this.sessions].filter((s) => s.authenticated).length;
  }

  protected send(session: Session, payload: unknown): void {
    if (this.silent || session.client.readyState !== OPEN) return;
    this.write(session.client, payload);
  }

  protected credentialsOk(key: unknown, secret: unknown): boolean {
    return !this.refuseAuth && key === this.options.keyId && secret === this.options.secretKey;
  }

  protected abstract write(client: WsClient, payload: unknown): void;
  protected abstract decodeMessage(data: Buffer): unknown;
  protected abstract greet(session: Session): void;
  protected abstract handle(session: Session, message: Record<string, unknown>): void;

  private accept(client: WsClient): void {
    const session: Session = { client, authenticated: false, subscribed: new Set() };
    this.sessions.add(session);
    this.connectionTimes.push(Date.now());
    client.on('close', () => this.sessions.delete(session));
    client.on('message', (data) => {
      let message: unknown;
      try {
        message = this.decodeMessage(data);
      } catch {
        return;
      }
      this.received.push(message);
      if (typeof message === 'object' && message !== null && !Array.isArray(message)) {
        this.handle(session, message as Record<string, unknown>);
      }
    });
    this.greet(session);
  }
}

export interface FakeBar {
  readonly symbol: string;
  readonly time: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** The market-data stream (v2, msgpack). */
export class FakeMarketDataStream extends FakeStream {
  /** Answer this many of the next auth attempts with a 406 and close. */
  connectionLimitAnswers = 0;

  /** Sends a bar to every session subscribed to its symbol; returns how many got it. */
  pushBar(bar: FakeBar): number {
    let sent = 0;
    for (const session of this.sessions) {
      if (!session.authenticated || !session.subscribed.has(bar.symbol) || this.silent) continue;
      const frame = {
        T: 'b',
        S: bar.symbol,
        o: bar.open,
        h: bar.high,
        l: bar.low,
        c: bar.close,
        v: bar.volume,
        t: bar.time,
        n: 10,
        vw: bar.close,
      };
      this.send(session, [frame]);
      sent += 1;
    }
    return sent;
  }

  subscriptionsOf(): string[][] {
    return [...this.sessions].map((s) => [...s.subscribed].sort());
  }

  protected write(client: WsClient, payload: unknown): void {
    client.send(encode(payload), { binary: true });
  }

  protected decodeMessage(data: Buffer): unknown {
    return decode(data);
  }

  protected greet(session: Session): void {
    this.send(session, [{ T: 'success', msg: 'connected' }]);
  }

  protected handle(session: Session, message: Record<string, unknown>): void {
    const action = message['action'];
    if (action === 'auth') {
      if (this.connectionLimitAnswers > 0) {
        this.connectionLimitAnswers -= 1;
        this.send(session, [{ T: 'error', code: 406, msg: 'connection limit exceeded' }]);
        session.client.close();
      } else if (this.credentialsOk(message['key'], message['secret'])) {
        session.authenticated = true;
        this.send(session, [{ T: 'success', msg: 'authenticated' }]);
      } else {
        this.send(session, [{ T: 'error', code: 402, msg: 'auth failed' }]);
        session.client.close();
      }
      return;
    }
    if (!session.authenticated) {
      this.send(session, [{ T: 'error', code: 401, msg: 'not authenticated' }]);
      return;
    }
    if (action === 'subscribe' || action === 'unsubscribe') {
      const bars = Array.isArray(message['bars'])
        ? message['bars'].filter((s): s is string => typeof s === 'string')
        : [];
      for (const symbol of bars) {
        if (action === 'subscribe') session.subscribed.add(symbol);
        else session.subscribed.delete(symbol);
      }
      this.send(session, [
        {
          T: 'subscription',
          trades: [],
          quotes: [],
          bars: [...session.subscribed],
          updatedBars: [],
          dailyBars: [],
          statuses: [],
          lulds: [],
          corrections: [],
          cancelErrors: [],
        },
      ]);
      return;
    }
    this.send(session, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
  }
}

export interface FakeFill {
  readonly event: 'fill' | 'partial_fill';
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: string;
  readonly price: string;
  readonly filledQty: string;
  readonly orderQty: string;
  readonly timestamp: string;
}

/** The whole of `order` filled at `price`, now: what a test's `onOrder` pushes on the trading stream. */
export function wholeFill(order: FakeOrder, price: number): FakeFill {
  const qty = String(order['qty']);
  return {
    event: 'fill',
    clientOrderId: order.client_order_id,
    symbol: String(order['symbol']),
    side: order['side'] === 'sell' ? 'sell' : 'buy',
    qty,
    price: price.toFixed(2),
    filledQty: qty,
    orderQty: qty,
    timestamp: new Date().toISOString(),
  };
}

/** The trading stream (JSON). */
export class FakeTradingStream extends FakeStream {
  private executions = 0;

  /** Sends a `trade_updates` frame to every listening session; returns how many got it. */
  pushFill(fill: FakeFill): number {
    let sent = 0;
    const order = {
      id: `order-${fill.clientOrderId}`,
      client_order_id: fill.clientOrderId,
      created_at: fill.timestamp,
      updated_at: fill.timestamp,
      submitted_at: fill.timestamp,
      filled_at: fill.event === 'fill' ? fill.timestamp : null,
      asset_id: 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415',
      symbol: fill.symbol,
      asset_class: 'us_equity',
      qty: fill.orderQty,
      filled_qty: fill.filledQty,
      filled_avg_price: fill.price,
      order_class: '',
      order_type: 'market',
      type: 'market',
      side: fill.side,
      time_in_force: 'day',
      status: fill.event === 'fill' ? 'filled' : 'partially_filled',
      extended_hours: false,
    };
    const data = {
      event: fill.event,
      execution_id: `exec-${(this.executions += 1)}`,
      order,
      price: fill.price,
      qty: fill.qty,
      position_qty: fill.filledQty,
      timestamp: fill.timestamp,
    };
    for (const session of this.sessions) {
      if (!session.authenticated || !session.subscribed.has('trade_updates')) continue;
      this.send(session, { stream: 'trade_updates', data });
      sent += 1;
    }
    return sent;
  }

  protected write(client: WsClient, payload: unknown): void {
    // Alpaca sends the trading stream's JSON in binary frames.
    client.send(Buffer.from(JSON.stringify(payload)), { binary: true });
  }

  protected decodeMessage(data: Buffer): unknown {
    return JSON.parse(data.toString('utf8'));
  }

  protected greet(): void {}

  protected handle(session: Session, message: Record<string, unknown>): void {
    const action = message['action'];
    if (action === 'auth' || action === 'authenticate') {
      const data = message['data'];
      const legacy = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
      const key = action === 'auth' ? message['key'] : legacy['key_id'];
      const secret = action === 'auth' ? message['secret'] : legacy['secret_key'];
      const ok = this.credentialsOk(key, secret);
      session.authenticated = ok;
      this.send(session, {
        stream: 'authorization',
        data: { action: 'authenticate', status: ok ? 'authorized' : 'unauthorized' },
      });
      if (!ok) session.client.close();
      return;
    }
    if (action === 'listen' && session.authenticated) {
      const data = message['data'];
      const streams =
        typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['streams'] : undefined;
      session.subscribed.clear();
      if (Array.isArray(streams)) for (const s of streams) if (typeof s === 'string') session.subscribed.add(s);
      this.send(session, { stream: 'listening', data: { streams: [...session.subscribed] } });
      return;
    }
    this.send(session, { stream: 'listening', data: { streams: [], error: 'access key verification failed' } });
  }
}
