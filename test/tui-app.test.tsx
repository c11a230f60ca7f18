import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { App } from '../components/app.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import type { RoundStatus, SymbolDownloadStatus } from '../src/engine/download-status.js';
import { FakeControls, flush, frameLines, makeSnapshot, renderOnTerminal } from './support/tui-fixtures.js';
import { waitUntil as waitFor } from './support/wait-until.js';

const TITLES = ['Equity', 'Regime', 'Downloads', 'Positions', 'Events'];
const KEYS = {
  tab: '\t',
  shiftTab: '\x1b[Z',
  down: '\x1b[B',
  up: '\x1b[A',
  escape: '\x1b',
  ctrlC: '\x03',
  enter: '\r',
  home: '\x1b[H',
  end: '\x1b[F',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
};

async function renderApp(controls: FakeControls, width: number, height: number) {
  const app = renderOnTerminal(<App controls={controls} fps={1000} width={width} height={height} />, width, height);
  await flush();
  return app;
}

function assertFits(lines: readonly string[], width: number, height: number): void {
  assert.ok(lines.length <= height - 1, `${lines.length} lines on a ${height}-row terminal`);
  for (const line of lines)
    assert.ok(stringWidth(line) <= width, `wider than ${width} (${stringWidth(line)}): ${line}`);
}

test('every panel title is on screen at 120x40', async () => {
  const app = await renderApp(new FakeControls(), 120, 40);
  for (const title of TITLES) assert.ok(app.text().includes(title), `missing ${title}`);
  assertFits(app.lines(), 120, 40);
  app.unmount();
});

test('at 60x20 (ink-testing-library, width/height props) no line is wider than 60 and the essentials remain', async () => {
  const app = render(<App controls={new FakeControls()} fps={1000} width={60} height={20} />);
  await flush();
  const lines = frameLines(app.lastFrame());
  assertFits(lines, 60, 20);
  const text = lines.join('\n');
  assert.match(text, /[▁▂▃▄▅▆▇█]{20,}/, 'equity sparkline');
  assert.match(text, /TREND-UP\s+87%/, 'regime line');
  assert.ok(text.includes('done 80') && text.includes('fail 2'), 'download counts');
  assert.match(lines.at(-1) ?? '', /^SIM .*2025-03-04 15:45/, 'status bar');
  app.unmount();
});

test('at 200x60 the extra room becomes two columns', async () => {
  const app = await renderApp(new FakeControls(), 200, 60);
  const lines = app.lines();
  assertFits(lines, 200, 60);
  const top = lines[0] ?? '';
  assert.ok(top.includes('Regime') && top.includes('Equity'), 'Regime and Equity side by side');
  assert.ok(top.indexOf('Regime') < top.indexOf('Equity'), 'the lists on the left, the chart on the right');
  app.unmount();
});

test('the layout follows a terminal resize', async () => {
  const app = renderOnTerminal(<App controls={new FakeControls()} fps={1000} />, 200, 60);
  await flush();
  assertFits(app.lines(), 200, 60);
  app.stdout.resize(60, 20);
  await flush();
  assertFits(app.lines(), 60, 20);
  app.stdout.resize(120, 40);
  // Under load the frame for the new size can take more than one flush: wait for it, up to 2 s.
  const deadline = Date.now() + 2000;
  while (!TITLES.every((t) => app.text().includes(t)) && Date.now() < deadline) await flush();
  assertFits(app.lines(), 120, 40);
  for (const title of TITLES) assert.ok(app.text().includes(title), `missing ${title} after resize`);
  app.unmount();
});

test('small and odd sizes never overflow', async () => {
  for (const [width, height] of [
    [40, 10],
    [80, 24],
    [100, 30],
    [61, 21],
    [109, 50],
    [110, 24],
  ] as const) {
    const app = await renderApp(new FakeControls(), width, height);
    assertFits(app.lines(), width, height);
    app.unmount();
  }
});

test('LIVE mode is shown in the status bar', async () => {
  const app = await renderApp(new FakeControls(makeSnapshot({ mode: 'LIVE' })), 120, 40);
  assert.match(app.lines().at(-1) ?? '', /^LIVE /);
  app.unmount();
});

