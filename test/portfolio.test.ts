import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Portfolio } from '../src/core/portfolio.js';
import { PaperBroker } from '../src/broker/paper-broker.js';

const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

test('portfolio accounting on a worked example', () => {
  const book = new Portfolio(10_000);
  book.applyFill({ symbol: 'AAPL', side: 'buy', qty: 10, price: 100, fee: 1, time: 0 });
  // cash 10000 - 1000 - 1 = 8999
  near(book.cash, 8999);
  book.applyFill({ symbol: 'AAPL', side: 'buy', qty: 10, price: 110, fee: 1, time: 1 });
  // avg (1000 + 1100) / 20 = 105; cash 8999 - 1100 - 1 = 7898
  near(book.position('AAPL')?.avgPrice ?? 0, 105);
  near(book.cash, 7898);
  book.mark('AAPL', 120);
  near(book.unrealizedPnl(), 20 * 15);
  near(book.equity(), 7898 + 2400);
  book.applyFill({ symbol: 'AAPL', side: 'sell', qty: 5, price: 120, fee: 1, time: 2 });
  // realized (120 - 105) * 5 = 75, minus fees paid so far 3 → 72; cash 7898 + 600 - 1 = 8497
  near(book.realizedPnl, 72);
  near(book.cash, 8497);
  assert.equal(book.position('AAPL')?.qty, 15);
  book.applyFill({ symbol: 'AAPL', side: 'sell', qty: 15, price: 100, fee: 1, time: 3 });
  // realized 72 + (100 - 105) * 15 - 1 = -4; cash 8497 + 1500 - 1 = 9996
  near(book.realizedPnl, -4);
  near(book.cash, 9996);
  // Only active positions are kept.
  assert.equal(book.position('AAPL'), undefined);
  assert.equal(book.positionCount, 0);
  near(book.equity(), 10_000 + book.realizedPnl);
  near(book.fees, 4);
});

test('selling more than is held is refused and changes nothing', () => {
  const book = new Portfolio(1000);
  book.applyFill({ symbol: 'MSFT', side: 'buy', qty: 2, price: 100, fee: 0, time: 0 });
  assert.throws(
    () => book.applyFill({ symbol: 'MSFT', side: 'sell', qty: 3, price: 100, fee: 0, time: 1 }),
    RangeError,
  );
  assert.equal(book.position('MSFT')?.qty, 2);
  near(book.cash, 800);
});

test('paper broker fills a market order at the next bar open with slippage and fee', () => {
  const broker = new PaperBroker({ slippageBps: 10, feeBps: 1, minFee: 0.5 });
  broker.submit({ clientOrderId: 'a', symbol: 'SPY', side: 'buy', qty: 100, time: 0 });
  const bar = { time: 900_000, open: 400, high: 401, low: 399, close: 400.5, volume: 1000 };
  const fill = broker.onBar('SPY', bar);
  assert.ok(fill);
  assert.equal(fill.price, 400.4); // 400 * (1 + 0.001)
  assert.equal(fill.fee, 4); // 100 * 400.4 * 0.0001 = 4.004 → 4.00
  assert.equal(fill.time, 900_000);
  assert.equal(broker.onBar('SPY', bar), null, 'an order fills once');
  broker.submit({ clientOrderId: 'b', symbol: 'SPY', side: 'sell', qty: 1, time: 0 });
  const sell = broker.onBar('SPY', bar);
  assert.equal(sell?.price, 399.6);
  assert.equal(sell?.fee, 0.5, 'the minimum fee applies');
  assert.throws(() => broker.submit({ clientOrderId: 'c', symbol: 'SPY', side: 'buy', qty: 1.5, time: 0 }), RangeError);
});

test('positions found by symbol number agree with those found by name, through fills, closes and a restore', () => {
  const book = new Portfolio(100_000, ['AAA', 'BBB', 'CCC']);
  book.applyFill({ symbol: 'BBB', side: 'buy', qty: 5, price: 10, fee: 0, time: 0 });
  book.applyFill({ symbol: 'ZZZ', side: 'buy', qty: 2, price: 50, fee: 0, time: 0 }); // not numbered
  assert.deepEqual([book.heldAt(0), book.heldAt(1), book.heldAt(2)], [0, 5, 0]);
  book.markAt(1, 12);
  assert.equal(book.position('BBB')?.lastPrice, 12);
  book.applyFill({ symbol: 'BBB', side: 'sell', qty: 5, price: 12, fee: 0, time: 1 });
  assert.equal(book.heldAt(1), 0, 'a closed position is gone by number too');
  book.markAt(1, 99); // nothing held: ignored
  assert.equal(book.position('BBB'), undefined);
  book.restore(1000, 0, [
    { symbol: 'CCC', qty: 3, avgPrice: 7, lastPrice: 7 },
    { symbol: 'ZZZ', qty: 1, avgPrice: 5, lastPrice: 5 },
  ]);
  assert.deepEqual([book.heldAt(0), book.heldAt(1), book.heldAt(2)], [0, 0, 3]);
  book.markAt(2, 8);
  near(book.equity(), 1000 + 3 * 8 + 5);
  assert.deepEqual(
    [...book.positions()].map((p) => p.symbol),
    ['CCC', 'ZZZ'],
    'positions keep the order they were opened in',
  );
});
