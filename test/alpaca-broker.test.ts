/** AlpacaBroker: fire-and-forget orders, cancels after their POST, fills queued for the engine, errors as notices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlpacaBroker, REFUSAL_BACKOFF_MS, type AlpacaOrderApi } from '../src/broker/alpaca/alpaca-broker.js';
import { AlpacaOrderRejectedError } from '../src/broker/alpaca/alpaca-trading.js';
import type { MarketOrder } from '../src/core/model.js';
import { parseOrderEnded } from '../src/broker/alpaca/trade-update-stream.js';

class FakeApi implements AlpacaOrderApi {
  readonly calls: string[] = [];
  readonly pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  submitMarketOrder(order: MarketOrder): Promise<unknown> {
    this.calls.push(`post ${order.clientOrderId}`);
    return new Promise((resolve, reject) =>
      this.pending.set(order.clientOrderId, { resolve: () => resolve({}), reject }),
    );
  }
  cancelOrder(clientOrderId: string): Promise<void> {
    this.calls.push(`cancel ${clientOrderId}`);
    return Promise.resolve();
  }
}

const order = (id: string, symbol = 'AAA', qty = 10): MarketOrder => ({
  clientOrderId: id,
  symbol,
  side: 'buy',
  qty,
  time: 0,
});
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a cancel goes out only after the order it cancels was answered', async () => {
  const api = new FakeApi();
  const broker = new AlpacaBroker(api);
  assert.equal(broker.submit(order('a')), undefined);
  assert.deepEqual(broker.cancel('AAA'), order('a'));
  await flush();
  assert.deepEqual(api.calls, ['post a']);
  api.pending.get('a')?.resolve();
  await broker.settle();
  await flush();
  assert.deepEqual(api.calls, ['post a', 'cancel a']);
  assert.deepEqual(broker.workingOrders(), []);
});

test('a refused order leaves the working orders and becomes an error notice', async () => {
  const api = new FakeApi();
  const broker = new AlpacaBroker(api);
  broker.submit(order('a'));
  assert.deepEqual(broker.working('AAA'), order('a'));
  api.pending.get('a')?.reject(new Error('Alpaca rejected order a (HTTP 403): insufficient buying power'));
  await broker.settle();
  assert.equal(broker.working('AAA'), undefined);
  assert.deepEqual(broker.takeNotices(), [
    { kind: 'error', message: 'Alpaca rejected order a (HTTP 403): insufficient buying power' },
  ]);
  assert.deepEqual(broker.takeNotices(), []);
});

test('stream fills wait for the engine; a full fill ends the working order, a partial one does not', () => {
  const broker = new AlpacaBroker(new FakeApi(), [order('open-1', 'BBB', 5)]);
  broker.submit(order('a'));
  const base = { orderId: 'x', side: 'buy', time: 1_000 };
  broker.onStreamFill({
    ...base,
    event: 'partial_fill',
    clientOrderId: 'a',
    symbol: 'AAA',
    qty: 4,
    price: 10,
    filledQty: 4,
  });
  assert.deepEqual(broker.working('AAA'), order('a'));
  broker.onStreamFill({
    ...base,
    event: 'fill',
    clientOrderId: 'a',
    symbol: 'AAA',
    qty: 6,
    price: 10.5,
    filledQty: 10,
  });
  assert.equal(broker.working('AAA'), undefined);
  assert.deepEqual(broker.working('BBB'), order('open-1', 'BBB', 5), 'open orders at start are working');
  assert.deepEqual(broker.takeFills(), [
    { clientOrderId: 'a', symbol: 'AAA', side: 'buy', qty: 4, price: 10, fee: 0, time: 1_000 },
    { clientOrderId: 'a', symbol: 'AAA', side: 'buy', qty: 6, price: 10.5, fee: 0, time: 1_000 },
  ]);
  assert.deepEqual(broker.takeFills(), []);
  broker.onStreamFill({
    ...base,
    side: 'short',
    event: 'fill',
    clientOrderId: 'z',
    symbol: 'ZZZ',
    qty: 1,
    price: 1,
    filledQty: 1,
  });
  assert.deepEqual(broker.takeFills(), []);
  assert.equal(broker.takeNotices()[0]?.kind, 'error');
});

test('an order Alpaca cancels, expires or rejects stops being working, so the symbol can trade again', () => {
  const broker = new AlpacaBroker(new FakeApi());
  broker.submit(order('a', 'AAA'));
  broker.submit(order('b', 'BBB'));
  broker.onOrderEnded({ event: 'expired', clientOrderId: 'other', symbol: 'AAA' });
  assert.deepEqual(broker.working('AAA'), order('a', 'AAA'), 'an event for another order changes nothing');
  broker.onOrderEnded({ event: 'expired', clientOrderId: 'a', symbol: 'AAA' });
  broker.onOrderEnded({ event: 'canceled', clientOrderId: 'b', symbol: 'BBB' });
  assert.equal(broker.working('AAA'), undefined);
  assert.equal(broker.working('BBB'), undefined);
  assert.deepEqual(
    broker.takeNotices().map((n) => n.message),
    ['Alpaca expired order a (buy 10 AAA)', 'Alpaca canceled order b (buy 10 BBB)'],
  );
});

test('ending events are read from trade_updates payloads', () => {
  assert.deepEqual(parseOrderEnded({ event: 'rejected', order: { client_order_id: 'x', symbol: 'SPY' } }), {
    event: 'rejected',
    clientOrderId: 'x',
    symbol: 'SPY',
  });
  assert.equal(parseOrderEnded({ event: 'fill', order: { client_order_id: 'x', symbol: 'SPY' } }), null);
  assert.equal(parseOrderEnded({ event: 'canceled', order: { symbol: 'SPY' } }), null);
});

test('after a refusal no new order goes out for that symbol for five minutes, and the order is reported ended', async () => {
  const api = new FakeApi();
  let now = 1_000_000;
  const broker = new AlpacaBroker(api, [], () => now);
  broker.submit(order('a', 'AAA'));
  api.pending
    .get('a')
    ?.reject(new AlpacaOrderRejectedError('a', 403, 'Alpaca rejected order a (HTTP 403): insufficient buying power'));
  await broker.settle();
  assert.equal(broker.accepts('AAA'), false);
  assert.equal(broker.accepts('BBB'), true, 'other symbols trade on');
  assert.deepEqual(broker.takeEndedOrders(), [order('a', 'AAA')]);
  assert.match(broker.takeNotices()[0]?.message ?? '', /insufficient buying power; no new AAA order for 5 minutes$/);
  now += REFUSAL_BACKOFF_MS - 1;
  assert.equal(broker.accepts('AAA'), false);
  now += 1;
  assert.equal(broker.accepts('AAA'), true);
  // A failure that is not a refusal (the network) does not hold the symbol back.
  broker.submit(order('b', 'CCC'));
  api.pending.get('b')?.reject(new Error('fetch failed'));
  await broker.settle();
  assert.equal(broker.accepts('CCC'), true);
});
