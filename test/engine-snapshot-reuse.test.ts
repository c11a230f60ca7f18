/**
 * The snapshot reuses what did not change since the last one (the equity series' copies, the events),
 * and what it hands out is never written to afterwards: held against copies made from scratch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EquitySeries } from '../src/engine/equity-series.js';
import type { Side } from '../src/core/model.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { createSimSession } from '../src/cli/start.js';
import { startOptions } from './support/session.js';

type Op = { kind: 'push'; time: number; value: number } | { kind: 'fill'; time: number; side: Side } | { kind: 'read' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), time: fc.integer({ min: 0, max: 40 }), value: fc.integer() }),
  fc.record({
    kind: fc.constant('fill' as const),
    time: fc.integer({ min: -2, max: 45 }),
    side: fc.constantFrom<Side>('buy', 'sell'),
  }),
  fc.constant({ kind: 'read' as const }),
);

/** The series' arrays as a series given the same calls and read once, at the end, has them. */
function fresh(capacity: number, ops: readonly Op[]): { times: number[]; values: number[]; fillSides: number[] } {
  const series = new EquitySeries(capacity);
  let time = Number.NEGATIVE_INFINITY;
  for (const o of ops) {
    if (o.kind === 'push') series.push((time = Math.max(time, o.time)), o.value);
    else if (o.kind === 'fill') series.noteFill(o.time, o.side);
  }
  const { times, values, fillSides } = series.toArrays();
  return { times: [...times], values: [...values], fillSides: [...fillSides] };
}

test('the equity copies handed out again equal copies made from scratch, and stay as they were handed out', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 50 }), (capacity, ops) => {
      const series = new EquitySeries(capacity);
      const handedOut: { arrays: ReturnType<EquitySeries['toArrays']>; copy: ReturnType<typeof fresh> }[] = [];
      let time = Number.NEGATIVE_INFINITY;
      ops.forEach((o, i) => {
        if (o.kind === 'push') series.push((time = Math.max(time, o.time)), o.value);
        else if (o.kind === 'fill') series.noteFill(o.time, o.side);
        else {
          const arrays = series.toArrays();
          const copy = fresh(capacity, ops.slice(0, i));
          assert.deepEqual(
            { times: [...arrays.times], values: [...arrays.values], fillSides: [...arrays.fillSides] },
            copy,
          );
          handedOut.push({ arrays, copy });
        }
      });
      for (const { arrays, copy } of handedOut)
        assert.deepEqual(
          { times: [...arrays.times], values: [...arrays.values], fillSides: [...arrays.fillSides] },
          copy,
        );
    }),
    { numRuns: 400 },
  );
});

test('a series read twice without a change in between hands out the same copies', () => {
  const series = new EquitySeries(4);
  series.push(1, 100);
  const first = series.toArrays();
  assert.equal(series.toArrays().times, first.times);
  series.noteFill(1, 'buy');
  const marked = series.toArrays();
  assert.notEqual(marked.fillSides, first.fillSides);
  assert.deepEqual([...first.fillSides], [0]);
  assert.deepEqual([...marked.fillSides], [1]);
  series.push(2, 101);
  assert.deepEqual([...series.toArrays().values], [100, 101]);
});

test("the engine's snapshots share the unchanged equity and events, and each keeps what it showed", async () => {
  const session = createSimSession(
    startOptions(['--symbols', 'AAPL,MSFT,NVDA,AMZN', '--iterations', '40', '--interval', '0', '--period', '10d']),
  );
  const engine = session.engine;
  const taken: { snapshot: EngineSnapshot; seqs: number[]; values: number[]; sides: number[] }[] = [];
  engine.subscribe(() => {
    const snapshot = engine.getSnapshot();
    if (taken.at(-1)?.snapshot === snapshot) return;
    // What the ring holds now, read from scratch.
    const ring = (engine as unknown as { events: { toArray(): { seq: number }[] } }).events.toArray();
    assert.deepEqual(
      snapshot.events.map((e) => e.seq),
      ring.map((e) => e.seq),
    );
    taken.push({
      snapshot,
      seqs: snapshot.events.map((e) => e.seq),
      values: [...snapshot.equity.values],
      sides: [...(snapshot.equity.fillSides ?? [])],
    });
  });
  await session.run();
  let sharedEvents = 0;
  let sharedEquity = 0;
  for (let i = 0; i < taken.length; i++) {
    const t = taken[i] as (typeof taken)[number];
    // Nothing handed out was written to later.
    assert.deepEqual(
      t.snapshot.events.map((e) => e.seq),
      t.seqs,
    );
    assert.deepEqual([...t.snapshot.equity.values], t.values);
    assert.deepEqual([...(t.snapshot.equity.fillSides ?? [])], t.sides);
    const before = taken[i - 1];
    if (before === undefined) continue;
    if (before.snapshot.events === t.snapshot.events) sharedEvents++;
    if (before.snapshot.equity.values === t.snapshot.equity.values) sharedEquity++;
  }
  assert.ok(taken.length > 100, `${taken.length} snapshots`);
  // Download progress changes the snapshot many times an iteration; the events and the chart far less often.
  assert.ok(sharedEvents > taken.length / 2, `${sharedEvents} of ${taken.length} shared the events`);
  assert.ok(sharedEquity > taken.length / 2, `${sharedEquity} of ${taken.length} shared the equity`);
});