test('a closed market is shown in the status bar with its next open in New York time', async () => {
  const app = await renderApp(
    new FakeControls(
      makeSnapshot({ mode: 'PAPER', market: { open: false, nextOpen: Date.parse('2025-01-07T14:30:00Z') } }),
    ),
    120,
    40,
  );
  const status = app.lines().at(-1) ?? '';
  assert.match(status, /^PAPER /);
  assert.ok(status.includes('closed · opens Tue 09:30 ET'), status);
  app.unmount();
  const open = await renderApp(
    new FakeControls(makeSnapshot({ mode: 'PAPER', market: { open: true, nextOpen: 0 } })),
    120,
    40,
  );
  assert.ok(!(open.lines().at(-1) ?? '').includes('closed'));
  open.unmount();
});

test('the status bar shows clock, iteration, interval, memory and key hints', async () => {
  const app = await renderApp(new FakeControls(), 120, 40);
  const status = app.lines().at(-1) ?? '';
  for (const part of [
    '2025-03-04 15:45',
    'it 123/500',
    'every 1m',
    'rss 150MB',
    'heap 48MB',
    'q quit',
    'p pause',
    '? help',
  ]) {
    assert.ok(status.includes(part), `status bar lacks ${part}: ${status}`);
  }
  app.unmount();
});

test('p calls togglePause and r calls retryFailedDownloads', async () => {
  const controls = new FakeControls();
  const app = await renderApp(controls, 120, 40);
  await app.press('p');
  assert.equal(controls.calls.togglePause, 1);
  await app.press('r');
  assert.equal(controls.calls.retryFailedDownloads, 1);
  app.unmount();
});

test('PAUSED and HALTED come from the snapshot and follow engine updates', async () => {
  const controls = new FakeControls();
  const app = await renderApp(controls, 120, 40);
  assert.ok(!app.text().includes('PAUSED'));
  controls.publish(makeSnapshot({ phase: 'paused', haltReason: 'daily loss limit' }));
  await waitFor(() => app.text().includes('PAUSED'));
  assert.ok(app.lines().at(-1)?.includes('HALTED: daily loss limit'));
  app.unmount();
});

test('? toggles the help overlay listing every key; Esc closes it', async () => {
  const app = await renderApp(new FakeControls(), 120, 40);
  await app.press('?');
  const help = app.text();
  assert.ok(help.includes('Help'));
  for (const action of [
    'quit',
    'pause',
    'focus next',
    'a page up',
    'time range',
    'retry failed downloads',
    'Tab',
    'Ctrl-C',
  ]) {
    assert.ok(help.includes(action), `help lacks ${action}`);
  }
  for (const group of ['Trading', 'Moving around', 'Looking closer', 'The program', 'On the screen'])
    assert.ok(help.includes(group), `help lacks the group ${group}`);
  for (const abbreviation of ['maxDD', 'Wt%', 'done fail t/o', 'U D R V', 'entry 1.50σ'])
    assert.ok(help.includes(abbreviation), `help does not explain ${abbreviation}`);
  assert.ok(!help.includes('─ Positions'));
  await app.press('?');
  assert.ok(app.text().includes('─ Positions'));
  await app.press('?');
  // Ink 8 holds a lone Esc for 20 ms, in case it starts an escape sequence.
  await app.press(KEYS.escape);
  // Ink holds a lone Esc for a moment (it may start a sequence) before it reports it.
  await waitFor(() => app.text().includes('─ Positions'));
  app.unmount();
});

test('+ and - change the zoom shown', async () => {
  const app = await renderApp(new FakeControls(), 120, 40);
  assert.ok(app.text().includes('view all 1440'));
  await app.press('+');
  assert.ok(app.text().includes('view 720/1440'));
  await app.press('+');
  assert.ok(app.text().includes('view 360/1440'));
  for (let i = 0; i < 3; i++) await app.press('-');
  assert.ok(app.text().includes('view all 1440'));
  app.unmount();
});

test('Tab moves the focus highlight without disturbing the panel contents', async () => {
  const app = await renderApp(new FakeControls(), 120, 40);
  assert.ok(app.lines()[0]?.includes('╔═ Equity'));
  await app.press(KEYS.tab);
  const lines = app.lines();
  assert.ok(lines[0]?.includes('╔═ Regime') && lines[0].includes('╭─ Equity'));
  assert.ok(lines[1]?.includes('102,383.86'), 'equity summary still on the first inner row');
  assert.match(lines[1] ?? '', /TREND-UP\s+87%/, 'regime line still on the first inner row');
  app.unmount();
});

