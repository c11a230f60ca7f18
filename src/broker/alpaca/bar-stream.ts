/**
 * Live minute bars from Alpaca's market-data stream (v2, msgpack) through the SDK's
 * `streaming.StockDataStream` (v4.0.2), supervised so it can run for as long as the program does.
 *
 * What the SDK v4 gives (read in node_modules/@alpacahq/alpaca-trade-api/src/streaming):
 * - Reconnect with exponential backoff and jitter; gives up after 10 attempts by default, so
 *   `maxReconnectAttempts` is set to `UNLIMITED_RECONNECT_ATTEMPTS` and the cap to 30 s.
 * - Each socket's listeners are bound to that socket and a generation counter; the SDK's own
 *   emitter is never re-registered on reconnect, and the subscription list is a set replaced by
 *   the server's `subscription` frame: nothing grows across reconnects (the test checks).
 * - ws ping/pong keepalive (10 s / 5 s) terminates dead sockets.
 * - Auth failures (401/402/404) are terminal: it disconnects and does not retry.
 * - A 406 `connection limit exceeded` is only reported as an error; its own backoff would retry
 *   after ~1 s while the old connection still counts. Here a 406 stops the SDK stream and
 *   reconnects only after `connectionLimitWaitMs`.
 * - It has no notion of silence; a timer here marks the stream `silent` when no message came
 *   for `silentAfterIntervals` bar intervals while the market is open (the owner then falls
 *   back to REST; the stream stays connected and recovers on the next message).
 *
 * The socket is made through the SDK's `wsFactory` hook with `ws` (the SDK's own dependency),
 * as its default factory does, so that the last message time is seen and `close()` can
 * terminate the socket at once instead of waiting for a close handshake.
 */
import { createRequire } from 'node:module';
import { streaming } from '@alpacahq/alpaca-trade-api';
import type { Bar } from '../../core/model.js';
import type { AlpacaCredentials } from './alpaca-sdk.js';
import { redactSecrets } from './alpaca-market-data.js';

export const ALPACA_DATA_STREAM_URL: string = streaming.MARKET_DATA_STREAM_HOST;

export type LiveBarStreamState = 'connecting' | 'authenticated' | 'subscribed' | 'silent' | 'down';

export interface LiveStreamStatus<S extends string> {
  readonly state: S;
  /** Epoch ms of the last frame received, or null before the first one. */
  readonly lastMessageAt: number | null;
  /** The last error, secrets redacted. */
  readonly error?: string;
  /** Alpaca refused the credentials: no reconnect follows. */
  readonly authFailed: boolean;
}

export type LiveBarStreamStatus = LiveStreamStatus<LiveBarStreamState>;

export interface LiveBarStreamOptions {
  readonly credentials: AlpacaCredentials;
  /** Market-data stream host (`APCA_API_DATA_STREAM_URL`); `/v2/<feed>` is appended. */
  readonly url?: string;
  readonly feed?: 'iex' | 'sip' | 'delayed_sip';
  readonly symbols: readonly string[];
  readonly onBar: (symbol: string, bar: Bar) => void;
  readonly onStatus?: (status: LiveBarStreamStatus) => void;
  /** Default 60 000 (minute bars). */
  readonly barIntervalMs?: number;
  /** Silent after this many bar intervals without a message while the market is open; default 2. */
  readonly silentAfterIntervals?: number;
  /** Default: always open. */
  readonly isMarketOpen?: () => boolean;
  /** Wait after a 406 before reconnecting; default 65 000. */
  readonly connectionLimitWaitMs?: number;
  /** Reconnect backoff: first delay (default 1 000) and cap (default 30 000). */
  readonly initialReconnectMs?: number;
  readonly maxReconnectMs?: number;
  /** Jitter fraction of each reconnect delay; default 0.2. */
  readonly reconnectJitter?: number;
  readonly now?: () => number;
}

