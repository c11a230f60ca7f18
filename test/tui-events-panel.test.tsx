import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { EventsPanel, eventRowCount } from '../components/events-panel.js';
import type { EngineEvent } from '../src/engine/snapshot.js';
import { flush, frameLines } from './support/tui-fixtures.js';

const at = (iso: string, seq: number, message: string): EngineEvent => ({
  seq,
  time: Date.parse(iso),
  kind: 'info',
  message,
});

/** Two trading days: Wednesday afternoon, then Thursday morning (oldest first, as in the snapshot). */
const TWO_DAYS: EngineEvent[] = [
  at('2025-03-05T20:30:00Z', 1, 'wed late'),
  at('2025-03-05T20:45:00Z', 2, 'wed close'),
  at('2025-03-06T14:30:00Z', 3, 'thu open'),
  at('2025-03-06T14:45:00Z', 4, 'thu next'),
];

async function panelLines(events: readonly EngineEvent[], scroll: number, height: number): Promise<string[]> {
  const app = render(<EventsPanel events={events} scroll={scroll} width={60} height={height} focused={false} />);
  await flush();
  const lines = frameLines(app.lastFrame())
    .slice(1, -1) // the frame's top and bottom
    .map((line) => line.replace(/^[│║]\s?/, '').replace(/\s*[│║]$/, ''));
  app.unmount();
  return lines;
}

test('events over days: a row with the date where the day changes, none within a day', async () => {
  const lines = await panelLines(TWO_DAYS, 0, 10);
  assert.deepEqual(
    lines.filter((line) => line.trim() !== ''),
    [
      '14:45:00 info     thu next',
      '14:30:00 info     thu open',
      '── Wed 2025-03-05 ──',
      '20:45:00 info     wed close',
      '20:30:00 info     wed late',
    ],
  );
  const oneDay = await panelLines(TWO_DAYS.slice(2), 0, 10);
  assert.ok(!oneDay.some((line) => line.includes('──')), oneDay.join('\n'));
});

test('the date rows scroll with the events and the oldest event stays reachable', async () => {
  assert.equal(eventRowCount(TWO_DAYS), 5);
  assert.equal(eventRowCount(TWO_DAYS.slice(2)), 2);
  assert.equal(eventRowCount([]), 0);
  // Three rows inside the frame; five rows in all: scrolled by two, the date row is on top.
  const scrolled = await panelLines(TWO_DAYS, 2, 5);
  assert.deepEqual(scrolled, ['── Wed 2025-03-05 ──', '20:45:00 info     wed close', '20:30:00 info     wed late']);
  // Scrolled past the end, the view stays at the oldest.
  assert.deepEqual(await panelLines(TWO_DAYS, 99, 5), scrolled);
});
