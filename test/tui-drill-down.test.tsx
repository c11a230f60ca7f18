/** The dashboard keys drawn: kill switch and stop-buy, truthful hints, filter, sort, drill-down. */
import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../components/app.js';
import type { EngineEvent, EngineSnapshot } from '../src/engine/snapshot.js';
import type { WatchStatus } from '../src/engine/watch-status.js';
import { FakeControls, flush, makeSnapshot, renderOnTerminal } from './support/tui-fixtures.js';
import { waitUntil } from './support/wait-until.js';

const KEYS = { down: '\x1b[B', shiftTab: '\x1b[Z', tab: '\t', escape: '\x1b', enter: '\r', backspace: '\x7f' };

async function renderApp(controls: FakeControls, options: { watch?: () => WatchStatus } = {}) {
  const app = renderOnTerminal(
    <App controls={controls} fps={1000} width={120} height={40} watch={options.watch} />,
    120,
    40,
  );
  await flush();
  return app;
}

const statusLine = (lines: readonly string[]): string => lines.at(-1) ?? '';

test('x asks, naming every position it will sell; y closes them all, any other key cancels', async () => {
  const controls = new FakeControls();
  const app = await renderApp(controls);
  await app.press('x');
  const question = statusLine(app.lines());
  assert.match(question, /^Sell all 4 positions at market and stop new buys: /);
  for (const name of ['25 NVDA', '100 AAPL', '40 MSFT', '10 SPY']) assert.ok(question.includes(name), name);
  assert.ok(question.includes('y: yes, any other key: no'));
  await app.press('n');
  assert.equal(controls.calls.closeAllPositions, 0, 'n cancels');
  assert.match(statusLine(app.lines()), /^SIM /, 'the status bar is back');
  await app.press('x');
  await app.press('p');
  assert.equal(controls.calls.closeAllPositions, 0, 'another command key cancels too, and does nothing else');
  assert.equal(controls.calls.togglePause, 0);
  await app.press('x');
  await app.press('y');
  assert.equal(controls.calls.closeAllPositions, 1);
  assert.match(statusLine(app.lines()), /^SIM /);
  app.unmount();
});

test('b stops and restarts buys; BUYS OFF shows while the snapshot says so', async () => {
  const controls = new FakeControls();
  const app = await renderApp(controls);
  await app.press('b');
  assert.equal(controls.calls.toggleBuys, 1);
  assert.ok(!statusLine(app.lines()).includes('BUYS OFF'));
  controls.publish({ ...makeSnapshot(), buysOff: true });
  await waitUntil(() => statusLine(app.lines()).includes('BUYS OFF'));
  controls.publish({ ...makeSnapshot(), buysOff: false });
  await waitUntil(() => !statusLine(app.lines()).includes('BUYS OFF'));
  app.unmount();
});

test('watch: x, b, p and r do nothing (read-only)', async () => {
  const controls = new FakeControls();
  const status: WatchStatus = { dbPath: '/tmp/t.db', lastWriteAt: Date.now(), polledAt: Date.now(), error: null };
  const app = await renderApp(controls, { watch: () => status });
  for (const key of ['x', 'y', 'b', 'p', 'r']) await app.press(key);
  assert.deepEqual(
    [controls.calls.closeAllPositions, controls.calls.toggleBuys, controls.calls.togglePause],
    [0, 0, 0],
  );
  assert.ok(!statusLine(app.lines()).startsWith('Sell all'));
  app.unmount();
});

test('truthful controls: p resume while paused; once the run has ended p, r, x, b do nothing and their hints go', async () => {
  const controls = new FakeControls(makeSnapshot({ phase: 'paused' }));
  const app = await renderApp(controls);
  assert.ok(statusLine(app.lines()).includes('p resume'));
  assert.ok(!statusLine(app.lines()).includes('p pause'));
  controls.publish(makeSnapshot({ phase: 'stopped' }));
  await waitUntil(() => !statusLine(app.lines()).includes('p resume'));
  const ended = statusLine(app.lines());
  assert.ok(ended.includes('q quit') && ended.includes('? help'), ended);
  assert.ok(!/\bp (pause|resume)\b/.test(ended), ended);
  for (const key of ['p', 'r', 'x', 'y', 'b']) await app.press(key);
  assert.deepEqual(
    [
      controls.calls.togglePause,
      controls.calls.retryFailedDownloads,
      controls.calls.closeAllPositions,
      controls.calls.toggleBuys,
    ],
    [0, 0, 0, 0],
  );
  app.unmount();
});

