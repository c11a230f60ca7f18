/** The Alpaca market-data adapter, driving the real SDK against the fake Alpaca server on 127.0.0.1. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AlpacaAuthError,
  AlpacaMarketData,
  redactSecrets,
  type AlpacaMarketDataOptions,
} from '../src/broker/alpaca/alpaca-market-data.js';
import { alpacaEndpointsFromEnv } from '../src/broker/alpaca/alpaca-sdk.js';
import { Downloader } from '../src/market/downloader.js';
import type { Bar, BarColumns } from '../src/core/model.js';
import { barsFromColumns } from '../src/core/bar-columns.js';
import { TransientError } from '../src/market/types.js';
import { FakeAlpacaServer, type FakeRequest } from './fake-alpaca/fake-alpaca-server.js';
import { onlyLocalFetch } from './support/fake-alpaca.js';
import { waitUntil as waitUntilShared } from './support/wait-until.js';

const KEY_ID = 'PKTESTKEY0123456789';
const SECRET = 'sEcReT/abc+def==ghijklmnopqrstuvwxyz0123';
const SYMBOLS = Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const BARS_PATH = '/v2/stocks/bars';

let fake: FakeAlpacaServer;
let restoreFetch = (): void => {};

before(async () => {
  fake = await FakeAlpacaServer.start({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols: SYMBOLS,
    periodDays: 60,
    echoKeyInErrors: true,
  });
  // Safety net: nothing in this file may leave the machine.
  restoreFetch = onlyLocalFetch();
});

after(async () => {
  restoreFetch();
  await fake.close();
});

function adapter(overrides: Partial<AlpacaMarketDataOptions> = {}): AlpacaMarketData {
  return new AlpacaMarketData({
    credentials: { keyId: KEY_ID, secretKey: SECRET },
    endpoints: { dataUrl: fake.url, tradingUrl: fake.url },
    retry: { retryDelayMs: 5, maxDelayMs: 2000 },
    ...overrides,
  });
}

/** Requests made while `run` ran, to the bars endpoint. */
async function barRequestsDuring<T>(run: () => Promise<T>): Promise<{ value: T; requests: FakeRequest[] }> {
  const before = fake.requests.length;
  const value = await run();
  return { value, requests: fake.requests.slice(before).filter((r) => r.path === BARS_PATH) };
}

function firstBarTime(symbol: string): number {
  return (fake.barsOf(symbol)[0] as Bar).time;
}

const ALL = (): number => firstBarTime('S00') - 1;

/** Each symbol with its own signal, as the downloader does. */
function fetchAll(source: AlpacaMarketData, symbols: readonly string[]): Promise<PromiseSettledResult<Bar[]>[]> {
  return Promise.allSettled(
    symbols.map((symbol) =>
      source
        .fetchBars({ symbol, timeframe: '15Min', after: ALL(), signal: new AbortController().signal })
        .then(barsFromColumns),
    ),
  );
}

const waitUntil = (condition: () => boolean, timeoutMs = 3000): Promise<void> => waitUntilShared(condition, timeoutMs);

function onlyPage(symbols: readonly string[], page: number): (r: FakeRequest) => boolean {
  return (r) =>
    r.path === BARS_PATH &&
    r.page === page &&
    (r.query.get('symbols') ?? '').split(',').some((s) => symbols.includes(s));
}

test('a backfill of 60 symbols takes chunks × pages requests, and every bar arrives intact', async () => {
  const source = adapter({ chunkSize: 30 });
  const { value: results, requests } = await barRequestsDuring(() => fetchAll(source, SYMBOLS));
  const perSymbol = fake.barsOf('S00').length;
  assert.ok(perSymbol > 1000, `the fake holds ${perSymbol} bars a symbol`);
  const pagesPerChunk = Math.ceil((30 * perSymbol) / 10_000);
  assert.equal(pagesPerChunk, 4);
  assert.equal(requests.length, 2 * pagesPerChunk, 'two chunks of 30 symbols, each paged to the end');
  for (const r of requests) {
    assert.equal(r.query.get('symbols')?.split(',').length, 30);
    assert.equal(r.query.get('timeframe'), '15Min');
    assert.equal(r.query.get('limit'), '10000');
    assert.equal(r.query.get('start'), new Date(ALL() + 1).toISOString());
  }
  results.forEach((result, i) => {
    const symbol = SYMBOLS[i] ?? '';
    assert.equal(result.status, 'fulfilled', symbol);
    if (result.status === 'fulfilled') assert.deepEqual(result.value, fake.barsOf(symbol), symbol);
  });
});

