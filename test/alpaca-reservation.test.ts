/**
 * Pending buys reserve cash on Alpaca too: orders that wait for their fill count against the cash until
 * they fill or end, and a sell pays for buys only once filled. The built bin against the fake Alpaca on
 * 127.0.0.1, whose orders never fill: everything the bot sends stays pending.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeAlpaca } from './support/fake-alpaca.js';
import { runBin } from './support/bin.js';

const KEY_ID = 'PKRESERVEKEY0123456789';
const SECRET = 'rEsErVe/secret+value==0123456789abcdef';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH'];
/** The fake account's cash. */
const CASH = 100_000;

test('Alpaca: the buys waiting for their fill never add up to more than the cash', async () => {
  const closes = new Map<string, number>();
  // Orders never fill: everything the bot sends stays pending.
  const fake = await startFakeAlpaca({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols: SYMBOLS,
    // Positions at start: selling them must not pay for buys before the sells fill.
    positions: [
      { symbol: 'AAA', qty: 1000, avgEntryPrice: 100 },
      { symbol: 'BBB', qty: 1000, avgEntryPrice: 100 },
      { symbol: 'CCC', qty: 1000, avgEntryPrice: 100 },
    ],
    onOrder: (_fake, order, close) => closes.set(order.client_order_id, close),
  });
  const { server, env } = fake;
  try {
    const args = ['--broker', 'alpaca', '--headless', '--json', '--iterations', '6', '--interval', '200ms'];
    const result = await runBin(
      [...args, '--period', '10d', '--symbols', SYMBOLS.join(','), '--max-position', '40%', '--no-db'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const buys = server.orders.filter((o) => o['side'] === 'buy');
    assert.ok(buys.length > 0, 'the bot bought');
    const pending = buys.reduce((sum, o) => sum + Number(o['qty']) * (closes.get(o.client_order_id) as number), 0);
    assert.ok(pending <= CASH, `${buys.length} pending buys worth ${pending.toFixed(2)} against ${CASH} cash`);
  } finally {
    await fake.close();
  }
});
