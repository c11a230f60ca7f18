/**
 * The kill switch and stop-buy on an Alpaca account: a session in this process against the fake Alpaca
 * server and the fake streams on 127.0.0.1 (every APCA_API_* endpoint points at them).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSession } from '../src/cli/start.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import type { FakeAlpacaServer } from './fake-alpaca/fake-alpaca-server.js';
import { onlyLocalFetch, startFakeAlpaca, type FakeAlpaca } from './support/fake-alpaca.js';
import { startOptions } from './support/session.js';

const KEY_ID = 'PKKILLSWITCH0123456789';
const SECRET = 'kIlL/switch+secret==0123456789abcdef';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];

let fake: FakeAlpaca;
let server: FakeAlpacaServer;
let env: NodeJS.ProcessEnv;
let restoreFetch = (): void => {};

before(async () => {
  // Each accepted order fills on the trading stream at the last close.
  fake = await startFakeAlpaca({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols: SYMBOLS,
    // Held in the account at start: the kill switch must sell them whatever the strategy thinks.
    positions: [
      { symbol: 'AAA', qty: 10, avgEntryPrice: 100 },
      { symbol: 'CCC', qty: 4, avgEntryPrice: 50 },
    ],
  });
  server = fake.server;
  env = fake.env;
  // Safety net: nothing in this file may leave the machine.
  restoreFetch = onlyLocalFetch();
});

after(async () => {
  restoreFetch();
  await fake.close();
});

test('Alpaca: x sells every position through Alpaca orders (their fills come back on the stream), b stops buys', async () => {
  const options = startOptions([
    '--broker',
    'alpaca',
    '--no-db',
    '--iterations',
    '5',
    '--interval',
    '300ms',
    '--period',
    '10d',
    '--symbols',
    SYMBOLS.join(','),
  ]);
  const session = await createSession(options, {}, { env, confirmLive: () => Promise.resolve(false) });
  const events: LoopEvent[] = [];
  let held: Map<string, number> | null = null;
  let ordersBefore = 0;
  session.engine.onLoopEvent((event) => {
    events.push(event);
    if (event.type === 'iteration' && event.i === 1)
      setImmediate(() => {
        held = new Map(session.engine.getSnapshot().positions.map((p) => [p.symbol, p.qty]));
        ordersBefore = server.orders.length;
        session.engine.closeAllPositions();
      });
  });
  await session.run();

  const atClose = held as Map<string, number> | null;
  assert.ok(atClose !== null && atClose.get('AAA') === 10 && atClose.get('CCC') === 4, 'the account positions');
  const sent = server.orders.slice(ordersBefore);
  const sells = new Map(sent.filter((o) => o['side'] === 'sell').map((o) => [String(o['symbol']), Number(o['qty'])]));
  // A position the strategy was already selling whole keeps its order: count those working at the close too.
  for (const [symbol, qty] of atClose) {
    const selling =
      sells.get(symbol) ??
      server.orders
        .slice(0, ordersBefore)
        .filter((o) => o['symbol'] === symbol && o['side'] === 'sell' && o.status === 'filled')
        .map((o) => Number(o['qty']))
        .at(-1);
    assert.equal(selling, qty, `${symbol}: a sell of all ${qty} reached Alpaca`);
  }
  const closeAt = events.findIndex((e) => e.type === 'close-all');
  const orderEvents = events.filter((e): e is Extract<LoopEvent, { type: 'order' }> => e.type === 'order');
  assert.equal(
    orderEvents.filter((o) => events.indexOf(o) > closeAt && o.side === 'buy').length,
    0,
    'no buy ordered after x',
  );
  // A buy of the bar before x whose POST was still on its way reaches Alpaca after it: it is cancelled,
  // or, when it filled first, what it bought is sold at the next step.
  for (const buy of sent.filter((o) => o['side'] === 'buy')) {
    assert.ok(
      orderEvents.some((o) => events.indexOf(o) < closeAt && o.side === 'buy' && o.symbol === buy['symbol']),
      'a buy at Alpaca after x was ordered before it',
    );
    const soldAfter = sent.some(
      (o) => o['side'] === 'sell' && o['symbol'] === buy['symbol'] && sent.indexOf(o) > sent.indexOf(buy),
    );
    assert.ok(buy.status === 'canceled' || soldAfter, `the late buy of ${String(buy['symbol'])} was undone`);
  }
  for (const order of sent) assert.equal(order['type'], 'market');
  const closing = events.find((e): e is Extract<LoopEvent, { type: 'close-all' }> => e.type === 'close-all');
  assert.deepEqual(new Map(closing?.sells.map((s) => [s.symbol, s.qty])), atClose);
  const snapshot = session.engine.getSnapshot();
  assert.equal(snapshot.positions.length, 0, 'the stream fills sold everything');
  assert.equal(snapshot.buysOff, true);
});
