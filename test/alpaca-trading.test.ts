/** The Alpaca trading adapter, driving the real SDK against the fake Alpaca server on 127.0.0.1. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AlpacaAuthError } from '../src/broker/alpaca/alpaca-market-data.js';
import { TradingFields } from '../src/broker/alpaca/alpaca-sdk.js';
import { AlpacaOrderRejectedError, AlpacaTrading, AlpacaTradingError } from '../src/broker/alpaca/alpaca-trading.js';
import type { MarketOrder } from '../src/core/model.js';
import { FakeAlpacaServer, type LoggedRequest } from './fake-alpaca/fake-alpaca-server.js';
import { onlyLocalFetch } from './support/fake-alpaca.js';

const KEY_ID = 'PKTRADEKEY0123456789';
const SECRET = 'tRaDe/secret+value==0123456789abcdefXYZ';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'HALT'];
const ORDERS = '/v2/orders';

let fake: FakeAlpacaServer;
let restoreFetch = (): void => {};
const reached: string[] = [];

before(async () => {
  fake = await FakeAlpacaServer.start({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols: SYMBOLS,
    periodDays: 5,
    untradable: ['HALT'],
    positions: [{ symbol: 'AAA', qty: 10, avgEntryPrice: 101.25 }],
    echoKeyInErrors: true,
  });
  // Safety net: nothing in this file may leave the machine.
  restoreFetch = onlyLocalFetch(reached);
});

after(async () => {
  restoreFetch();
  await fake.close();
  assert.ok(reached.length > 0);
  assert.deepEqual([...new Set(reached)], ['127.0.0.1'], 'no request to any host but 127.0.0.1');
});

function adapter(secretKey = SECRET): AlpacaTrading {
  return new AlpacaTrading({
    credentials: { keyId: KEY_ID, secretKey },
    endpoints: { tradingUrl: fake.url },
    // Long enough for a loaded CI machine; the hung-request test waits it out once.
    timeoutMs: 1500,
    retry: { retryDelayMs: 5, maxDelayMs: 50 },
  });
}

let nextId = 0;
function order(fields: Partial<MarketOrder> = {}): MarketOrder {
  return {
    clientOrderId: `tt-${process.pid}-${++nextId}`,
    symbol: 'BBB',
    side: 'buy',
    qty: 3,
    time: Date.now(),
    ...fields,
  };
}

function requestsDuring(start: number, method: string, path: string): LoggedRequest[] {
  return fake.requests.slice(start).filter((r) => r.method === method && r.path === path);
}

function assertNoSecrets(err: unknown): void {
  const e = err as Error;
  for (const text of [e.message, String(e.stack), String(e)]) {
    assert.ok(!text.includes(SECRET), 'no secret');
    assert.ok(!text.includes(KEY_ID), 'no key id');
  }
}

test('symbols: an unknown one and an untradable one are dropped with a reason, not fatal', async () => {
  const result = await adapter().validateSymbols(['AAA', 'NOPE', 'HALT', 'CCC', 'AAA']);
  assert.deepEqual(result, {
    tradable: ['AAA', 'CCC'],
    dropped: [
      { symbol: 'NOPE', reason: 'not an active Alpaca asset' },
      { symbol: 'HALT', reason: 'not tradable on Alpaca' },
    ],
  });
  const request = fake.requests.findLast((r) => r.path === '/v2/assets');
  assert.equal(request?.query.get('status'), 'active');
});

test('snapshot: account, open orders and positions, with money and quantities parsed from strings', async () => {
  fake.seedOrder({
    clientOrderId: 'seed-open',
    symbol: 'CCC',
    side: 'sell',
    qty: 4,
    filledQty: 1,
    status: 'partially_filled',
  });
  fake.seedOrder({ clientOrderId: 'seed-done', symbol: 'CCC', side: 'buy', qty: 2, filledQty: 2, status: 'filled' });
  const snapshot = await adapter().snapshot();
  assert.deepEqual(snapshot.account, {
    accountNumber: 'PA3FAKE00001',
    status: 'ACTIVE',
    currency: 'USD',
    cash: 100_000,
    equity: 100_000,
    buyingPower: 200_000,
  });
  const open = snapshot.openOrders.find((o) => o.clientOrderId === 'seed-open');
  assert.ok(Number.isFinite(open?.submittedAt), 'submitted_at parsed as a time');
  assert.deepEqual(
    { ...open, id: undefined, submittedAt: undefined },
    {
      id: undefined,
      submittedAt: undefined,
      filledAt: null,
      clientOrderId: 'seed-open',
      symbol: 'CCC',
      side: 'sell',
      type: 'market',
      qty: 4,
      filledQty: 1,
      filledAvgPrice: null,
      status: 'partially_filled',
    },
  );
  assert.ok(!snapshot.openOrders.some((o) => o.clientOrderId === 'seed-done'), 'a filled order is not open');
  assert.equal(snapshot.positions.length, 1);
  const [position] = snapshot.positions;
  assert.equal(position?.symbol, 'AAA');
  assert.equal(position?.qty, 10);
  assert.equal(position?.avgEntryPrice, 101.25);
  assert.ok(typeof position?.currentPrice === 'number' && position.currentPrice > 0);
});

test('clock: is_open, next_open, next_close as epoch ms', async () => {
  assert.deepEqual(await adapter().clock(), {
    isOpen: true,
    nextOpen: Date.parse('2025-01-07T09:30:00-05:00'),
    nextClose: Date.parse('2025-01-06T16:00:00-05:00'),
  });
});

test('a malformed number is a clear error naming the field', async () => {
  const body = JSON.stringify({
    account_number: 'PA1',
    status: 'ACTIVE',
    currency: 'USD',
    cash: '12,000.00',
    equity: '1',
    buying_power: '1',
  });
  fake.addFault({ when: (r) => r.path === '/v2/account', response: { kind: 'body', body } });
  const err = await adapter()
    .snapshot()
    .then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof AlpacaTradingError);
  assert.equal(err.kind, 'malformed');
  assert.equal(err.message, 'Alpaca account: malformed response: account.cash is "12,000.00", not a decimal number');
  assert.throws(
    () =>
      TradingFields.order(
        {
          id: 'x',
          client_order_id: 'c1',
          symbol: 'A',
          side: 'buy',
          type: 'market',
          qty: '1',
          filled_qty: 'NaN',
          status: 'new',
        },
        'order',
      ),
    {
      message: 'order c1.filled_qty is "NaN", not a decimal number',
    },
  );
  assert.throws(() => TradingFields.decimal(undefined, 'positions[AAA].qty'), {
    message: 'positions[AAA].qty is missing, not a decimal number',
  });
  assert.throws(() => TradingFields.decimal('1e999', 'x'), /not a decimal number/);
});

test('a plain market order: one POST with the client_order_id, market, day', async () => {
  const start = fake.requests.length;
  const o = order({ qty: 2 });
  const placed = await adapter().submitMarketOrder(o);
  assert.equal(placed.clientOrderId, o.clientOrderId);
  assert.equal(placed.status, 'accepted');
  assert.equal(placed.qty, 2);
  assert.equal(requestsDuring(start, 'POST', ORDERS).length, 1);
  const stored = fake.ordersWithClientId(o.clientOrderId);
  assert.equal(stored.length, 1);
  assert.equal(stored[0]?.['type'], 'market');
  assert.equal(stored[0]?.['time_in_force'], 'day');
  assert.equal(stored[0]?.['qty'], '2');
});

test('a POST accepted but never answered times out, and is reconciled as accepted: exactly one order', async () => {
  fake.addFault({ when: (r) => r.method === 'POST' && r.path === ORDERS, response: { kind: 'accept-then-hang' } });
  const start = fake.requests.length;
  const closed = fake.hungClosed;
  const o = order();
  const placed = await adapter().submitMarketOrder(o);
  assert.equal(placed.clientOrderId, o.clientOrderId);
  assert.equal(placed.status, 'accepted');
  assert.equal(fake.ordersWithClientId(o.clientOrderId).length, 1);
  assert.equal(requestsDuring(start, 'POST', ORDERS).length, 1, 'neither the SDK nor the adapter sent the POST again');
  const lookups = requestsDuring(start, 'GET', '/v2/orders:by_client_order_id');
  assert.equal(lookups.length, 1);
  assert.equal(lookups[0]?.query.get('client_order_id'), o.clientOrderId);
  assert.equal(fake.hungClosed, closed + 1, 'the hung request was aborted by the SDK timeout');
});

test('a POST that failed before acceptance (500): lookup 404, sent once more, exactly one order', async () => {
  fake.addFault({ when: (r) => r.method === 'POST' && r.path === ORDERS, response: { kind: 'status', status: 500 } });
  const start = fake.requests.length;
  const o = order();
  const placed = await adapter().submitMarketOrder(o);
  assert.equal(placed.clientOrderId, o.clientOrderId);
  assert.deepEqual(
    requestsDuring(start, 'POST', ORDERS).map((r) => r.status),
    [500, 200],
  );
  assert.deepEqual(
    requestsDuring(start, 'GET', '/v2/orders:by_client_order_id').map((r) => r.status),
    [404],
  );
  assert.equal(fake.ordersWithClientId(o.clientOrderId).length, 1);
});

test('two failures before acceptance: retried once only, then a clear "not placed" error', async () => {
  fake.addFault({
    when: (r) => r.method === 'POST' && r.path === ORDERS,
    times: 2,
    response: { kind: 'status', status: 503 },
  });
  const start = fake.requests.length;
  const o = order();
  await assert.rejects(adapter().submitMarketOrder(o), (err: unknown) => {
    assert.ok(err instanceof AlpacaTradingError);
    assert.equal(err.kind, 'not-placed');
    assert.match(err.message, new RegExp(`order ${o.clientOrderId} \\(buy 3 BBB\\) was not placed`));
    return true;
  });
  assert.equal(requestsDuring(start, 'POST', ORDERS).length, 2);
  assert.equal(fake.ordersWithClientId(o.clientOrderId).length, 0);
});

test('a rejected order (403 insufficient buying power) is a clear error and is not retried', async () => {
  const start = fake.requests.length;
  const o = order({ qty: 1_000_000 });
  await assert.rejects(adapter().submitMarketOrder(o), (err: unknown) => {
    assert.ok(err instanceof AlpacaOrderRejectedError);
    assert.equal(err.status, 403);
    assert.equal(err.clientOrderId, o.clientOrderId);
    assert.match(err.message, /^Alpaca rejected order .* \(buy 1000000 BBB\) \(HTTP 403\): insufficient buying power/);
    return true;
  });
  assert.equal(requestsDuring(start, 'POST', ORDERS).length, 1);
  assert.equal(requestsDuring(start, 'GET', '/v2/orders:by_client_order_id').length, 0);
  assert.equal(fake.ordersWithClientId(o.clientOrderId).length, 0);

  const bad = order({ symbol: 'HALT' });
  await assert.rejects(
    adapter().submitMarketOrder(bad),
    (err: unknown) => err instanceof AlpacaOrderRejectedError && err.status === 422,
  );
});

test('a duplicate client_order_id resolves to the order already placed, not a second one', async () => {
  const o = order();
  const first = await adapter().submitMarketOrder(o);
  const again = await adapter().submitMarketOrder(o);
  assert.equal(again.id, first.id);
  assert.equal(fake.ordersWithClientId(o.clientOrderId).length, 1);
  await assert.rejects(adapter().submitMarketOrder({ ...o, side: 'sell' }), /already holds a different order/);
});

test('cancelOrder: the open order becomes canceled; cancelling it again is refused clearly', async () => {
  const o = order();
  await adapter().submitMarketOrder(o);
  await adapter().cancelOrder(o.clientOrderId);
  assert.equal(fake.ordersWithClientId(o.clientOrderId)[0]?.status, 'canceled');
  await assert.rejects(
    adapter().cancelOrder(o.clientOrderId),
    (err: unknown) =>
      err instanceof AlpacaOrderRejectedError && err.status === 422 && /not cancelable/.test(err.message),
  );
  await assert.rejects(
    adapter().cancelOrder('no-such-order'),
    (err: unknown) => err instanceof AlpacaTradingError && /HTTP 404: order not found/.test(err.message),
  );
});

test('secrets never appear in error text, even when the server echoes them', async () => {
  const wrong = 'wrong-secret-value-xyz';
  const err = await adapter(wrong)
    .snapshot()
    .then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof AlpacaAuthError);
  assert.match(err.message, /^Alpaca rejected the API key \(HTTP 401\): request is not authorized .*\[REDACTED\]/);
  assertNoSecrets(err);
  assert.ok(!(err as Error).message.includes(wrong));

  fake.addFault({
    when: (r) => r.method === 'POST',
    response: { kind: 'status', status: 502, message: `bad gateway for ${KEY_ID}:${SECRET}` },
  });
  fake.addFault({
    when: (r) => r.path === '/v2/orders:by_client_order_id',
    times: 3,
    response: { kind: 'status', status: 503, message: `down ${SECRET}` },
  });
  const lost = await adapter()
    .submitMarketOrder(order())
    .then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
  assert.ok(lost instanceof AlpacaTradingError);
  assert.equal(lost.kind, 'order-unknown');
  assert.match(lost.message, /may or may not have been placed/);
  assertNoSecrets(lost);
  assert.match(lost.message, /\[REDACTED\]/, 'the server did echo them');
});
