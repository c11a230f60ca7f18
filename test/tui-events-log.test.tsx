/**
 * What the terminal is sent when events come and prices move: Ink rewrites a changed line from its
 * first changed column to the end, so Events must not move every bar, and what changes every bar
 * must sit at the ends of the lines.
 */
import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../components/app.js';
import { planLayout } from '../components/layout-plan.js';
import type { EngineEvent } from '../src/engine/snapshot.js';
import { FakeControls, FIXTURE_TIME, flush, makeSnapshot, renderOnTerminal } from './support/tui-fixtures.js';
import { waitUntil } from './support/wait-until.js';

const info = (seq: number): EngineEvent => ({
  seq,
  time: FIXTURE_TIME + seq * 60_000,
  kind: seq % 2 === 0 ? 'info' : 'regime',
  message: `event ${seq}`,
});

/** The first column where two lines differ (null: the same). */
function firstChange(before: string, after: string): number | null {
  if (before === after) return null;
  let at = 0;
  while (at < before.length && at < after.length && before[at] === after[at]) at++;
  return at;
}

/** Lines (by row) that differ between two screens, with their first changed column. */
function changedLines(before: readonly string[], after: readonly string[]): { row: number; column: number }[] {
  const changed: { row: number; column: number }[] = [];
  for (let row = 0; row < Math.max(before.length, after.length); row++) {
    const column = firstChange(before[row] ?? '', after[row] ?? '');
    if (column !== null) changed.push({ row, column });
  }
  return changed;
}

test('a new event writes one line of Events (the next empty one) until the panel is full; then half a page goes at once', async () => {
  const columns = 120;
  const rows = 40;
  const eventsWidth = (planLayout(columns, rows).columns[0]?.width ?? 0) - 1;
  const events = [info(1), info(2), info(3)];
  const controls = new FakeControls(makeSnapshot({ events: [...events] }));
  const app = renderOnTerminal(<App controls={controls} fps={1000} width={columns} height={rows} />, columns, rows);
  await waitUntil(() => app.text().includes('event 3 '));
  const eventsPart = (): string[] => app.lines().map((line) => line.slice(0, eventsWidth));
  const lineOf = (text: string): number => eventsPart().findIndex((line) => line.includes(`${text} `));
  const firstLine = lineOf('event 1');
  let fillingDown = 0;
  let jumpedAt: number | null = null;
  for (let seq = 4; seq <= 40; seq++) {
    const before = eventsPart();
    const frames = app.stdout.writes.length;
    events.push(info(seq));
    controls.publish(makeSnapshot({ events: [...events] }));
    await waitUntil(() => app.stdout.writes.length > frames);
    await flush();
    assert.equal(app.stdout.writes.length, frames + 1, 'one frame per new event: the view moves in that frame');
    const changed = changedLines(before, eventsPart());
    assert.equal(lineOf(`event ${seq}`), lineOf(`event ${seq - 1}`) + 1, 'the newest under the one before');
    if (jumpedAt === null && lineOf('event 1') === firstLine) {
      // Filling down: the oldest stays on its line; one line changes, the one under the previous newest.
      assert.deepEqual(
        changed.map((c) => c.row),
        [lineOf(`event ${seq}`)],
        `event ${seq}`,
      );
      fillingDown++;
    } else if (jumpedAt === null) {
      jumpedAt = seq;
      const page = seq - 1;
      assert.equal(lineOf(`event ${seq}`) - firstLine, page - Math.ceil(page / 2), 'half a page went at once');
    } else {
      // Filling down again: the new row's line and the title's `rows 11–31 of 31`, until the next jump.
      assert.ok(changed.length <= 2 || seq - jumpedAt >= 10, `event ${seq}: ${JSON.stringify(changed)}`);
    }
  }
  assert.equal(fillingDown, 17, 'rows 4 to 20 each wrote one line');
  assert.equal(jumpedAt, 21);
  app.unmount();
});

test('at 200x60 a price change rewrites only the right end of lines: the Events, Regime and Downloads text is not sent again', async () => {
  const columns = 200;
  const rows = 60;
  const listsWidth = planLayout(columns, rows).columns[0]?.width ?? 0;
  const base = makeSnapshot();
  const controls = new FakeControls(base);
  const app = renderOnTerminal(<App controls={controls} fps={1000} width={columns} height={rows} />, columns, rows);
  await waitUntil(() => app.text().includes('NVDA'));
  const before = app.lines();
  const moved = base.positions.map((p) => {
    const lastPrice = p.lastPrice * 1.013;
    return {
      ...p,
      lastPrice,
      marketValue: p.qty * lastPrice,
      unrealizedPnl: p.qty * (lastPrice - p.avgPrice),
    };
  });
  controls.publish({ ...base, positions: moved });
  await waitUntil(() => app.text() !== before.join('\n'));
  const changed = changedLines(before, app.lines());
  assert.ok(changed.length >= moved.length, 'every position row changed');
  for (const { row, column } of changed)
    assert.ok(column >= listsWidth, `line ${row} changes from column ${column}: ${app.lines()[row]}`);
  app.unmount();
});
