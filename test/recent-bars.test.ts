/**
 * The bar cache's in-memory window of a symbol's newest bars (written in place): held equal, call for
 * call, to the straightforward window it replaced (a join of the old and the new bars, then a copy of
 * the newest), and bounded by its capacity.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  barsFromColumns,
  columnsFromBars,
  concatColumns,
  firstBarAfter,
  NO_BARS,
  sliceColumns,
} from '../src/core/bar-columns.js';
import type { Bar, BarColumns } from '../src/core/model.js';
import { RecentBars } from '../src/store/recent-bars.js';

/** The window as CachedMarketData kept it before: immutable columns, joined and cut on every take. */
class JoinedWindow {
  private held: BarColumns = NO_BARS;
  constructor(private readonly capacity: number) {}

  after(after: number): BarColumns | null {
    const held = this.held;
    return held.length > 0 && (held.time[0] as number) <= after ? sliceColumns(held, firstBarAfter(held, after)) : null;
  }

  take(bars: BarColumns): void {
    if (bars.length === 0) return;
    const previous = this.held;
    const merged =
      previous.length > 0 && (previous.time[previous.length - 1] as number) < (bars.time[0] as number)
        ? concatColumns(previous, bars)
        : bars;
    this.held = sliceColumns(merged, merged.length - this.capacity);
  }
}

/** Ascending bar times from `start`, `count` of them, with some values that tell the bars apart. */
const run = (start: number, count: number, salt: number): Bar[] =>
  Array.from({ length: count }, (_, i) => {
    const t = start + i * 10;
    return { time: t, open: t + salt, high: t + 2 + salt, low: t - 1, close: t + 1 + salt, volume: i + salt };
  });

const step = fc.oneof(
  fc.record({
    kind: fc.constant('take' as const),
    start: fc.integer({ min: 0, max: 3000 }),
    count: fc.integer({ min: 0, max: 90 }),
  }),
  // A round's new bars: right after the newest taken so far (the usual case).
  fc.record({ kind: fc.constant('next' as const), count: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('after' as const), time: fc.integer({ min: -20, max: 3500 }) }),
);

test('the window written in place answers as the joined and cut window did, call for call', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 70 }), fc.array(step, { maxLength: 60 }), (capacity, steps) => {
      const window = new RecentBars(capacity);
      const reference = new JoinedWindow(capacity);
      let newest = 0;
      let salt = 0;
      for (const s of steps) {
        if (s.kind === 'after') {
          const got = window.after(s.time);
          const want = reference.after(s.time);
          assert.deepEqual(got === null ? null : barsFromColumns(got), want === null ? null : barsFromColumns(want));
          continue;
        }
        salt++;
        const bars = s.kind === 'take' ? run(s.start, s.count, salt) : run(newest + 10, s.count, salt);
        if (bars.length > 0) newest = (bars.at(-1) as Bar).time;
        window.take(columnsFromBars(bars));
        reference.take(columnsFromBars(bars));
        assert.ok(window.length <= capacity);
      }
      // Everything held, compared at the end too.
      const all = window.after(Number.POSITIVE_INFINITY);
      const want = reference.after(Number.POSITIVE_INFINITY);
      assert.equal(all === null, want === null);
    }),
    { numRuns: 500 },
  );
});

test('the bars handed out are copies: a later take does not change them', () => {
  const window = new RecentBars(4);
  window.take(columnsFromBars(run(0, 4, 0)));
  const before = window.after(5);
  assert.ok(before !== null);
  const copy = barsFromColumns(before);
  window.take(columnsFromBars(run(40, 3, 1)));
  assert.deepEqual(barsFromColumns(before), copy);
  assert.deepEqual(
    barsFromColumns(window.after(30) ?? NO_BARS).map((bar) => bar.time),
    [40, 50, 60],
  );
});