test('/ filters Events as it is typed; the title shows the filter and the count; Enter keeps it, Esc clears it', async () => {
  const app = await renderApp(new FakeControls());
  await app.press('/');
  assert.ok(app.text().includes('╔═ Events  /▏ 30 of 30'), 'the filter prompt in the focused Events title');
  for (const ch of 'number 2') await app.press(ch);
  // event number 2, 20..29
  assert.ok(app.text().includes('Events  /number 2▏ 11 of 30'));
  assert.ok(app.text().includes('event number 29 ') && !app.text().includes('event number 30 '));
  await app.press(KEYS.backspace);
  await app.press(KEYS.backspace);
  assert.ok(app.text().includes('Events  /number▏ 30 of 30'));
  for (const ch of ' 3') await app.press(ch);
  await app.press(KEYS.enter);
  assert.ok(app.text().includes('Events  /number 3 2 of 30'), 'kept: no cursor');
  await app.press('q');
  // q is a command again once the filter is kept: onQuit absent, so the app stops the controls.
  app.unmount();
  const again = await renderApp(new FakeControls());
  await again.press('/');
  await again.press('q');
  assert.ok(again.text().includes('/q▏'), 'while typing, q is text, not quit');
  await again.press(KEYS.escape);
  // Ink holds a lone Esc for a moment (it may start a sequence) before it reports it.
  await waitUntil(() => !again.text().includes('/q'));
  assert.ok(again.text().includes('event number 30 '));
  again.unmount();
});

test('s cycles the Positions sort; the header and the summary say which', async () => {
  const app = await renderApp(new FakeControls());
  const order = (): string[] =>
    app
      .lines()
      .map((l) => /│ (AAPL|MSFT|NVDA|SPY) /.exec(l)?.[1])
      .filter((s): s is string => s !== undefined);
  assert.ok(app.text().includes('Value↓'));
  assert.deepEqual(order(), ['NVDA', 'AAPL', 'MSFT', 'SPY']);
  await app.press('s');
  assert.ok(app.text().includes('Unreal P&L↓') && app.text().includes('by P&L'));
  assert.deepEqual(order(), ['NVDA', 'AAPL', 'SPY', 'MSFT']);
  await app.press('s');
  assert.ok(app.text().includes('Wt%↓'));
  await app.press('s');
  assert.ok(app.text().includes('Symbol↑'));
  assert.deepEqual(order(), ['AAPL', 'MSFT', 'NVDA', 'SPY']);
  app.unmount();
});

test('Enter opens the selected event whole (its full text), Esc goes back', async () => {
  const long =
    'simulated 503 Service Unavailable from the market data server; the bot keeps downloading the other symbols and retries this one at the next round';
  const events: EngineEvent[] = [
    { seq: 1, time: Date.UTC(2025, 2, 4, 14, 0), kind: 'info', message: 'older' },
    { seq: 2, time: Date.UTC(2025, 2, 4, 15, 0), kind: 'download', message: `AAPL failed after 3 attempts: ${long}` },
  ];
  const controls = new FakeControls(makeSnapshot({ events }));
  const app = await renderApp(controls);
  await app.press(KEYS.shiftTab);
  assert.ok(!app.text().includes('retries this one at the next round'), 'cut in the panel');
  await app.press(KEYS.enter);
  const text = app.text();
  assert.ok(text.includes('Event #2'), text);
  assert.ok(text.includes('Tue 2025-03-04 15:00:00 UTC'));
  assert.ok(text.replace(/[│║\s]+/g, ' ').includes('retries this one at the next round'), 'the whole text');
  await app.press(KEYS.escape);
  await waitUntil(() => app.text().includes('─ Positions'));
  await app.press(KEYS.down);
  await app.press(KEYS.enter);
  assert.ok(app.text().includes('Event #1'), 'the row the cursor is on');
  app.unmount();
});

