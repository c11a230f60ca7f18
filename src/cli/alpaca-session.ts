/**
 * Connects a session to Alpaca: credentials from the environment, endpoints (paper unless --live),
 * symbol validation, the account as Alpaca has it (the source of truth at start, compared with the
 * saved run), and the market kit: REST bars, the order broker, the trade_updates stream, the clock.
 */
import { AlpacaBroker } from '../broker/alpaca/alpaca-broker.js';
import {
  AlpacaAuthError,
  AlpacaMarketData,
  AlpacaStartError,
  DEFAULT_CHUNK_SIZE,
  redactSecrets,
} from '../broker/alpaca/alpaca-market-data.js';
import { AlpacaMarketHours, WallClock } from '../broker/alpaca/alpaca-market-hours.js';
import {
  alpacaEndpointsFromEnv,
  type AlpacaCredentials,
  type AlpacaEndpoints,
  type AlpacaOrder,
} from '../broker/alpaca/alpaca-sdk.js';
import { AlpacaTrading, type AlpacaSnapshot } from '../broker/alpaca/alpaca-trading.js';
import { TradeUpdateStream } from '../broker/alpaca/trade-update-stream.js';
import { LiveBarStream } from '../broker/alpaca/bar-stream.js';
import { StreamOrRestBars } from '../broker/alpaca/stream-or-rest-bars.js';
import { BarStreamHealth } from '../broker/alpaca/stream-health.js';
import type { MarketDataSource } from '../market/types.js';
import { formatCount } from '../core/plural.js';
import type { MarketOrder } from '../core/model.js';
import type { BrokerState } from '../engine/broker.js';
import type { Mode } from '../engine/snapshot.js';
import type { ResumeState } from '../engine/trading-record.js';
import type { StartOptions } from './args.js';
import { UsageError } from './parse-values.js';
import type { LivePrompt, MarketKit } from './market-kit.js';

export const ALPACA_LIVE_TRADING_URL = 'https://api.alpaca.markets';
export const ALPACA_LIVE_STREAM_URL = 'wss://api.alpaca.markets/stream';

export interface AlpacaConnection {
  readonly mode: Mode;
  /** The options with the symbols Alpaca can trade. */
  readonly options: StartOptions;
  readonly credentials: AlpacaCredentials;
  readonly endpoints: AlpacaEndpoints;
  readonly trading: AlpacaTrading;
  readonly snapshot: AlpacaSnapshot;
}

export async function connectAlpaca(
  options: StartOptions,
  env: NodeJS.ProcessEnv,
  confirmLive: LivePrompt,
): Promise<AlpacaConnection> {
  const keyId = env.APCA_API_KEY_ID ?? '';
  const secretKey = env.APCA_API_SECRET_KEY ?? '';
  if (keyId === '' || secretKey === '')
    throw new UsageError(
      '--broker alpaca needs the APCA_API_KEY_ID and APCA_API_SECRET_KEY environment variables (see README, "Alpaca")',
    );
  const credentials = { keyId, secretKey };
  const overrides = alpacaEndpointsFromEnv(env);
  const endpoints: AlpacaEndpoints = options.live
    ? {
        ...overrides,
        tradingUrl: overrides.tradingUrl ?? ALPACA_LIVE_TRADING_URL,
        tradingStreamUrl: overrides.tradingStreamUrl ?? ALPACA_LIVE_STREAM_URL,
      }
    : overrides;
  const trading = new AlpacaTrading({ credentials, endpoints, timeoutMs: options.timeoutMs });
  const { tradable, dropped } = await atStart(() => trading.validateSymbols(options.symbols), endpoints, credentials);
  for (const { symbol, reason } of dropped) process.stderr.write(`trading-tui: ${symbol} dropped: ${reason}\n`);
  if (tradable.length === 0)
    throw new UsageError(`none of the --symbols can be traded on Alpaca (${dropped.map((d) => d.symbol).join(',')})`);
  const snapshot = await atStart(() => trading.snapshot(), endpoints, credentials);
  if (options.live && !options.yesIMeanLive && !(await confirmLive(snapshot.account.accountNumber))) {
    throw new UsageError('live trading not confirmed; nothing was done');
  }
  return {
    mode: options.live ? 'LIVE' : 'PAPER',
    options: { ...options, symbols: tradable },
    credentials,
    endpoints,
    trading,
    snapshot,
  };
}

/** A failure to talk to Alpaca at start (no network, a proxy down) is one line, not a stack: keys errors stay as they are. */
async function atStart<T>(
  step: () => Promise<T>,
  endpoints: AlpacaEndpoints,
  credentials: AlpacaCredentials,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AlpacaAuthError || !(error instanceof Error)) throw error;
    const where = endpoints.tradingUrl ?? 'its API';
    throw new AlpacaStartError(
      redactSecrets(`cannot reach Alpaca at ${where}: ${error.message.replace(/^.*fetch failed: /, '')}`, [
        credentials.keyId,
        credentials.secretKey,
      ]),
    );
  }
}