test('only bars after `after` come back; `limit` keeps the newest', async () => {
  const source = adapter();
  const held = fake.barsOf('S01');
  const cut = (held[held.length - 11] as Bar).time;
  const [tail] = await Promise.all([
    source.fetchBars({ symbol: 'S01', timeframe: '15Min', after: cut, signal: new AbortController().signal }),
  ]);
  assert.deepEqual(barsFromColumns(tail as BarColumns), held.slice(-10));
  const { value: newest, requests } = await barRequestsDuring(() =>
    source.fetchBars({
      symbol: 'S02',
      timeframe: '15Min',
      after: ALL(),
      limit: 5,
      signal: new AbortController().signal,
    }),
  );
  assert.deepEqual(barsFromColumns(newest), fake.barsOf('S02').slice(-5));
  assert.equal(requests.length, 1);
  assert.equal(requests[0]?.query.get('sort'), 'desc');
});

test('429 with Retry-After: the SDK waits as told and retries; the adapter sees only the success', async () => {
  fake.addFault({ when: onlyPage(['S03'], 0), response: { kind: 'status', status: 429, retryAfter: '1' } });
  const source = adapter();
  const started = performance.now();
  const { value, requests } = await barRequestsDuring(() => fetchAll(source, ['S03', 'S04']));
  assert.ok(performance.now() - started >= 900, 'Retry-After: 1 was honoured');
  assert.deepEqual(
    requests.map((r) => r.page),
    [0, 0],
  );
  assert.deepEqual(
    value.map((r) => r.status),
    ['fulfilled', 'fulfilled'],
  );
});

test('a 429 that outlasts the SDK retries becomes a TransientError carrying Retry-After', async () => {
  fake.addFault({ when: onlyPage(['S05'], 0), times: 2, response: { kind: 'status', status: 429, retryAfter: '7' } });
  const source = adapter({ retry: { maxRetries: 1, retryDelayMs: 5, maxDelayMs: 20 } });
  const [result] = await fetchAll(source, ['S05']);
  assert.equal(result?.status, 'rejected');
  const err = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof TransientError);
  assert.equal(err.retryAfterMs, 7000);
  assert.match(err.message, /S05.*429/);
});

test('a 500 on a later page is retried by the SDK for that page only', async () => {
  fake.addFault({ when: onlyPage(['S06'], 1), response: { kind: 'status', status: 500 } });
  const symbols = SYMBOLS.slice(6, 26);
  const source = adapter({ pageLimit: 5000 });
  const { value, requests } = await barRequestsDuring(() => fetchAll(source, symbols));
  const pages = Math.ceil((symbols.length * fake.barsOf('S06').length) / 5000);
  assert.equal(requests.length, pages + 1, 'one extra request: the failed page again');
  assert.deepEqual(
    requests.map((r) => r.page),
    [0, 1, 1, ...Array.from({ length: pages - 2 }, (_, i) => i + 2)],
  );
  value.forEach((result, i) => {
    assert.equal(result.status, 'fulfilled');
    if (result.status === 'fulfilled') assert.deepEqual(result.value, fake.barsOf(symbols[i] ?? ''));
  });
});

test('5xx that outlasts the SDK retries, and a refused connection, are TransientErrors', async () => {
  fake.addFault({
    when: onlyPage(['S07'], 0),
    times: 3,
    response: { kind: 'status', status: 503, message: 'service unavailable' },
  });
  const [result] = await fetchAll(adapter(), ['S07']);
  const err = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof TransientError, String(err));
  assert.match(err.message, /S07: HTTP 503: service unavailable/);

  const gone = await FakeAlpacaServer.start({ keyId: KEY_ID, secretKey: SECRET, symbols: [] });
  const url = gone.url;
  await gone.close();
  const [refused] = await fetchAll(adapter({ endpoints: { dataUrl: url }, retry: false }), ['S07']);
  assert.ok((refused as PromiseRejectedResult).reason instanceof TransientError);
});

test('a hung request ends when every symbol waiting on it aborts, and the server sees the connection closed', async () => {
  fake.addFault({ when: onlyPage(['S08'], 0), response: { kind: 'hang' } });
  const source = adapter();
  const a = new AbortController();
  const b = new AbortController();
  const pa = source.fetchBars({ symbol: 'S08', timeframe: '15Min', after: ALL(), signal: a.signal });
  const pb = source.fetchBars({ symbol: 'S09', timeframe: '15Min', after: ALL(), signal: b.signal });
  await waitUntil(() => fake.requests.some((r) => r.status === 'hung'));
  const closedBefore = fake.hungClosed;
  a.abort(new Error('timed out after 100 ms'));
  await assert.rejects(pa, /timed out after 100 ms/);
  await sleep(50);
  assert.equal(fake.hungClosed, closedBefore, 'S09 still waits on the request');
  b.abort(new Error('cancelled'));
  await assert.rejects(pb, /cancelled/);
  await waitUntil(() => fake.hungClosed === closedBefore + 1);
});

