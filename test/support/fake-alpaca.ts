/**
 * The fake Alpaca as the end-to-end tests start it: the REST server, the trading stream and the market
 * data stream on 127.0.0.1, and the APCA_API_* environment that points the bot at them (nothing leaves
 * the machine). What the fake does with each accepted order is the test's to say.
 */
import { FakeAlpacaServer, type FakeAlpacaOptions, type FakeOrder } from '../fake-alpaca/fake-alpaca-server.js';
import { FakeMarketDataStream, FakeTradingStream, wholeFill } from '../fake-alpaca/fake-streams.js';

export interface FakeAlpaca {
  readonly server: FakeAlpacaServer;
  readonly stream: FakeTradingStream;
  readonly data: FakeMarketDataStream;
  /** APCA_API_* for the bot: these keys, every endpoint at the fakes. */
  readonly env: NodeJS.ProcessEnv;
  /** Client order ids filled on the trading stream by `fillOnStream`, in order. */
  readonly streamedFills: string[];
  close(): Promise<void>;
}

/**
 * The account a bot starts against unless the test says otherwise: 10 days of bars ending now, of which the
 * newest 20 are released one per bars request (so a bot's refresh rounds find new bars).
 */
const BOT_ACCOUNT = { periodDays: 10, shiftToNow: true, holdBack: 20 } as const;

export interface FakeAlpacaStart extends Omit<FakeAlpacaOptions, 'onOrder'> {
  /**
   * Called as each order is accepted, with the symbol's last visible close; by default `fillOnStream`.
   * `null`: orders stay open.
   */
  readonly onOrder?: ((fake: FakeAlpaca, order: FakeOrder, lastClose: number) => void) | null;
}

/** How long after an order is accepted the market fills it. */
export const FILL_DELAY_MS = 5;

/**
 * A moment after the order is accepted, the whole order filled at the last close and said on the
 * trading stream; filled at Alpaca too once a client heard it (an order nobody heard of filling stays
 * open, as it would for a bot not connected).
 */
export function fillOnStream(fake: FakeAlpaca, order: FakeOrder, lastClose: number): void {
  setTimeout(() => {
    if (fake.stream.pushFill(wholeFill(order, lastClose)) === 0) return;
    fake.streamedFills.push(order.client_order_id);
    fake.server.markFilled(order.client_order_id, lastClose);
  }, FILL_DELAY_MS);
}

export async function startFakeAlpaca(options: FakeAlpacaStart): Promise<FakeAlpaca> {
  const { onOrder = fillOnStream, ...serverOptions } = options;
  const credentials = { keyId: options.keyId, secretKey: options.secretKey };
  const stream = new FakeTradingStream(credentials);
  const streamUrl = await stream.start();
  const data = new FakeMarketDataStream(credentials);
  const dataUrl = await data.start();
  let fake: FakeAlpaca | null = null;
  const server = await FakeAlpacaServer.start({
    ...BOT_ACCOUNT,
    ...serverOptions,
    ...(onOrder === null
      ? {}
      : {
          onOrder: (order: FakeOrder, close: number) => {
            if (fake !== null) onOrder(fake, order, close);
          },
        }),
  });
  fake = {
    server,
    stream,
    data,
    env: {
      APCA_API_KEY_ID: options.keyId,
      APCA_API_SECRET_KEY: options.secretKey,
      APCA_API_BASE_URL: server.url,
      APCA_API_DATA_URL: server.url,
      APCA_API_STREAM_URL: streamUrl,
      APCA_API_DATA_STREAM_URL: dataUrl,
    },
    streamedFills: [],
    close: async () => {
      await Promise.all([server.close(), stream.stop(), data.stop()]);
    },
  };
  return fake;
}

/**
 * Safety net for a test file: `fetch` refuses every host but 127.0.0.1 (and records each host asked in
 * `reached`) until the returned undo puts the real one back.
 */
export function onlyLocalFetch(reached: string[] = []): () => void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    reached.push(url.hostname);
    if (url.hostname !== '127.0.0.1') throw new Error(`test tried to reach ${url.host}`);
    return realFetch(input, init);
  };
  return () => {
    globalThis.fetch = realFetch;
  };
}