// --- the socket, made with `ws` for the SDK ------------------------------------------------

interface WsSocket extends streaming.WebSocketLike {
  readonly readyState: number;
  terminate(): void;
  once(event: 'close', listener: () => void): unknown;
  listenerCount(event: string): number;
}
interface WsModule {
  readonly WebSocket: new (
    url: string,
    options: { perMessageDeflate: boolean; headers?: Record<string, string> },
  ) => WsSocket;
}
// `ws` ships no types of its own; this is the part used.
const ws = createRequire(import.meta.url)('ws') as WsModule;
const WS_CLOSED = 3;

/** Makes the SDK's sockets, notes each inbound frame, and can terminate them all. */
export class SocketTracker {
  private readonly open = new Set<WsSocket>();
  private latest: WsSocket | undefined;

  constructor(private readonly onFrame: () => void) {}

  readonly factory: streaming.WebSocketFactory = (url, codec) => {
    const socket = new ws.WebSocket(url, {
      perMessageDeflate: false,
      ...(codec === 'msgpack' ? { headers: { 'Content-Type': 'application/msgpack' } } : {}),
    });
    this.open.add(socket);
    this.latest = socket;
    socket.on('message', this.onFrame);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  /** The newest socket (for tests: listener counts). */
  current(): WsSocket | undefined {
    return this.latest;
  }

  /** Sockets not yet closed. */
  openCount(): number {
    return this.open.size;
  }

  /** Terminates every socket and resolves once all have closed. */
  async terminateAll(): Promise<void> {
    const closing = [...this.open].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WS_CLOSED) return resolve();
          socket.once('close', resolve);
          socket.terminate();
        }),
    );
    this.latest = undefined;
    await Promise.all(closing);
  }
}

// --- the supervisor -------------------------------------------------------------------------

/** Minute bars: silent after two minutes without any message, checked every 5 s at most. */
export const SILENT_AFTER_INTERVALS = 2;
const SILENCE_CHECK_MAX_MS = 5_000;

const SDK_STATE = streaming.STATE;
const EVENT = streaming.EVENT;
const AUTH_ERRORS = new Set([401, 402, 404].map((code) => streaming.CONN_ERROR.get(code)));
const CONNECTION_LIMIT = streaming.CONN_ERROR.get(406);

export class LiveBarStream {
  private readonly stream: streaming.StockDataStream;
  private readonly sockets: SocketTracker;
  private readonly now: () => number;
  private readonly silenceMs: number;
  private readonly limitWaitMs: number;
  private readonly isMarketOpen: () => boolean;
  private readonly secrets: readonly string[];
  private current: LiveBarStreamStatus = { state: 'down', lastMessageAt: null, authFailed: false };
  private liveSince = 0;
  private limitTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(private readonly options: LiveBarStreamOptions) {
    this.now = options.now ?? Date.now;
    this.silenceMs = (options.barIntervalMs ?? 60_000) * (options.silentAfterIntervals ?? SILENT_AFTER_INTERVALS);
    this.limitWaitMs = options.connectionLimitWaitMs ?? 65_000;
    this.isMarketOpen = options.isMarketOpen ?? (() => true);
    this.secrets = [options.credentials.keyId, options.credentials.secretKey];
    this.sockets = new SocketTracker(() => this.onFrame());
    this.stream = new streaming.StockDataStream({
      credentials: { keyId: options.credentials.keyId, secret: options.credentials.secretKey },
      url: `${(options.url ?? ALPACA_DATA_STREAM_URL).replace(/\/+$/, '')}/v2/${options.feed ?? 'iex'}`,
      maxReconnectAttempts: streaming.UNLIMITED_RECONNECT_ATTEMPTS,
      initialReconnectMs: options.initialReconnectMs ?? 1_000,
      maxReconnectMs: options.maxReconnectMs ?? 30_000,
      reconnectJitter: options.reconnectJitter ?? 0.2,
      wsFactory: this.sockets.factory,
    });
    this.stream.onBar((bar) => this.emitBar(bar));
    this.stream.onStateChange((state) => this.onSdkState(state));
    this.stream.on(EVENT.SUBSCRIPTION, () => this.onSubscribed());
    this.stream.onError((message) => this.onSdkError(message));
    this.stream.subscribeForBars([...options.symbols]);
  }