test('keys that arrive in one read are all applied, in order (ppp, Tab Tab, ++)', async () => {
  const controls = new FakeControls();
  const app = await renderApp(controls, 120, 40);
  await app.press('ppp');
  assert.equal(controls.calls.togglePause, 3, 'three p in one read toggle three times');
  await app.press('++');
  assert.ok(app.text().includes('view 360/1440'), 'two zoom steps');
  // Tab Tab from Equity: the focus passes Regime and lands on the third panel, as two separate Tabs do.
  const separate = await renderApp(new FakeControls(), 120, 40);
  await separate.press(KEYS.tab);
  await separate.press(KEYS.tab);
  await app.press('\t\t');
  assert.deepEqual(app.lines().slice(0, 1), separate.lines().slice(0, 1));
  assert.ok(!(app.lines()[0] ?? '').includes('╔═'), 'neither Equity nor Regime focused');
  separate.unmount();
  // Order matters: zoom out, then pause, then focus back twice, then retry.
  await app.press('-p\x1b[Z\x1b[Zr');
  assert.ok(app.text().includes('view 720/1440'));
  assert.equal(controls.calls.togglePause, 4);
  assert.equal(controls.calls.retryFailedDownloads, 1);
  assert.ok(app.lines()[0]?.includes('╔═ Equity'), 'focus back on Equity');
  app.unmount();
});

test('arrows move the selection, the view follows it; PgDn, End and Home; the title says which rows are shown', async () => {
  const app = await renderApp(new FakeControls(), 120, 40);
  await app.press(KEYS.shiftTab);
  assert.ok(app.text().includes('╔═ Events'));
  assert.ok(app.text().includes('event number 30 '));
  // A log: the newest at the bottom, selected; a full panel of the 30.
  const range = /rows (\d+)–30 of 30/.exec(app.text());
  assert.ok(range, 'the Events title shows the rows on screen');
  const page = 31 - Number(range[1]);
  const topLine = (): string => app.lines().find((l) => l.includes('event number') || l.includes('no events')) ?? '';
  assert.ok(topLine().includes(`event number ${31 - page} `), topLine());
  for (let i = 1; i < page; i++) await app.press(KEYS.up);
  assert.ok(app.text().includes('event number 30 '), 'the selection moves within the view first');
  await app.press(KEYS.up);
  assert.ok(!app.text().includes('event number 30 '), 'then the view follows it');
  assert.ok(app.text().includes(`rows ${30 - page}–29 of 30`));
  await app.press(KEYS.down);
  assert.ok(app.text().includes(`rows ${30 - page}–29 of 30`), 'back down within the view: it stays');
  await app.press(KEYS.end);
  assert.ok(app.text().includes('event number 30 ') && app.text().includes(`rows ${31 - page}–30 of 30`));
  await app.press(KEYS.home);
  assert.ok(app.text().includes(`rows 1–${page} of 30`) && topLine().includes('event number 1 '));
  await app.press(KEYS.pageDown);
  assert.ok(app.text().includes(`rows ${Math.min(page, 30 - page) + 1}–`), 'PgDn moves a page (or to the end)');
  await app.press(KEYS.pageUp);
  assert.ok(app.text().includes(`rows 1–${page} of 30`), 'PgUp back');
  app.unmount();
});

test('q and Ctrl-C call onQuit once', async () => {
  let quits = 0;
  const controls = new FakeControls();
  const app = renderOnTerminal(<App controls={controls} width={120} height={40} onQuit={() => quits++} />, 120, 40);
  await flush();
  await app.press('q');
  await app.press(KEYS.ctrlC);
  assert.equal(quits, 1);
  assert.equal(controls.calls.stop, 0, 'stopping is left to onQuit');
  app.unmount();
});

test('without onQuit, Ctrl-C stops the engine and exits the app', async () => {
  const controls = new FakeControls();
  const app = renderOnTerminal(<App controls={controls} />, 120, 40);
  const exited = app.waitUntilExit();
  await flush();
  await app.press(KEYS.ctrlC);
  await exited;
  assert.equal(controls.calls.stop, 1);
});

test('a snapshot without rounds, positions or events still draws every panel', async () => {
  const empty: Partial<EngineSnapshot> = {
    positions: [],
    events: [],
    downloads: { round: null, rows: [] },
    equity: {
      times: new Float64Array(0),
      values: new Float64Array(0),
      capacity: 1440,
      start: 1e5,
      current: 1e5,
      maxDrawdown: 0,
    },
    regime: { ...makeSnapshot().regime, history: [] },
  };
  const app = await renderApp(new FakeControls(makeSnapshot(empty)), 120, 40);
  const text = app.text();
  for (const title of TITLES) assert.ok(text.includes(title), `missing ${title}`);
  for (const note of ['no downloads yet', 'no open positions', 'no events yet', 'waiting for equity points']) {
    assert.ok(text.includes(note), `missing "${note}"`);
  }
  assertFits(app.lines(), 120, 40);
  app.unmount();
});

