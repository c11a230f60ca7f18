/** The kill switch (`x`: close every position) and stop-buy (`b`) as engine commands, and the truthful controls. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSession, createSimSession, type Session } from '../src/cli/start.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import { readCheckpoint } from '../src/store/checkpoint-reader.js';
import { startOptions } from './support/session.js';

type Of<T extends LoopEvent['type']> = Extract<LoopEvent, { type: T }>;
const ofType = <T extends LoopEvent['type']>(events: readonly LoopEvent[], type: T): Of<T>[] =>
  events.filter((e): e is Of<T> => e.type === type);

/** Runs the session; `at(i)` is called between iterations (as a key would arrive) after iteration i. */
async function runWith(
  session: Session,
  at: (iteration: number) => void,
): Promise<{ events: LoopEvent[]; marks: Map<number, number> }> {
  const events: LoopEvent[] = [];
  /** Index in `events` of each iteration event. */
  const marks = new Map<number, number>();
  session.engine.onLoopEvent((event) => {
    events.push(event);
    if (event.type === 'iteration') {
      marks.set(event.i, events.length - 1);
      setImmediate(() => at(event.i));
    }
  });
  await session.run();
  return { events, marks };
}

test('x: every held position is sold at market at the next bar, the event names them, and no buy follows until b', async () => {
  const session = createSimSession(startOptions(['--iterations', '160', '--interval', '0', '--seed', '3']));
  let heldAtClose: Map<string, number> | null = null;
  let buysOffAfterClose: boolean | undefined;
  let buysOffAfterRestart: boolean | undefined;
  const { events, marks } = await runWith(session, (i) => {
    if (i === 80) {
      heldAtClose = new Map(session.engine.getSnapshot().positions.map((p) => [p.symbol, p.qty]));
      session.engine.closeAllPositions();
      buysOffAfterClose = session.engine.getSnapshot().buysOff;
    }
    if (i === 120) {
      session.engine.toggleBuys();
      buysOffAfterRestart = session.engine.getSnapshot().buysOff;
    }
  });
  const held = heldAtClose as Map<string, number> | null;
  assert.ok(held !== null && held.size >= 3, `positions were held at iteration 80 (${held?.size})`);
  const [closing] = ofType(events, 'close-all');
  assert.ok(closing);
  assert.deepEqual(
    new Map(closing.sells.map((s) => [s.symbol, s.qty])),
    held,
    'the event names every held position and its whole quantity',
  );
  assert.equal(buysOffAfterClose, true, 'the snapshot says buys are off at once');

  // Sells go through the same order path: order events (told before the close-all), then fills at the next bar's open.
  const closeAt = events.indexOf(closing);
  // A position the strategy was already selling whole (an order of bar 80) keeps that order.
  const orders = ofType(events.slice((marks.get(79) as number) + 1, closeAt), 'order');
  const after81 = events.slice(closeAt, marks.get(81));
  assert.deepEqual(
    new Map(orders.filter((o) => o.side === 'sell').map((o) => [o.symbol, o.qty])),
    held,
    'a sell order per position, for all of it',
  );
  const killOrders = ofType(events.slice((marks.get(80) as number) + 1, closeAt), 'order');
  assert.ok(killOrders.length > 0 && killOrders.every((o) => o.side === 'sell'));
  const nextIteration = ofType(events, 'iteration').find((e) => e.i === 81);
  assert.equal(nextIteration?.positions, 0, 'nothing held after the next bar');
  const sells = ofType(after81, 'fill');
  assert.ok(sells.length === held.size && sells.every((f) => f.side === 'sell'));

  const whileOff = events.slice(marks.get(81), marks.get(120));
  assert.equal(ofType(whileOff, 'fill').filter((f) => f.side === 'buy').length, 0, 'no buy while buys are off');
  assert.equal(ofType(whileOff, 'order').filter((o) => o.side === 'buy').length, 0, 'not even an order');
  assert.equal(buysOffAfterRestart, false);
  const afterOn = events.slice(marks.get(120));
  assert.ok(
    ofType(afterOn, 'fill').some((f) => f.side === 'buy'),
    'b restarts buys',
  );
  assert.deepEqual(
    ofType(events, 'user').map((e) => e.command),
    ['buys-on'],
  );

  const texts = session.engine.getSnapshot().events.map((e) => e.message);
  const closeText = texts.find((t) => t.startsWith('close all by the user: selling '));
  assert.ok(closeText !== undefined && closeText.endsWith('; new buys stopped'), String(closeText));
  for (const [symbol, qty] of held) assert.ok(closeText.includes(`${qty} ${symbol}`), `${qty} ${symbol} named`);
  assert.ok(texts.includes('new buys restarted by the user'));
});

