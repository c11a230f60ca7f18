import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LiveBarStream, type LiveBarStreamOptions, type LiveBarStreamStatus } from '../src/broker/alpaca/bar-stream.js';
import {
  TradeUpdateStream,
  type Fill,
  type TradeUpdateStreamStatus,
} from '../src/broker/alpaca/trade-update-stream.js';
import type { Bar } from '../src/core/model.js';
import { FakeMarketDataStream, FakeTradingStream, type FakeBar } from './fake-alpaca/fake-streams.js';
import { heapAfterGc } from './support/gc.js';

const KEY = 'PKTESTKEY0123456789';
const SECRET = 'sEcReT/with+chars=0123456789abcdef';
const credentials = { keyId: KEY, secretKey: SECRET };

const resources = (): string => process.getActiveResourcesInfo().sort().join(',');

/** The active resources once they have stopped changing (earlier tests' sockets wind down). */
async function settledResources(): Promise<string> {
  let last = resources();
  for (let stable = 0; stable < 5;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = resources();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function bar(symbol: string, minute: number, close: number): FakeBar {
  const time = new Date(Date.UTC(2025, 0, 6, 14, 30 + minute)).toISOString();
  return { symbol, time, open: close - 1, high: close + 1, low: close - 2, close, volume: 1200 };
}

interface Harness {
  readonly stream: LiveBarStream;
  readonly bars: Array<[string, Bar]>;
  readonly statuses: LiveBarStreamStatus[];
  /** How many times the stream has reached `subscribed`. */
  subscriptions(): number;
}

function barStream(url: string, options: Partial<LiveBarStreamOptions> = {}): Harness {
  const bars: Array<[string, Bar]> = [];
  const statuses: LiveBarStreamStatus[] = [];
  const stream = new LiveBarStream({
    credentials,
    url,
    symbols: ['AAPL', 'MSFT'],
    onBar: (symbol, b) => bars.push([symbol, b]),
    onStatus: (s) => statuses.push(s),
    initialReconnectMs: 2,
    maxReconnectMs: 20,
    reconnectJitter: 0,
    ...options,
  });
  return { stream, bars, statuses, subscriptions: () => statuses.filter((s) => s.state === 'subscribed').length };
}

describe('LiveBarStream against the fake market-data stream', () => {
  const fake = new FakeMarketDataStream({ keyId: KEY, secretKey: SECRET });
  let url = '';
  before(async () => {
    url = await fake.start();
  });
  after(() => fake.stop());

  test('bars arrive parsed, to the one handler', async () => {
    const h = barStream(url);
    h.stream.start();
    await waitFor('subscribed', () => h.stream.status().state === 'subscribed');
    assert.deepEqual(fake.subscriptionsOf(), [['AAPL', 'MSFT']]);
    assert.equal(fake.pushBar(bar('AAPL', 0, 190.5)), 1);
    fake.pushBar(bar('MSFT', 0, 410.25));
    await waitFor('two bars', () => h.bars.length === 2);
    assert.deepEqual(h.bars[0], [
      'AAPL',
      { time: Date.UTC(2025, 0, 6, 14, 30), open: 189.5, high: 191.5, low: 188.5, close: 190.5, volume: 1200 },
    ]);
    assert.equal(h.bars[1]?.[0], 'MSFT');
    assert.ok((h.stream.status().lastMessageAt ?? 0) > 0);
    assert.deepEqual(
      h.statuses.map((s) => s.state),
      ['connecting', 'authenticated', 'subscribed'],
    );
    await h.stream.close();
  });

  test('a dropped stream reconnects and resubscribes', async () => {
    const h = barStream(url);
    h.stream.start();
    await waitFor('subscribed', () => h.subscriptions() === 1);
    fake.drop();
    await waitFor('resubscribed', () => h.subscriptions() === 2);
    assert.ok(h.statuses.some((s) => s.state === 'down'));
    assert.deepEqual(fake.subscriptionsOf(), [['AAPL', 'MSFT']]);
    fake.pushBar(bar('AAPL', 1, 191));
    await waitFor('a bar after the reconnect', () => h.bars.length === 1);
    await h.stream.close();
  });

  test('silence is detected while the market is open, and ends with the next message', async () => {
    let open = false;
    const h = barStream(url, { barIntervalMs: 20, silentAfterIntervals: 2, isMarketOpen: () => open });
    h.stream.start();
    await waitFor('subscribed', () => h.subscriptions() === 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(h.stream.status().state, 'subscribed', 'not silent while the market is closed');
    open = true;
    await waitFor('silent', () => h.stream.status().state === 'silent');
    fake.pushBar(bar('AAPL', 2, 192));
    await waitFor('live again', () => h.stream.status().state === 'subscribed');
    assert.equal(h.bars.length, 1);
    await h.stream.close();
  });

  test('406 connection limit exceeded: waits the configured expiry before reconnecting', async () => {
    const before = fake.connectionTimes.length;
    fake.connectionLimitAnswers = 1;
    const h = barStream(url, { connectionLimitWaitMs: 300 });
    h.stream.start();
    await waitFor('406 reported', () => h.stream.status().error?.includes('connection limit exceeded') === true);
    assert.equal(h.stream.status().state, 'down');
    await waitFor('subscribed after the wait', () => h.subscriptions() === 1, 10_000);
    const times = fake.connectionTimes.slice(before);
    assert.equal(times.length, 2, 'one reconnect only, no ~1 s SDK retries meanwhile');
    assert.ok((times[1] ?? 0) - (times[0] ?? 0) >= 290, `reconnected after ${(times[1] ?? 0) - (times[0] ?? 0)} ms`);
    await h.stream.close();
  });

  test('100 reconnects leave listeners, subscriptions, sockets and heap unchanged', async () => {
    const h = barStream(url);
    const { stream: sdk, sockets } = h.stream.internals();
    h.stream.start();
    await waitFor('subscribed', () => h.subscriptions() === 1);
    const sdkListeners = (): Record<string, number> =>
      Object.fromEntries(sdk.eventNames().map((e) => [String(e), sdk.listenerCount(e)]));
    const socketListeners = (): Record<string, number> => {
      const socket = sockets.current();
      assert.ok(socket);
      return Object.fromEntries(['open', 'message', 'error', 'close', 'pong'].map((e) => [e, socket.listenerCount(e)]));
    };
    const reconnect = async (): Promise<void> => {
      const n = h.subscriptions();
      fake.drop();
      await waitFor('resubscribed', () => h.subscriptions() === n + 1);
    };
    for (let i = 0; i < 10; i += 1) await reconnect();
    const sdkBefore = sdkListeners();
    const socketBefore = socketListeners();
    const subscriptionsBefore = sdk.getSubscriptions();
    h.statuses.length = 0;
    const heapBefore = heapAfterGc();
    for (let i = 0; i < 100; i += 1) {
      await reconnect();
      h.statuses.length = 0;
    }
    const heapAfter = heapAfterGc();
    assert.deepEqual(sdkListeners(), sdkBefore);
    assert.deepEqual(socketListeners(), socketBefore);
    assert.deepEqual(sdk.getSubscriptions(), subscriptionsBefore);
    assert.deepEqual(fake.subscriptionsOf(), [['AAPL', 'MSFT']]);
    assert.equal(sockets.openCount(), 1);
    assert.ok(heapAfter - heapBefore < 4 * 1024 * 1024, `heap grew by ${heapAfter - heapBefore} bytes`);
    await h.stream.close();
  });

  test('close() leaves no timers and no sockets', async () => {
    const baseline = await settledResources();
    const h = barStream(url, { barIntervalMs: 50 });
    h.stream.start();
    await waitFor('subscribed', () => h.subscriptions() === 1);
    await h.stream.close();
    await waitFor('no server session', () => fake.connectionCount() === 0);
    // Within 4 s (it takes milliseconds; room for a loaded machine, and still under the SDK's shortest
    // timer, the keepalive's 5 s pong wait): a lingering timer or socket (a 30 s close handshake, a
    // reconnect wait) fails this.
    await waitFor(`resources back to ${baseline}`, () => resources() === baseline, 4_000);
    assert.equal(h.stream.internals().sockets.openCount(), 0);
  });

  test('close() while waiting to reconnect cancels the wait', async () => {
    const baseline = await settledResources();
    fake.connectionLimitAnswers = 1;
    const h = barStream(url, { connectionLimitWaitMs: 60_000 });
    h.stream.start();
    await waitFor('406', () => h.stream.status().error?.includes('connection limit') === true);
    await h.stream.close();
    await waitFor('no server session', () => fake.connectionCount() === 0);
    // Within 4 s (it takes milliseconds; room for a loaded machine, and still under the SDK's shortest
    // timer, the keepalive's 5 s pong wait): a lingering timer or socket (a 30 s close handshake, a
    // reconnect wait) fails this.
    await waitFor(`resources back to ${baseline}`, () => resources() === baseline, 4_000);
  });

  test('auth failure: down for good, a clear error, the secret redacted', async () => {
    fake.refuseAuth = true;
    try {
      const h = barStream(url);
      h.stream.start();
      await waitFor('auth failure', () => h.stream.status().authFailed);
      const status = h.stream.status();
      assert.equal(status.state, 'down');
      assert.match(status.error ?? '', /Alpaca rejected the API key/);
      const connections = fake.connectionTimes.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(fake.connectionTimes.length, connections, 'no reconnect with refused credentials');
      for (const s of h.statuses) {
        assert.ok(!(s.error ?? '').includes(SECRET));
        assert.ok(!(s.error ?? '').includes(KEY));
      }
      await h.stream.close();
    } finally {
      fake.refuseAuth = false;
    }
  });
});

describe('TradeUpdateStream against the fake trading stream', () => {
  const fake = new FakeTradingStream({ keyId: KEY, secretKey: SECRET });
  let url = '';
  before(async () => {
    url = await fake.start();
  });
  after(() => fake.stop());

  function tradeStream(): { stream: TradeUpdateStream; fills: Fill[]; statuses: TradeUpdateStreamStatus[] } {
    const fills: Fill[] = [];
    const statuses: TradeUpdateStreamStatus[] = [];
    const stream = new TradeUpdateStream({
      credentials,
      url,
      onFill: (f) => fills.push(f),
      onStatus: (s) => statuses.push(s),
      initialReconnectMs: 2,
      maxReconnectMs: 20,
      reconnectJitter: 0,
    });
    return { stream, fills, statuses };
  }

  test('fills are parsed from string numbers; a drop reconnects and listens again', async () => {
    const baseline = await settledResources();
    const t = tradeStream();
    t.stream.start();
    await waitFor('listening', () => t.stream.status().state === 'listening');
    const fill = {
      clientOrderId: 'tt-1',
      symbol: 'AAPL',
      side: 'buy',
      qty: '3',
      price: '190.125',
      filledQty: '3',
      orderQty: '5',
      timestamp: '2025-01-06T14:31:02.123456789Z',
    } as const;
    assert.equal(fake.pushFill({ ...fill, event: 'partial_fill' }), 1);
    await waitFor('a fill', () => t.fills.length === 1);
    assert.deepEqual(t.fills[0], {
      event: 'partial_fill',
      clientOrderId: 'tt-1',
      orderId: 'order-tt-1',
      symbol: 'AAPL',
      side: 'buy',
      qty: 3,
      price: 190.125,
      filledQty: 3,
      time: Date.parse('2025-01-06T14:31:02.123Z'),
    });
    fake.drop();
    await waitFor('listening again', () => t.statuses.filter((s) => s.state === 'listening').length === 2);
    fake.pushFill({ ...fill, event: 'fill', qty: '2', filledQty: '5', price: '190.5' });
    await waitFor('second fill', () => t.fills.length === 2);
    assert.equal(t.fills[1]?.event, 'fill');
    assert.equal(t.fills[1]?.filledQty, 5);
    await t.stream.close();
    await waitFor('no server session', () => fake.connectionCount() === 0);
    // Within 4 s (it takes milliseconds; room for a loaded machine, and still under the SDK's shortest
    // timer, the keepalive's 5 s pong wait): a lingering timer or socket (a 30 s close handshake, a
    // reconnect wait) fails this.
    await waitFor(`resources back to ${baseline}`, () => resources() === baseline, 4_000);
  });

  test('auth failure is terminal and clear', async () => {
    fake.refuseAuth = true;
    try {
      const t = tradeStream();
      t.stream.start();
      await waitFor('auth failure', () => t.stream.status().authFailed);
      assert.equal(t.stream.status().state, 'down');
      assert.match(t.stream.status().error ?? '', /Alpaca rejected the API key/);
      assert.ok(!(t.stream.status().error ?? '').includes(SECRET));
      await t.stream.close();
    } finally {
      fake.refuseAuth = false;
    }
  });
});
