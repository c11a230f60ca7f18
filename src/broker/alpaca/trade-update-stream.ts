/**
 * Fills from Alpaca's trading stream (`trade_updates`, JSON) through the SDK's
 * `streaming.TradingStream` (v4.0.2): reconnects forever (30 s backoff cap), resends `listen`
 * after each auth (the SDK's resubscribe), stops for good on an auth refusal. Only `fill` and
 * `partial_fill` reach the handler, with Alpaca's string numbers parsed.
 */
import { streaming } from '@alpacahq/alpaca-trade-api';
import type { AlpacaCredentials } from './alpaca-sdk.js';
import { redactSecrets } from './alpaca-market-data.js';
import { SocketTracker, type LiveStreamStatus } from './bar-stream.js';

export const ALPACA_PAPER_STREAM_URL: string = streaming.TRADING_STREAM_PAPER;

export interface Fill {
  readonly event: 'fill' | 'partial_fill';
  readonly clientOrderId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: string;
  /** This execution's quantity and price. */
  readonly qty: number;
  readonly price: number;
  /** The order's filled quantity so far. */
  readonly filledQty: number;
  /** Epoch ms. */
  readonly time: number;
}

export type TradeUpdateStreamState = 'connecting' | 'authenticated' | 'listening' | 'down';
export type TradeUpdateStreamStatus = LiveStreamStatus<TradeUpdateStreamState>;

export interface TradeUpdateStreamOptions {
  readonly credentials: AlpacaCredentials;
  /** The full trading stream URL (`APCA_API_STREAM_URL`); default the paper one. */
  readonly url?: string;
  readonly onFill: (fill: Fill) => void;
  /** An order Alpaca ended without (fully) filling it: canceled, expired, rejected, done for the day. */
  readonly onOrderEnded?: (ended: OrderEnded) => void;
  readonly onStatus?: (status: TradeUpdateStreamStatus) => void;
  readonly initialReconnectMs?: number;
  readonly maxReconnectMs?: number;
  readonly reconnectJitter?: number;
  readonly now?: () => number;
}

const SDK_STATE = streaming.STATE;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export const ENDING_EVENTS = ['canceled', 'expired', 'rejected', 'done_for_day'] as const;
export type EndingEvent = (typeof ENDING_EVENTS)[number];

export interface OrderEnded {
  readonly event: EndingEvent;
  readonly clientOrderId: string;
  readonly symbol: string;
}

/** The order an ending event is about, or null when it is not one (or has no client order id). */
export function parseOrderEnded(data: Record<string, unknown>): OrderEnded | null {
  const event = ENDING_EVENTS.find((e) => e === data['event']);
  const order = data['order'];
  if (event === undefined || typeof order !== 'object' || order === null) return null;
  const raw = order as Record<string, unknown>;
  const clientOrderId = text(raw['client_order_id']);
  return clientOrderId === '' ? null : { event, clientOrderId, symbol: text(raw['symbol']) };
}

/** A fill from a raw `trade_updates` payload, or an error text for a malformed one. */
export function parseFill(data: Record<string, unknown>): Fill | string {
  const event = data['event'];
  if (event !== 'fill' && event !== 'partial_fill') return 'not a fill';
  const order = data['order'];
  if (typeof order !== 'object' || order === null) return `${event} without an order`;
  const raw = order as Record<string, unknown>;
  const qty = Number(text(data['qty']));
  const price = Number(text(data['price']));
  const filledQty = Number(text(raw['filled_qty']));
  const time = Date.parse(text(data['timestamp']));
  const clientOrderId = text(raw['client_order_id']);
  if (clientOrderId === '' || ![qty, price, time].every(Number.isFinite) || qty <= 0 || price <= 0) {
    return `a malformed ${event} (order ${clientOrderId || '?'}) was dropped`;
  }
  return {
    event,
    clientOrderId,
    orderId: text(raw['id']),
    symbol: text(raw['symbol']),
    side: text(raw['side']),
    qty,
    price,
    filledQty: Number.isFinite(filledQty) ? filledQty : qty,
    time,
  };
}