/** Rows of an asciichart y-scale: a value label, then the axis. */
const chartRows = (lines: readonly string[]): number => lines.filter((line) => /\d[┤┼]/.test(line)).length;
/** The row each panel's title is on (and its column), the shape of the layout. */
const titleRows = (lines: readonly string[]): string[] =>
  TITLES.map((title) => {
    const row = lines.findIndex((line) => line.includes(`${title} `));
    return `${title}@${row}:${lines[row]?.indexOf(title) ?? -1}`;
  });

test('each of 60x20, 80x24, 120x40 and 200x60 shows every panel, a chart with a y-scale from 80x24', async () => {
  for (const [width, height, minChartRows] of [
    [60, 20, 0],
    [80, 24, 6],
    [120, 40, 20],
    [200, 60, 40],
  ] as const) {
    const app = await renderApp(new FakeControls(), width, height);
    const lines = app.lines();
    assertFits(lines, width, height);
    for (const title of TITLES) assert.ok(app.text().includes(title), `${width}x${height}: missing ${title}`);
    assert.ok(chartRows(lines) >= minChartRows, `${width}x${height}: ${chartRows(lines)} chart rows`);
    if (minChartRows === 0) assert.match(app.text(), /[▁▂▃▄▅▆▇█]{20,}/, 'a sparkline instead');
    assert.match(app.text(), /4 open {2}cash 45,678\.90/, `${width}x${height}: the positions' summary line`);
    assert.match(app.text(), /done 80/, `${width}x${height}: the download counts`);
    app.unmount();
  }
});

test('the layout holds still while a round of downloads starts, grows and finishes', async () => {
  const busy = makeSnapshot();
  const idle = makeSnapshot({
    downloads: { round: { ...(busy.downloads.round as RoundStatus), finished: true }, rows: [] },
    events: [],
    positions: [],
  });
  for (const [width, height] of [
    [80, 24],
    [120, 40],
    [200, 60],
  ] as const) {
    const controls = new FakeControls(busy);
    const app = await renderApp(controls, width, height);
    const shape = titleRows(app.lines());
    controls.publish(idle);
    await waitFor(() => app.text().includes('no events yet'));
    assert.deepEqual(titleRows(app.lines()), shape, `${width}x${height}: panels moved`);
    app.unmount();
  }
});

test('the Downloads panel shows the most interesting symbols first: failures, retries, then the slowest', async () => {
  const rows: SymbolDownloadStatus[] = [
    { symbol: 'FAST', state: 'running', attempt: 1, bars: 0, ms: 100 },
    { symbol: 'SLOW', state: 'running', attempt: 1, bars: 0, ms: 9000 },
    { symbol: 'AGAIN', state: 'retrying', attempt: 2, bars: 0, ms: 500 },
    { symbol: 'GONE', state: 'failed', attempt: 3, bars: 0, ms: 400, error: 'socket hang up' },
    { symbol: 'LATE', state: 'running', attempt: 1, bars: 0, ms: 5000 },
  ];
  const snapshot = makeSnapshot();
  const app = await renderApp(new FakeControls({ ...snapshot, downloads: { ...snapshot.downloads, rows } }), 120, 40);
  const order = ['GONE', 'AGAIN', 'SLOW', 'LATE'].map((symbol) => app.lines().findIndex((l) => l.includes(symbol)));
  assert.ok(
    order.every((row, i) => row > 0 && (i === 0 || row > (order[i - 1] ?? 0))),
    `rows in order: ${order.join(' ')}`,
  );
  assert.ok(!app.text().includes('FAST'), 'four rows fit; the fastest running symbol is left out');
  app.unmount();
});

test('a snapshot that changes nothing shown draws no frame; one that does, one frame', async () => {
  const controls = new FakeControls(makeSnapshot());
  const app = await renderApp(controls, 120, 40);
  await flush();
  const frames = app.stdout.writes.length;
  // A new snapshot object with new arrays of the same values, and memory moved by less than a megabyte.
  const same = makeSnapshot();
  controls.publish({ ...same, memory: { ...same.memory, rss: same.memory.rss + 1000 } });
  await flush();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(app.stdout.writes.length, frames, 'no frame for an invisible change');
  controls.publish(makeSnapshot({ iteration: 124 }));
  await waitFor(() => app.text().includes('it 124/500'));
  assert.equal(app.stdout.writes.length, frames + 1);
  app.unmount();
});