test("Enter on an iteration's fills opens every fill with its price; Esc goes back", async () => {
  const bar = Date.UTC(2025, 2, 4, 15, 0);
  const symbols = Array.from({ length: 40 }, (_, i) => `S${String(i).padStart(2, '0')}`);
  const events: EngineEvent[] = [
    { seq: 1, time: bar - 900_000, kind: 'info', message: 'older' },
    ...symbols.map((symbol, i): EngineEvent => ({
      seq: 2 + i,
      time: bar,
      kind: 'fill',
      message: `${i % 3 === 0 ? 'SELL' : 'BUY '} ${i + 1} ${symbol} @ ${(100 + i).toFixed(2)}`,
    })),
  ];
  const app = await renderApp(new FakeControls(makeSnapshot({ events })));
  await app.press(KEYS.shiftTab);
  const row = app.lines().find((l) => l.includes('40 fills')) ?? '';
  assert.match(row, /15:00:00 fill {5}40 fills {2}sell S00 1 … \+39/, 'one row; at 120x40 one fill fits');
  await app.press(KEYS.enter);
  const text = app.text();
  assert.ok(text.includes('40 fills at 15:00:00'), text);
  assert.ok(text.includes('Tue 2025-03-04 15:00:00 UTC  26 buys · 14 sells'), text);
  // 40 fills in a 38-row body: side by side, every one of them there.
  for (const [i, symbol] of symbols.entries())
    assert.ok(text.includes(`${i % 3 === 0 ? 'SELL' : 'BUY '} ${i + 1} ${symbol} @ ${(100 + i).toFixed(2)}`), symbol);
  await app.press(KEYS.escape);
  await waitUntil(() => app.text().includes('─ Positions'));
  await app.press(KEYS.down);
  await app.press(KEYS.enter);
  assert.ok(app.text().includes('Event #1'), 'the row under it is the older event');
  app.unmount();
});

test('Enter on a position: its figures, a price chart with its buys and sells and a time axis, its fills', async () => {
  const controls = new FakeControls();
  const start = Date.UTC(2025, 2, 3, 14, 30);
  const times = Float64Array.from({ length: 120 }, (_, i) => start + i * 15 * 60_000);
  const closes = Float64Array.from({ length: 120 }, (_, i) => 900 + 20 * Math.sin(i / 9));
  controls.histories.set('NVDA', {
    symbol: 'NVDA',
    times,
    closes,
    fills: [
      { symbol: 'NVDA', side: 'buy', qty: 30, price: 880, fee: 1, time: times[20] as number },
      { symbol: 'NVDA', side: 'sell', qty: 5, price: 915, fee: 1, time: times[90] as number },
    ],
  });
  const app = await renderApp(controls);
  await app.press(KEYS.shiftTab);
  await app.press(KEYS.shiftTab);
  assert.ok(app.text().includes('╔═ Positions'));
  await app.press(KEYS.enter);
  const lines = app.lines();
  const text = lines.join('\n');
  assert.ok(text.includes('NVDA position'), text);
  assert.ok(text.includes('25 @ avg 880.00'));
  assert.ok(/[┼┤]/.test(text), 'a chart');
  const marks = lines.find((l) => l.includes('▲'));
  assert.ok(marks?.includes('▼') === true && marks.indexOf('▲') < marks.indexOf('▼'), 'the buy before the sell');
  const axis = lines.find((l) => l.includes('14:30')) ?? '';
  assert.ok(/14:30 .* Mar 04 .* \d\d:\d\d/.test(axis), `times along the axis, the date where the day changes: ${axis}`);
  assert.ok(text.includes('BUY  30 @ 880.00') && text.includes('SELL 5 @ 915.00'));
  await app.press(KEYS.escape);
  await waitUntil(() => app.text().includes('╔═ Positions'));
  app.unmount();
});

test('new events do not shift a view scrolled away from the newest', async () => {
  const base = makeSnapshot();
  const controls = new FakeControls(base);
  const app = await renderApp(controls);
  await app.press(KEYS.shiftTab);
  for (let i = 0; i < 25; i++) await app.press(KEYS.down);
  const before = app.lines().filter((l) => l.includes('event number'));
  const more: EngineEvent[] = [...base.events];
  const newest = base.events.at(-1) as EngineEvent;
  for (let i = 1; i <= 3; i++)
    more.push({ seq: newest.seq + i, time: newest.time + i * 1000, kind: 'info', message: `newer ${i}` });
  assert.ok(app.text().includes(' of 30'));
  controls.publish({ ...base, events: more } satisfies EngineSnapshot);
  await waitUntil(() => app.text().includes(' of 33'));
  const after = app.lines().filter((l) => l.includes('event number'));
  assert.deepEqual(after, before);
  app.unmount();
});

test('a regime held at low confidence says so; a confident one does not', async () => {
  const base = makeSnapshot();
  const unsure = new FakeControls(
    makeSnapshot({ regime: { ...base.regime, current: 'trend-down', confidence: 0.27 } }),
  );
  const app = await renderApp(unsure);
  assert.match(app.text(), /TREND-DOWN\s+27%\s+low confidence/);
  app.unmount();
  const sure = await renderApp(new FakeControls());
  assert.ok(!sure.text().includes('low confidence'));
  sure.unmount();
});