export function alpacaKit(connection: AlpacaConnection, resume: ResumeState | null): MarketKit {
  const { options, credentials, endpoints, trading, snapshot } = connection;
  const now = Date.now();
  const openOrders = snapshot.openOrders.flatMap((order) => toMarketOrder(order, now));
  const broker = new AlpacaBroker(trading, openOrders);
  const stream = new TradeUpdateStream({
    credentials,
    ...(endpoints.tradingStreamUrl === undefined ? {} : { url: endpoints.tradingStreamUrl }),
    onFill: (fill) => broker.onStreamFill(fill),
    onOrderEnded: (ended) => broker.onOrderEnded(ended),
    onStatus: (status) => {
      if (status.state === 'down' && status.error !== undefined)
        broker.notice('error', `trade updates stream down: ${status.error}`);
    },
  });
  stream.start();
  const hours = new AlpacaMarketHours(
    () => trading.clock(),
    (message) => broker.notice('error', message),
  );
  const rest = new AlpacaMarketData({ credentials, endpoints, timeoutMs: options.timeoutMs });
  const { source, closeBars } = liveBars(connection, rest, hours, broker);
  const live = connection.mode === 'LIVE';
  return {
    mode: connection.mode,
    source,
    clock: new WallClock(),
    broker,
    marketHours: hours,
    // All symbols of a round in one multi-symbol request: the downloader must start them together.
    concurrency: options.concurrency === 'auto' ? DEFAULT_CHUNK_SIZE : options.concurrency,
    seed: null,
    // Bars are the same whichever account asks; keyed by the data endpoint so a proxy's never mix with Alpaca's.
    cacheSource: `alpaca:${endpoints.dataUrl ?? 'default'}`,
    newPortfolioCash: snapshot.account.equity,
    brokerState: brokerState(snapshot, resume, openOrders),
    orderHistory: {
      ordersSince: (after) => trading.ordersSince(after),
      orderByClientOrderId: (clientOrderId) => trading.orderByClientOrderId(clientOrderId),
    },
    notify: (message) => broker.notice('info', message),
    checkpoint: () => ({ kind: 'alpaca', live, timeframe: options.timeframe, symbols: options.symbols }),
    close: async () => {
      await Promise.race([broker.settle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await Promise.all([stream.close(), closeBars()]);
    },
  };
}

/** Minute bars from the market-data stream while it is healthy, REST otherwise (daily bars: REST only). */
function liveBars(
  connection: AlpacaConnection,
  rest: MarketDataSource,
  hours: AlpacaMarketHours,
  broker: AlpacaBroker,
): { source: MarketDataSource; closeBars: () => Promise<void> } {
  const { options, credentials, endpoints } = connection;
  if (options.timeframe === '1Day') return { source: rest, closeBars: async () => {} };
  const buffered = new StreamOrRestBars(rest, options.timeframe);
  const health = new BarStreamHealth();
  const stream = new LiveBarStream({
    credentials,
    ...(endpoints.dataStreamUrl === undefined ? {} : { url: endpoints.dataStreamUrl }),
    symbols: options.symbols,
    onBar: (symbol, bar) => buffered.push(symbol, bar),
    onStatus: (status) => {
      buffered.setHealthy(status.state === 'subscribed', Date.now());
      const notice = health.onStatus(status);
      if (notice !== null) broker.notice(notice.kind, notice.message);
    },
    isMarketOpen: () => hours.lastKnownOpen(),
  });
  stream.start();
  return { source: buffered, closeBars: () => stream.close() };
}

function toMarketOrder(order: AlpacaOrder, time: number): MarketOrder[] {
  if (order.qty === null) return [];
  const qty = order.qty - order.filledQty;
  return qty > 0 ? [{ clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side, qty, time }] : [];
}

/** Alpaca's account, with a note for each difference from the saved run. */
function brokerState(
  snapshot: AlpacaSnapshot,
  resume: ResumeState | null,
  openOrders: readonly MarketOrder[],
): BrokerState {
  const { account } = snapshot;
  const notes: string[] = [];
  const positions = snapshot.positions.filter((p) => {
    if (p.qty > 0) return true;
    notes.push(`Alpaca holds a short position of ${-p.qty} ${p.symbol}; it is left alone and not counted`);
    return false;
  });
  notes.push(
    `Alpaca account ${account.accountNumber} (${account.status}): cash ${account.cash.toFixed(2)}, equity ${account.equity.toFixed(2)}, ${formatCount(positions.length, 'position')}, ${formatCount(openOrders.length, 'open order')}`,
  );
  if (resume !== null) {
    const saved = resume.checkpoint;
    if (Math.abs(saved.cash - account.cash) >= 0.01)
      notes.push(
        `cash differs from the saved run: saved ${saved.cash.toFixed(2)}, Alpaca ${account.cash.toFixed(2)}; using Alpaca's`,
      );
    const savedQty = new Map(saved.positions.map((p) => [p.symbol, p.qty]));
    const alpacaQty = new Map(positions.map((p) => [p.symbol, p.qty]));
    for (const symbol of new Set([...savedQty.keys(), ...alpacaQty.keys()])) {
      const before = savedQty.get(symbol) ?? 0;
      const after = alpacaQty.get(symbol) ?? 0;
      if (before !== after)
        notes.push(`position ${symbol} differs from the saved run: saved ${before}, Alpaca ${after}; using Alpaca's`);
    }
    const open = new Set(openOrders.map((o) => o.clientOrderId));
    for (const order of saved.workingOrders) {
      if (!open.has(order.clientOrderId))
        notes.push(
          `saved working order ${order.clientOrderId} (${order.side} ${order.qty} ${order.symbol}) is no longer open at Alpaca`,
        );
    }
  }
  return {
    cash: account.cash,
    positions: positions.map((p) => ({
      symbol: p.symbol,
      qty: p.qty,
      avgPrice: p.avgEntryPrice,
      lastPrice: p.currentPrice,
    })),
    notes,
  };
}