export class TradeUpdateStream {
  private readonly stream: streaming.TradingStream;
  private readonly sockets: SocketTracker;
  private readonly now: () => number;
  private readonly secrets: readonly string[];
  private current: TradeUpdateStreamStatus = { state: 'down', lastMessageAt: null, authFailed: false };
  private started = false;
  private closed = false;

  constructor(private readonly options: TradeUpdateStreamOptions) {
    this.now = options.now ?? Date.now;
    this.secrets = [options.credentials.keyId, options.credentials.secretKey];
    this.sockets = new SocketTracker(() => {
      this.current = { ...this.current, lastMessageAt: this.now() };
    });
    this.stream = new streaming.TradingStream({
      credentials: { keyId: options.credentials.keyId, secret: options.credentials.secretKey },
      url: options.url ?? ALPACA_PAPER_STREAM_URL,
      maxReconnectAttempts: streaming.UNLIMITED_RECONNECT_ATTEMPTS,
      initialReconnectMs: options.initialReconnectMs ?? 1_000,
      maxReconnectMs: options.maxReconnectMs ?? 30_000,
      reconnectJitter: options.reconnectJitter ?? 0.2,
      wsFactory: this.sockets.factory,
    });
    // The SDK keeps the TradeUpdate's unknown keys; the raw order keys survive in `order`.
    this.stream.onTradeUpdate((update) => this.onUpdate(update));
    this.stream.onStateChange((state) => this.onSdkState(state));
    this.stream.on(streaming.EVENT.SUBSCRIPTION, () => this.setState('listening'));
    this.stream.onError((message) => this.onSdkError(message));
    this.stream.subscribeTradeUpdates();
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.stream.connect();
  }

  status(): TradeUpdateStreamStatus {
    return this.current;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.disconnect();
    this.stream.removeAllListeners();
    await this.sockets.terminateAll();
    this.current = { ...this.current, state: 'down' };
  }

  internals(): { readonly stream: streaming.TradingStream; readonly sockets: SocketTracker } {
    return { stream: this.stream, sockets: this.sockets };
  }

  private onUpdate(update: streaming.TradeUpdate): void {
    if (update.event !== 'fill' && update.event !== 'partial_fill') {
      const ended = parseOrderEnded(update as unknown as Record<string, unknown>);
      if (ended !== null) this.options.onOrderEnded?.(ended);
      return;
    }
    const fill = parseFill({
      ...update,
      event: update.event,
      price: update.price,
      qty: update.qty,
      timestamp: update['timestamp'] instanceof Date ? update['timestamp'].toISOString() : undefined,
    });
    if (typeof fill === 'string') this.setState(this.current.state, fill);
    else this.options.onFill(fill);
  }

  private onSdkState(state: streaming.STATE): void {
    if (this.closed) return;
    if (state === SDK_STATE.CONNECTING || state === SDK_STATE.CONNECTED) this.setState('connecting');
    else if (state === SDK_STATE.AUTHENTICATED) this.setState('authenticated');
    else this.setState('down');
  }

  private onSdkError(message: string): void {
    if (this.closed) return;
    if (message === 'auth failed') {
      this.current = { ...this.current, authFailed: true };
      this.setState('down', `Alpaca rejected the API key for the trading stream (${message})`);
      return;
    }
    this.setState(this.current.state, message);
  }

  private setState(state: TradeUpdateStreamState, error?: string): void {
    const next: TradeUpdateStreamStatus =
      error === undefined
        ? { ...this.current, state }
        : { ...this.current, state, error: redactSecrets(error, this.secrets) };
    if (next.state === this.current.state && next.error === this.current.error) return;
    this.current = next;
    this.options.onStatus?.(next);
  }
}
