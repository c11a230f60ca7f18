import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveBarStream } from '../src/broker/alpaca/bar-stream.js';
import { BarStreamHealth, type StreamNotice } from '../src/broker/alpaca/stream-health.js';
import { FakeMarketDataStream } from './fake-alpaca/fake-streams.js';

const KEY = 'PKTESTKEY0123456789';
const SECRET = 'sEcReT/with+chars=0123456789abcdef';

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('a silent market-data stream is noticed within a few bar intervals, said once, and said again when back', async () => {
  const fake = new FakeMarketDataStream({ keyId: KEY, secretKey: SECRET });
  const url = await fake.start();
  const barIntervalMs = 40;
  const notices: { at: number; notice: StreamNotice }[] = [];
  const health = new BarStreamHealth();
  const stream = new LiveBarStream({
    credentials: { keyId: KEY, secretKey: SECRET },
    url,
    symbols: ['AAPL'],
    onBar: () => {},
    onStatus: (status) => {
      const notice = health.onStatus(status);
      if (notice !== null) notices.push({ at: Date.now(), notice });
    },
    barIntervalMs,
    initialReconnectMs: 2,
    maxReconnectMs: 20,
    reconnectJitter: 0,
  });
  try {
    stream.start();
    await waitFor('subscribed', () => stream.status().state === 'subscribed');
    const push = (minute: number): void => {
      const time = new Date(Date.UTC(2025, 0, 6, 14, 30 + minute)).toISOString();
      fake.pushBar({ symbol: 'AAPL', time, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });
    };
    // Bars flow: nothing to say.
    for (let i = 0; i < 5; i++) {
      push(i);
      await new Promise((resolve) => setTimeout(resolve, barIntervalMs / 2));
    }
    assert.equal(notices.length, 0);
    const quietFrom = Date.now();
    await waitFor('silent', () => stream.status().state === 'silent');
    const noticedAfter = Date.now() - quietFrom;
    assert.ok(noticedAfter <= 4 * barIntervalMs + 50, `noticed after ${noticedAfter} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5 * barIntervalMs));
    assert.equal(notices.length, 1, 'said once, not at every check');
    assert.equal(notices[0]?.notice.kind, 'error');
    assert.match(
      notices[0]?.notice.message ?? '',
      /^market-data stream silent \(no message since \d{4}-.*Z\); bars come from REST$/,
    );
    push(10);
    await waitFor('back', () => stream.status().state === 'subscribed');
    assert.equal(notices.length, 2);
    assert.equal(notices[1]?.notice.kind, 'info');
    assert.match(
      notices[1]?.notice.message ?? '',
      /^market-data stream back after \d+ s of silence; bars come from the stream again$/,
    );
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
