import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Checkpoint } from '../src/engine/checkpoint.js';
import { readCheckpoint } from '../src/store/checkpoint-reader.js';

const saved: Checkpoint = {
  iteration: 312,
  marketTime: Date.UTC(2025, 2, 21, 20, 45),
  cash: 50_000,
  realizedPnl: 12.5,
  positions: [{ symbol: 'AAPL', qty: 10, avgPrice: 180, lastPrice: 181.25 }],
  workingOrders: [
    { clientOrderId: 'tt-1', symbol: 'MSFT', side: 'buy', qty: 12, time: 1, price: 401.5, maxValue: 5012.25 },
    { clientOrderId: 'tt-2', symbol: 'AAPL', side: 'sell', qty: 10, time: 1, price: 181.25 },
  ],
  regime: { current: 'range', since: 0, bars: 3 },
  peakEquity: 100_500,
  maxDrawdown: 0.01,
  trades: 4,
  risk: { day: 20_168, dayStartEquity: 100_256.41, haltReason: null, lastEquity: 99_870.12 },
  market: { kind: 'sim', seed: 4, barCount: 900, timeframe: '15Min', symbols: ['AAPL', 'MSFT'] },
};

test("a restart reads back what the accounting rules need: orders' sized price and cap, the day's base and last equity", () => {
  const read = readCheckpoint(JSON.stringify(saved));
  assert.deepEqual(read.workingOrders, saved.workingOrders);
  assert.deepEqual(read.risk, saved.risk);
});

test('a checkpoint written before those fields were kept still reads, without them', () => {
  const older = JSON.parse(JSON.stringify(saved)) as Record<string, unknown> & {
    workingOrders: Record<string, unknown>[];
    risk: Record<string, unknown>;
  };
  for (const order of older.workingOrders) {
    delete order.price;
    delete order.maxValue;
  }
  delete older.risk.lastEquity;
  const read = readCheckpoint(JSON.stringify(older));
  assert.equal(read.workingOrders[0]?.price, undefined);
  assert.equal(read.workingOrders[0]?.maxValue, undefined);
  assert.equal(read.risk.lastEquity, undefined);
  assert.equal(read.risk.dayStartEquity, 100_256.41);
});