test('b alone stops new buys while the strategy still sells; b again restarts them', async () => {
  const session = createSimSession(startOptions(['--iterations', '300', '--interval', '0', '--seed', '5']));
  const { events, marks } = await runWith(session, (i) => {
    if (i === 60 || i === 240) session.engine.toggleBuys();
  });
  const whileOff = events.slice(marks.get(61), marks.get(240));
  const fills = ofType(whileOff, 'fill');
  assert.ok(
    fills.some((f) => f.side === 'sell'),
    'the strategy still sells',
  );
  assert.ok(!fills.some((f) => f.side === 'buy'), 'but buys nothing');
  assert.deepEqual(
    ofType(events, 'user').map((e) => e.command),
    ['buys-off', 'buys-on'],
  );
  assert.ok(ofType(events.slice(marks.get(241)), 'fill').some((f) => f.side === 'buy'));
  assert.equal(session.engine.getSnapshot().buysOff, false);
});

test('once the run has ended, p, r, x and b do nothing: no event, no change', async () => {
  const session = createSimSession(startOptions(['--iterations', '40', '--interval', '0', '--seed', '2']));
  await session.run();
  const ended = session.engine.getSnapshot();
  assert.equal(ended.phase, 'stopped');
  assert.ok(ended.positions.length > 0, 'positions are held at the end');
  session.engine.togglePause();
  session.engine.retryFailedDownloads();
  session.engine.closeAllPositions();
  session.engine.toggleBuys();
  assert.equal(session.engine.getSnapshot(), ended, 'the same snapshot: nothing changed');
});

test('buys off survives a restart on the same database (kept in the checkpoint)', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'trading-tui-kill-'));
  const db = join(folder, 'trading.db');
  try {
    const args = ['--interval', '0', '--seed', '6', '--db', db, '--cache-ttl', '0'];
    const first = await createSession(startOptions([...args, '--iterations', '30']));
    await runWith(first, (i) => {
      if (i === 10) first.engine.toggleBuys();
    });
    const second = await createSession(startOptions([...args, '--iterations', '30']));
    const { events } = await runWith(second, () => {});
    assert.ok(ofType(events, 'resumed').length === 1, 'the run was continued');
    assert.equal(second.engine.getSnapshot().buysOff, true);
    assert.equal(ofType(events, 'order').filter((o) => o.side === 'buy').length, 0, 'no buy after the restart');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the checkpoint reader keeps buysOff, and reads an older checkpoint without it as buys on', () => {
  const base = {
    iteration: 1,
    marketTime: 0,
    cash: 1,
    realizedPnl: 0,
    positions: [],
    workingOrders: [],
    regime: { current: 'range', since: 0, bars: 1 },
    peakEquity: 1,
    maxDrawdown: 0,
    trades: 0,
    risk: { day: 1, dayStartEquity: 1, haltReason: null },
    market: { kind: 'sim', seed: 1, barCount: 1, timeframe: '15Min', symbols: [] },
  };
  assert.equal(readCheckpoint(JSON.stringify({ ...base, buysOff: true })).buysOff, true);
  assert.equal(readCheckpoint(JSON.stringify(base)).buysOff, undefined);
});