test('the downloader timeout cuts a hung request; the SDK timeout does too, as a TransientError', async () => {
  fake.addFault({ when: onlyPage(['S10'], 0), response: { kind: 'hang' } });
  const closedBefore = fake.hungClosed;
  const downloader = new Downloader({ concurrency: 4, timeoutMs: 150, maxRetries: 0 });
  const source = adapter();
  const round = await downloader.runRound(
    'backfill',
    ['S10'],
    (symbol, signal) => source.fetchBars({ symbol, timeframe: '15Min', after: ALL(), signal }),
    () => {},
    (bars) => bars.length,
  );
  assert.equal(round.counts['timed-out'], 1);
  await waitUntil(() => fake.hungClosed === closedBefore + 1);

  fake.addFault({ when: onlyPage(['S11'], 0), response: { kind: 'hang' } });
  const [result] = await fetchAll(adapter({ timeoutMs: 150, retry: false }), ['S11']);
  const err = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof TransientError, String(err));
  assert.match(err.message, /S11.*timed out/i);
  await waitUntil(() => fake.hungClosed === closedBefore + 2);
});

test('a body cut off once is tried again: every symbol of the request gets its bars', async () => {
  fake.addFault({ when: onlyPage(['S12'], 0), response: { kind: 'body', body: '{"bars": {"S12": [' } });
  const { value: results, requests } = await barRequestsDuring(() => fetchAll(adapter(), ['S12', 'S13']));
  for (const [i, result] of results.entries()) {
    assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
    assert.equal((result as PromiseFulfilledResult<Bar[]>).value.length, fake.barsOf(`S1${2 + i}`).length);
  }
  assert.equal(requests.filter((r) => r.page === 0).length, 2, 'the cut-off page, then its retry');
});

test('a symbol whose data always breaks the body is isolated by splitting the request; the rest arrive', async () => {
  const symbols = SYMBOLS.slice(40, 56);
  const bad = 'S45';
  fake.addFault({
    when: (r) => r.path === BARS_PATH && (r.query.get('symbols') ?? '').split(',').includes(bad),
    times: 1000,
    response: { kind: 'body', body: '{"bars": {"S45": [{"t": "2025-' },
  });
  try {
    const { value: results, requests } = await barRequestsDuring(() => fetchAll(adapter(), symbols));
    for (const [i, result] of results.entries()) {
      const symbol = symbols[i] as string;
      if (symbol === bad) {
        const err = (result as PromiseRejectedResult).reason as unknown;
        assert.ok(err instanceof TransientError, `a cut-off body is transient: ${String(err)}`);
        assert.match(err.message, /^Alpaca bars for S45: malformed response: the body is not JSON/);
      } else {
        assert.equal(result.status, 'fulfilled', `${symbol}: ${String((result as PromiseRejectedResult).reason)}`);
        assert.equal((result as PromiseFulfilledResult<Bar[]>).value.length, fake.barsOf(symbol).length, symbol);
      }
    }
    // Halving 16 symbols down to one: a handful of requests, not one per symbol.
    const firstPages = requests.filter((r) => r.page === 0).length;
    assert.ok(firstPages <= 16, `${firstPages} first-page requests`);
  } finally {
    fake.clearFaults();
  }
});

test('a page without "bars" fails its request; a bad bar fails only its own symbol', async () => {
  fake.addFault({ when: onlyPage(['S14'], 0), response: { kind: 'body', body: '{"next_page_token": null}' } });
  const [missing] = await fetchAll(adapter(), ['S14']);
  assert.match(
    String((missing as PromiseRejectedResult).reason),
    /PermanentError: Alpaca bars for S14: malformed response: no "bars"/,
  );

  const good = { t: '2025-01-06T14:30:00Z', o: 1, h: 2, l: 0.5, c: 1.5, v: 100, n: 3, vw: 1.2 };
  const body = JSON.stringify({
    bars: {
      S15: [good, { ...good, t: 'yesterday' }],
      S16: [good, { ...good, t: '2025-01-06T14:45:00Z', c: 'NaN' }],
      S17: [good],
    },
    next_page_token: null,
  });
  fake.addFault({ when: onlyPage(['S15'], 0), response: { kind: 'body', body } });
  const [s15, s16, s17, s18] = await fetchAll(adapter(), ['S15', 'S16', 'S17', 'S18']);
  assert.match(
    String((s15 as PromiseRejectedResult).reason),
    /PermanentError: .*S15.*bar 1 of S15: "t" is not an RFC 3339 time \("yesterday"\)/,
  );
  assert.match(
    String((s16 as PromiseRejectedResult).reason),
    /PermanentError: .*S16.*"c" is not a non-negative number \("NaN"\)/,
  );
  assert.deepEqual((s17 as PromiseFulfilledResult<Bar[]>).value, [
    { time: Date.UTC(2025, 0, 6, 14, 30), open: 1, high: 2, low: 0.5, close: 1.5, volume: 100 },
  ]);
  assert.deepEqual((s18 as PromiseFulfilledResult<Bar[]>).value, [], 'a symbol absent from the page has no bars');
});

