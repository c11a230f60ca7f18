import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoopEvent } from '../src/engine/loop-events.js';
import { DEFAULT_UNIVERSE } from '../src/market/universe.js';
import { heapAfterGc } from './support/gc.js';
import { theilSenSlope } from './support/heap-slope.js';
import { runSession, startOptions } from './support/session.js';
import { waitUntil } from './support/wait-until.js';
import { createSimSession } from '../src/cli/start.js';
import { EVENT_CAPACITY } from '../src/core/limits.js';

const ofType = <T extends LoopEvent['type']>(events: LoopEvent[], type: T): Extract<LoopEvent, { type: T }>[] =>
  events.filter((e): e is Extract<LoopEvent, { type: T }> => e.type === type);

test('a run trades: fills, regime changes, one equity point per iteration, a summary', async () => {
  const { events, session } = await runSession(['--iterations', '1500', '--interval', '0', '--seed', '3']);
  const iterations = ofType(events, 'iteration');
  assert.equal(iterations.length, 1500);
  assert.ok(ofType(events, 'fill').length > 10, 'it trades');
  assert.ok(ofType(events, 'regime').length > 2, 'regimes change');
  const [summary] = ofType(events, 'summary');
  assert.ok(summary);
  assert.equal(summary.iterations, 1500);
  assert.equal(summary.equityPoints, 1440, 'the equity ring holds its capacity, no more');
  assert.equal(summary.trades, ofType(events, 'fill').length);
  assert.equal(summary.equity, iterations.at(-1)?.equity);
  const snapshot = session.engine.getSnapshot();
  assert.equal(snapshot.equity.values.length, 1440);
  assert.equal(snapshot.phase, 'stopped');
  assert.equal(snapshot.barMinutes, 15, 'the bar length of the default --timeframe 15Min');
  assert.ok(snapshot.events.length <= EVENT_CAPACITY, 'the events ring is bounded');
  assert.ok(
    snapshot.positions.every((p) => p.qty > 0),
    'only active positions',
  );
});

test('the same seed and options give the same run, to the cent', async () => {
  const args = [
    '--iterations',
    '200',
    '--interval',
    '0',
    '--seed',
    '21',
    '--sim-latency',
    '1ms',
    '--sim-failure-rate',
    '0.05',
  ];
  const digest = (events: LoopEvent[]): string =>
    JSON.stringify(
      events
        .filter((e) => e.type === 'fill' || e.type === 'regime' || e.type === 'summary' || e.type === 'iteration')
        .map((e) => (e.type === 'iteration' ? { ...e, heapUsed: 0, rss: 0 } : e)),
    );
  const first = await runSession(args);
  const second = await runSession(args);
  assert.ok(
    ofType(first.events, 'download').some((e) => e.state === 'retrying'),
    'faults were exercised',
  );
  assert.equal(digest(first.events), digest(second.events));
  const other = await runSession(['--iterations', '400', '--interval', '0', '--seed', '22']);
  assert.notEqual(ofType(other.events, 'summary')[0]?.equity, ofType(first.events, 'summary')[0]?.equity);
});

test('the daily loss limit flattens everything, halts, and says so', async () => {
  const { events } = await runSession([
    '--iterations',
    '600',
    '--interval',
    '0',
    '--seed',
    '3',
    '--daily-loss-limit',
    '0.2%',
  ]);
  const halt = ofType(events, 'risk').find((e) => e.action === 'halt');
  assert.ok(halt, 'a 0.2% daily limit is reached');
  const after = events.slice(events.indexOf(halt) + 1);
  const nextDay = after.findIndex((e) => e.type === 'risk' && e.action === 'resume');
  const sameDay = nextDay === -1 ? after : after.slice(0, nextDay);
  const sameDayIterations = ofType(sameDay, 'iteration');
  assert.ok(sameDayIterations.length >= 2, 'the halt came with time left in the day');
  assert.ok(ofType(sameDay, 'fill').length > 0, 'positions were sold');
  assert.ok(
    ofType(sameDay, 'fill').every((f) => f.side === 'sell'),
    'nothing is bought while halted',
  );
  assert.equal(sameDayIterations.at(-1)?.positions, 0, 'all positions sold by the end of the day');
});

test('cash never goes negative: sells pay for buys, and buys are cut to the cash', async () => {
  const { events } = await runSession(['--iterations', '4000', '--interval', '0', '--seed', '5']);
  const fills = ofType(events, 'fill');
  assert.ok(fills.length > 100);
  const lowest = Math.min(...fills.map((f) => f.cash), ...ofType(events, 'iteration').map((e) => e.cash));
  assert.ok(lowest >= 0, `cash went down to ${lowest}`);
});

test('stop() ends the loop at an iteration boundary and cancels downloads in flight', async () => {
  const session = createSimSession(
    startOptions(['--interval', '10ms', '--sim-latency', '200ms', '--sim-failure-rate', '0', '--sim-hang-rate', '0']),
  );
  const iterations: number[] = [];
  session.engine.onLoopEvent((e) => {
    if (e.type === 'iteration') iterations.push(e.i);
  });
  const done = session.run();
  // Stop while a refresh round waits on its (200 ms) downloads.
  await waitUntil(() => {
    const round = session.downloader.view().round;
    return iterations.length >= 1 && round?.kind === 'refresh' && !round.finished;
  }, 10_000);
  const started = performance.now();
  session.engine.stop();
  const summary = await done;
  assert.ok(performance.now() - started < 500, 'downloads in flight were cancelled, not waited for');
  assert.equal(summary.iterations, iterations.length);
  assert.equal(session.engine.getSnapshot().phase, 'stopped');
});

test('snapshots are immutable and shared until something changes', async () => {
  const { session } = await runSession(['--iterations', '20', '--interval', '0']);
  const a = session.engine.getSnapshot();
  assert.equal(session.engine.getSnapshot(), a, 'same object while nothing changed');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.positions) && Object.isFrozen(a.regime));
  assert.throws(() => {
    (a as { iteration: number }).iteration = 99;
  }, TypeError);
});

test('memory: 20 000 iterations over 50 symbols keep the heap flat after warm-up (slope of 41 forced-GC samples)', async (t) => {
  const symbols = DEFAULT_UNIVERSE.slice(0, 50).join(',');
  const session = createSimSession(startOptions(['--symbols', symbols, '--iterations', '22000', '--interval', '0']));
  const samples: [number, number][] = [];
  session.engine.onLoopEvent((e) => {
    if (e.type === 'iteration' && e.i >= 2000 && e.i % 500 === 0) samples.push([e.i, heapAfterGc()]);
  });
  await session.run();
  assert.equal(samples.length, 41);
  // 150 B per iteration is 3 MB over the run: a leak of a few hundred bytes per iteration fails.
  const bytesPerIteration = theilSenSlope(samples);
  t.diagnostic(`heap slope ${bytesPerIteration.toFixed(1)} B per iteration`);
  assert.ok(bytesPerIteration < 150, `heap grows ${bytesPerIteration.toFixed(0)} B per iteration`);
});
