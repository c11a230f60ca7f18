import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { EventsPanel, eventRowCount, eventRows, fillsText } from '../components/events-panel.js';
import { filterEvents } from '../components/list-views.js';
import { parseFillText, ringEntry } from '../src/engine/event-text.js';
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

async function panelLines(
  events: readonly EngineEvent[],
  scroll: number,
  height: number,
  width = 60,
): Promise<string[]> {
  const app = render(<EventsPanel events={events} scroll={scroll} width={width} height={height} focused={false} />);
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

const fill = (seq: number, time: number, side: 'buy' | 'sell', qty: number, symbol: string): EngineEvent => ({
  seq,
  time,
  kind: 'fill',
  message: `${side === 'buy' ? 'BUY ' : 'SELL'} ${qty} ${symbol} @ 100.00`,
});

/** An iteration at 14:30 with a regime change and 12 fills, one at 14:45 with a lone fill. */
const BAR = Date.parse('2025-03-06T14:30:00Z');
const NEXT_BAR = BAR + 15 * 60_000;
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AVGO', 'COST', 'NFLX', 'AMD', 'ADBE'];
const BUSY: EngineEvent[] = [
  { seq: 1, time: BAR, kind: 'regime', message: 'range → trend-up (81%)' },
  ...SYMBOLS.map((symbol, i) => fill(2 + i, BAR, i < 9 ? 'buy' : 'sell', 10 + i, symbol)),
  fill(14, NEXT_BAR, 'sell', 3, 'TSLA'),
];

test("an iteration's fills are one row that fits the width, naming as many as fit and counting the rest", async () => {
  const lines = (await panelLines(BUSY, 0, 10, 80)).filter((line) => line.trim() !== '');
  assert.deepEqual(lines.slice(0, 1), ['14:45:00 fill     SELL 3 TSLA @ 100.00'], 'a lone fill stays as it is');
  assert.match(lines[1] ?? '', /^14:30:00 fill {5}12 fills {2}buy AAPL 10, .* · sell NFLX 19 … \+\d+$/);
  assert.equal(lines[2], '14:30:00 regime   range → trend-up (81%)');
  assert.equal(lines.length, 3, 'three rows for fourteen events');
  assert.equal(eventRowCount(BUSY), 3);
  // Wide enough for all of them: nothing counted.
  const wide = render(<EventsPanel events={BUSY} scroll={0} width={200} height={10} focused={false} />);
  await flush();
  const row = frameLines(wide.lastFrame()).find((line) => line.includes('12 fills')) ?? '';
  wide.unmount();
  assert.ok(row.includes('buy AAPL 10, MSFT 11, NVDA 12, AMZN 13, GOOGL 14, META 15, TSLA 16, AVGO 17, COST 18'), row);
  assert.ok(row.includes('· sell NFLX 19, AMD 20, ADBE 21') && !row.includes('…'), row);
});

test('fillsText keeps within its width and names a fill of each side wherever they fit, and counts the rest', () => {
  const group = eventRows(BUSY).find((row) => row.kind === 'fills');
  assert.ok(group?.kind === 'fills');
  for (let width = 20; width <= 200; width++) {
    const text = fillsText(group.group, width);
    const listed = (text.match(/[A-Z]+ \d+/g) ?? []).length;
    const rest = Number(/\+(\d+)$/.exec(text)?.[1] ?? 0);
    assert.equal(listed + rest, 12, text);
    assert.ok(text.includes('buy AAPL 10'), text);
    if (width >= '12 fills  buy AAPL 10 · sell NFLX 19 … +10'.length) {
      assert.ok(text.length <= width, `${width}: ${text}`);
      assert.ok(text.includes('sell NFLX 19'), text);
    }
  }
});

test('fills of different bars, or parted by another event, are rows of their own; the filter finds a folded fill', async () => {
  const parted: EngineEvent[] = [
    fill(1, BAR, 'buy', 1, 'AAPL'),
    fill(2, BAR, 'buy', 2, 'MSFT'),
    { seq: 3, time: BAR, kind: 'risk', message: 'trading halted' },
    fill(4, BAR, 'sell', 1, 'AAPL'),
    fill(5, NEXT_BAR, 'sell', 2, 'MSFT'),
  ];
  assert.deepEqual(
    eventRows(parted).map((row) => (row.kind === 'fills' ? row.key : row.kind === 'event' ? row.event.seq : row.key)),
    [5, 4, 3, 'fills-1-2'],
  );
  const found = await panelLines(filterEvents(BUSY, 'amd'), 0, 6);
  assert.equal(found[0], '14:30:00 fill     SELL 20 AMD @ 100.00');
});

test('the ring text of a fill reads back as the fill (side, quantity, symbol, price)', () => {
  for (const [side, qty, symbol, price] of [
    ['buy', 10, 'AAPL', 123.45],
    ['sell', 0.5, 'BRK.B', 412],
    ['sell', 1200, 'BTC/USD', 0.07],
  ] as const) {
    const entry = ringEntry({ type: 'fill', time: '2025-03-06T14:30:00Z', symbol, side, qty, price, fee: 0, cash: 0 });
    assert.deepEqual(parseFillText(entry?.message ?? ''), { side, qty, symbol, price });
  }
  assert.equal(parseFillText('resumed at iteration 3'), null);
});
