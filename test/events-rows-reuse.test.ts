/**
 * The Events panel's rows are made once per event (issue 10: a frame made a thousand row objects again):
 * whatever was made before, the rows of a list of events are the rows made fresh for copies of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { eventRows, fillsText, type FillGroup } from '../components/events-panel.js';
import type { EngineEvent } from '../src/engine/snapshot.js';

const DAY = 86_400_000;

/** A run's events: iterations of fills (some of one fill), other events between, now and then a new day. */
const eventsArbitrary = fc
  .array(
    fc.record({
      fills: fc.integer({ min: 0, max: 6 }),
      others: fc.integer({ min: 0, max: 2 }),
      nextDay: fc.boolean(),
      symbols: fc.array(fc.constantFrom('AAPL', 'MSFT', 'SPY'), { minLength: 6, maxLength: 6 }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((iterations) => {
    const events: EngineEvent[] = [];
    let time = Date.UTC(2025, 2, 4, 15, 0);
    for (const it of iterations) {
      time += it.nextDay ? DAY : 60_000;
      for (let f = 0; f < it.fills; f++)
        events.push({
          seq: events.length + 1,
          time,
          kind: 'fill',
          message: `${f % 2 === 0 ? 'BUY ' : 'SELL'} ${f + 1} ${it.symbols[f]} @ 10${f}.50`,
        });
      for (let o = 0; o < it.others; o++)
        events.push({ seq: events.length + 1, time, kind: 'info', message: `note ${events.length}` });
    }
    return events;
  });

const copies = (events: readonly EngineEvent[]): EngineEvent[] => events.map((e) => ({ ...e }));

test('rows reused from earlier lists are the rows made fresh: the ring moving on, filters in any order', () => {
  fc.assert(
    fc.property(
      eventsArbitrary,
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })), {
        maxLength: 6,
      }),
      (events, views) => {
        assert.deepEqual(eventRows(events), eventRows(copies(events)));
        for (const [from, length, keep] of views) {
          // The ring's window moved on, and a filter kept some of its events.
          const window = events.slice(from % events.length, (from % events.length) + 1 + length);
          const shown = window.filter((_, i) => keep[i % keep.length] === true);
          assert.deepEqual(eventRows(shown), eventRows(copies(shown)));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a list seen before gives back the same row objects (nothing made again)', () => {
  const [events] = fc.sample(
    eventsArbitrary.filter((e) => e.length > 20),
    { numRuns: 1, seed: 7 },
  );
  const first = eventRows(events as EngineEvent[]);
  const again = eventRows([...(events as EngineEvent[])]);
  assert.ok(first.some((row) => row.kind === 'fills'));
  assert.equal(again.length, first.length);
  for (let i = 0; i < first.length; i++) assert.equal(again[i], first[i], `row ${i}`);
});

test("a row of fills' text, kept per width, is the text worked out afresh at any width, in any order", () => {
  fc.assert(
    fc.property(
      eventsArbitrary,
      fc.array(fc.integer({ min: 5, max: 160 }), { minLength: 1, maxLength: 8 }),
      (events, widths) => {
        const groups = eventRows(events).flatMap((row) => (row.kind === 'fills' ? [row.group] : []));
        for (const width of widths)
          for (const group of groups) {
            const fresh: FillGroup = { time: group.time, fills: group.fills.map((f) => ({ ...f })) };
            assert.equal(fillsText(group, width), fillsText(fresh, width));
          }
      },
    ),
    { numRuns: 200 },
  );
});