  /** Connects; reconnects until `close()`. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    // Checked often enough that silence is noticed within a few seconds of its threshold.
    const every = Math.max(5, Math.min(SILENCE_CHECK_MAX_MS, Math.floor(this.silenceMs / 8)));
    this.silenceTimer = setInterval(() => this.checkSilence(), every);
    this.stream.connect();
  }

  status(): LiveBarStreamStatus {
    return this.current;
  }

  /** Stops everything: timers, the socket, the SDK's listeners. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.limitTimer);
    clearInterval(this.silenceTimer);
    this.stream.disconnect();
    this.stream.removeAllListeners();
    await this.sockets.terminateAll();
    this.current = { ...this.current, state: 'down' };
  }

  /** For tests and diagnostics: the SDK stream and the socket tracker. */
  internals(): { readonly stream: streaming.StockDataStream; readonly sockets: SocketTracker } {
    return { stream: this.stream, sockets: this.sockets };
  }

  private onFrame(): void {
    this.current = { ...this.current, lastMessageAt: this.now() };
    if (this.current.state === 'silent') this.setState('subscribed');
  }

  private emitBar(bar: streaming.StreamBar): void {
    const time = bar.timestamp.getTime();
    const values = [time, bar.open, bar.high, bar.low, bar.close, bar.volume];
    if (!values.every(Number.isFinite)) {
      this.setState(this.current.state, `a malformed bar for ${bar.symbol} was dropped`);
      return;
    }
    this.options.onBar(bar.symbol, {
      time,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
    });
  }

  private onSdkState(state: streaming.STATE): void {
    if (this.closed) return;
    if (state === SDK_STATE.CONNECTING || state === SDK_STATE.CONNECTED) this.setState('connecting');
    else if (state === SDK_STATE.AUTHENTICATED) this.setState('authenticated');
    else this.setState('down');
  }

  private onSubscribed(): void {
    if (this.closed) return;
    this.liveSince = this.now();
    this.setState('subscribed');
  }

  private onSdkError(message: string): void {
    if (this.closed) return;
    if (message === CONNECTION_LIMIT) {
      // The SDK would retry in ~1 s while the old connection still counts against the limit.
      this.stream.disconnect();
      this.setState('down', `${message}: reconnecting in ${Math.round(this.limitWaitMs / 1000)} s`);
      clearTimeout(this.limitTimer);
      this.limitTimer = setTimeout(() => {
        this.limitTimer = undefined;
        if (!this.closed) this.stream.connect();
      }, this.limitWaitMs);
      return;
    }
    if (AUTH_ERRORS.has(message)) {
      // The SDK disconnects for good after this.
      this.current = { ...this.current, authFailed: true };
      this.setState('down', `Alpaca rejected the API key for the market-data stream (${message})`);
      return;
    }
    this.setState(this.current.state, message);
  }

  private checkSilence(): void {
    if (this.current.state !== 'subscribed' || !this.isMarketOpen()) return;
    const last = Math.max(this.current.lastMessageAt ?? 0, this.liveSince);
    if (this.now() - last > this.silenceMs) this.setState('silent');
  }

  private setState(state: LiveBarStreamState, error?: string): void {
    const next: LiveBarStreamStatus =
      error === undefined
        ? { ...this.current, state }
        : { ...this.current, state, error: redactSecrets(error, this.secrets) };
    if (next.state === this.current.state && next.error === this.current.error) return;
    this.current = next;
    this.options.onStatus?.(next);
  }
}
