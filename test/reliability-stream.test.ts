import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveBarStream } from '../src/broker/alpaca/bar-stream.js';
import { BarStreamHealth, type StreamNotice } from '../src/broker/alpaca/stream-health.js';
import { FakeMarketDataStream } from './fake-alpaca/fake-streams.js';

const KEY = 'PKTESTKEY0123456789';
const SECRET = 'sEcReT/with+chars=0123456789abcdef';

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  // A guard against a hang only: each wait is for an event, not for time to pass.
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('a silent market-data stream is noticed after two bar intervals, said once, and said again when back', async () => {
  const fake = new FakeMarketDataStream({ keyId: KEY, secretKey: SECRET });
  const url = await fake.start();
  const barIntervalMs = 40;
  // The stream's clock and the notices' clock move only when the test moves them, so how busy the
  // machine is decides nothing: silence is measured in this clock, checked on the stream's own timer.
  let clock = Date.UTC(2025, 0, 6, 14, 35);
  const now = (): number => clock;
  // Each silence check while subscribed asks whether the market is open: that counts the checks
  // (none are counted once it is silent, so the wait ends there too).
  let checks = 0;
  const checked = async (count: number): Promise<void> => {
    const target = checks + count;
    await waitFor(`${count} silence checks`, () => checks >= target || stream.status().state !== 'subscribed');
  };
  let bars = 0;
  const notices: StreamNotice[] = [];
  const health = new BarStreamHealth(now);
  const stream = new LiveBarStream({
    credentials: { keyId: KEY, secretKey: SECRET },
    url,
    symbols: ['AAPL'],
    onBar: () => bars++,
    onStatus: (status) => {
      const notice = health.onStatus(status);
      if (notice !== null) notices.push(notice);
    },
    barIntervalMs,
    isMarketOpen: () => {
      checks++;
      return true;
    },
    now,
    initialReconnectMs: 2,
    maxReconnectMs: 20,
    reconnectJitter: 0,
  });
  try {
    stream.start();
    await waitFor('subscribed', () => stream.status().state === 'subscribed');
    const push = async (minute: number): Promise<void> => {
      const seen = bars;
      const time = new Date(Date.UTC(2025, 0, 6, 14, 30 + minute)).toISOString();
      fake.pushBar({ symbol: 'AAPL', time, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });
      await waitFor(`bar ${minute}`, () => bars > seen);
    };
    // Bars flow, one a bar interval, the stream checked between them: nothing to say.
    for (let i = 0; i < 5; i++) {
      await push(i);
      clock += barIntervalMs;
      await checked(3);
    }
    assert.equal(notices.length, 0);
    assert.equal(stream.status().state, 'subscribed');

    // Quiet for exactly two bar intervals: not yet silent; a millisecond more, and it is.
    const lastMessageAt = stream.status().lastMessageAt ?? NaN;
    clock = lastMessageAt + 2 * barIntervalMs;
    await checked(3);
    assert.equal(stream.status().state, 'subscribed', 'not silent before two bar intervals');
    clock += 1;
    await checked(3);
    assert.equal(stream.status().state, 'silent', 'silent after two bar intervals and a millisecond');
    assert.equal(notices.length, 1);
    assert.deepEqual(notices[0], {
      kind: 'error',
      message: `market-data stream silent (no message since ${new Date(lastMessageAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}); bars come from REST`,
    });
    // Still silent at later checks (the stream's timer keeps running): said once, not at every check.
    clock += 10 * barIntervalMs;
    await new Promise((resolve) => setTimeout(resolve, 5 * barIntervalMs));
    assert.equal(notices.length, 1, 'said once, not at every check');

    clock = lastMessageAt + 7_000;
    await push(10);
    await waitFor('back', () => stream.status().state === 'subscribed');
    assert.equal(notices.length, 2);
    assert.deepEqual(notices[1], {
      kind: 'info',
      message: 'market-data stream back after 7 s of silence; bars come from the stream again',
    });
  } finally {
    await stream.close();
    await fake.stop();
  }
});

test('stream health: a drop and its recovery are said; the first connection is not news', () => {
  let now = 1_000_000;
  const health = new BarStreamHealth(() => now);
  const status = (state: 'connecting' | 'subscribed' | 'down' | 'silent', error?: string) => ({
    state,
    lastMessageAt: now - 10_000,
    authFailed: false,
    ...(error === undefined ? {} : { error }),
  });
  assert.equal(health.onStatus(status('connecting')), null);
  assert.equal(health.onStatus(status('subscribed')), null);
  assert.deepEqual(health.onStatus(status('down')), {
    kind: 'info',
    message: 'market-data stream down; bars come from REST',
  });
  assert.equal(health.onStatus(status('connecting')), null);
  assert.equal(health.onStatus(status('down')), null, 'a second drop while down is not news');
  now += 65_000;
  assert.deepEqual(health.onStatus(status('subscribed')), {
    kind: 'info',
    message: 'market-data stream back after 1 min 5 s down; bars come from the stream again',
  });
});