test('bad keys give an AlpacaAuthError without the key or the secret in it; so does a 403', async () => {
  const [result] = await fetchAll(adapter({ credentials: { keyId: KEY_ID, secretKey: 'wrong-secret-value-123' } }), [
    'S19',
  ]);
  const err = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof AlpacaAuthError);
  assert.equal(err.status, 401);
  assert.match(err.message, /^Alpaca rejected the API key \(HTTP 401\): request is not authorized/);
  for (const text of [err.message, String(err.stack), String(err)]) {
    assert.ok(!text.includes('wrong-secret-value-123'), 'no secret');
    assert.ok(!text.includes(KEY_ID), 'no key id');
  }
  assert.match(err.message, /\[REDACTED\]/, 'the server did echo them');

  fake.addFault({
    when: onlyPage(['S20'], 0),
    response: { kind: 'status', status: 403, code: 40310000, message: 'forbidden' },
  });
  const [forbidden] = await fetchAll(adapter(), ['S20']);
  assert.match(
    String((forbidden as PromiseRejectedResult).reason),
    /AlpacaAuthError: Alpaca rejected the API key \(HTTP 403\): forbidden/,
  );
});

test('redactSecrets hides every occurrence, raw and URL-encoded, and ignores empty secrets', () => {
  const text = `key=${KEY_ID} secret=${SECRET} again ${encodeURIComponent(SECRET)} ${SECRET}`;
  assert.equal(
    redactSecrets(text, [KEY_ID, SECRET, '']),
    'key=[REDACTED] secret=[REDACTED] again [REDACTED] [REDACTED]',
  );
  assert.equal(redactSecrets('nothing here', ['']), 'nothing here');
});

test('the Downloader runs a round of 60 symbols over the adapter in batched requests', async () => {
  const source = adapter();
  const received = new Map<string, Bar[]>();
  const downloader = new Downloader({ concurrency: 60, timeoutMs: 15_000 });
  const { value: round, requests } = await barRequestsDuring(() =>
    downloader.runRound<BarColumns>(
      'backfill',
      SYMBOLS,
      (symbol, signal) => source.fetchBars({ symbol, timeframe: '15Min', after: ALL(), signal }),
      (symbol, bars) => received.set(symbol, barsFromColumns(bars)),
      (bars) => bars.length,
    ),
  );
  assert.equal(round.counts.done, 60);
  assert.deepEqual(round.failedSymbols, []);
  const perSymbol = fake.barsOf('S00').length;
  assert.equal(round.bars, 60 * perSymbol);
  assert.equal(
    requests.length,
    Math.ceil((50 * perSymbol) / 10_000) + Math.ceil((10 * perSymbol) / 10_000),
    'chunks of 50 and 10',
  );
  for (const symbol of SYMBOLS) assert.deepEqual(received.get(symbol), fake.barsOf(symbol), symbol);
});

test('the fake serves clock, account and assets in Alpaca shapes', async () => {
  const headers = { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET };
  const account = (await (await fetch(`${fake.url}/v2/account`, { headers })).json()) as Record<string, unknown>;
  assert.equal(typeof account['cash'], 'string');
  const clock = (await (await fetch(`${fake.url}/v2/clock`, { headers })).json()) as Record<string, unknown>;
  assert.equal(clock['is_open'], true);
  const assets = (await (await fetch(`${fake.url}/v2/assets?status=active`, { headers })).json()) as unknown[];
  assert.equal(assets.length, 60);
  const refused = await fetch(`${fake.url}/v2/account`);
  assert.equal(refused.status, 401);
  assert.deepEqual(await refused.json(), {
    code: 40110000,
    message: 'request is not authorized (key undefined, secret undefined)',
  });
});

test('endpoint overrides come from the APCA_API_* variables only when set', () => {
  assert.deepEqual(alpacaEndpointsFromEnv({}), {});
  assert.deepEqual(
    alpacaEndpointsFromEnv({
      APCA_API_DATA_URL: 'http://127.0.0.1:9/',
      APCA_API_BASE_URL: ' ',
      APCA_API_STREAM_URL: 'ws://127.0.0.1:9/stream',
    }),
    {
      dataUrl: 'http://127.0.0.1:9',
      tradingStreamUrl: 'ws://127.0.0.1:9/stream',
    },
  );
});
