/** The UI's own state (components/ui-state.ts) and the lists as shown: pure, no rendering. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeAllQuestion } from '../components/confirm-bar.js';
import { interestingRows } from '../components/downloads-panel.js';
import { eventRows } from '../components/events-panel.js';
import { rowAt, rowsAbove } from '../components/list-sizes.js';
import { filterEvents, sortPositions } from '../components/list-views.js';
import {
  INITIAL_UI_STATE,
  moveInEvents,
  moveInList,
  uiReducer,
  type UiAction,
  type UiState,
} from '../components/ui-state.js';
import { MIN_CHART_POINTS } from '../components/zoom-levels.js';
import type { EngineEvent, PositionView } from '../src/engine/snapshot.js';
import { makeSnapshot } from './support/tui-fixtures.js';

const run = (actions: readonly UiAction[], from: UiState = INITIAL_UI_STATE): UiState =>
  actions.reduce(uiReducer, from);

const position = (symbol: string, marketValue: number, unrealizedPnl: number, qty = 1): PositionView => ({
  symbol,
  qty,
  avgPrice: 1,
  lastPrice: 1,
  marketValue,
  unrealizedPnl,
  weight: marketValue / 10_000,
});

const event = (seq: number, kind: EngineEvent['kind'], message: string, time = seq * 60_000): EngineEvent => ({
  seq,
  time,
  kind,
  message,
});

test('+ and - change the range on every press, however few points are held (69: all, 34, 17, 10)', () => {
  let state = INITIAL_UI_STATE;
  const shown: number[] = [];
  for (let i = 0; i < 4; i++) {
    state = uiReducer(state, { type: 'zoom', direction: 1, available: 69 });
    shown.push(Math.min(state.chartPoints, 69));
  }
  assert.deepEqual(shown, [34, 17, MIN_CHART_POINTS, MIN_CHART_POINTS]);
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    state = uiReducer(state, { type: 'zoom', direction: -1, available: 69 });
    out.push(Math.min(state.chartPoints, 69));
  }
  assert.deepEqual(out, [20, 40, 69]);
  assert.equal(state.chartPoints, Infinity, 'all of them again: the chart follows the history as it grows');
  // Every press before the floor changes what is shown.
  let big = INITIAL_UI_STATE;
  let previous = 1440;
  while (previous > MIN_CHART_POINTS) {
    big = uiReducer(big, { type: 'zoom', direction: 1, available: 1440 });
    assert.ok(big.chartPoints < previous, `${big.chartPoints} < ${previous}`);
    previous = big.chartPoints;
  }
});

test('moves: rows, pages, ends; the cursor stays on screen and within the list', () => {
  const size = { rows: 188, page: 10 };
  let at = { cursor: 0, top: 0 };
  at = moveInList(at, 'page-down', size);
  assert.deepEqual(at, { cursor: 10, top: 10 }, 'rows 11–20');
  at = moveInList(at, 'page-down', size);
  assert.deepEqual(at, { cursor: 20, top: 20 }, 'rows 21–30');
  at = moveInList(at, -1, size);
  assert.deepEqual(at, { cursor: 19, top: 19 });
  at = moveInList(at, 'end', size);
  assert.deepEqual(at, { cursor: 187, top: 178 });
  at = moveInList(at, 'page-up', size);
  assert.deepEqual(at, { cursor: 177, top: 168 });
  at = moveInList(at, 'home', size);
  assert.deepEqual(at, { cursor: 0, top: 0 });
  assert.deepEqual(moveInList({ cursor: 50, top: 45 }, 1, { rows: 5, page: 10 }), { cursor: 4, top: 0 }, 'list shrank');
  assert.deepEqual(moveInList({ cursor: 0, top: 0 }, 1, { rows: 0, page: 10 }), { cursor: 0, top: 0 });
});

test('move acts on the focused list only, with its own size', () => {
  const visible = ['equity', 'positions', 'events'] as const;
  const lists = { positions: { rows: 3, page: 2 }, events: { rows: 40, page: 10 } };
  const focusedEvents = run([{ type: 'focus-step', step: -1, visible }]);
  const moved = run([{ type: 'move', step: 'home', visible, lists }], focusedEvents);
  assert.deepEqual([moved.cursor.events, moved.scroll.events], [39, 39], 'Home: the oldest event, on the top line');
  assert.deepEqual([moved.cursor.positions, moved.scroll.positions], [0, 0]);
  assert.equal(run([{ type: 'move', step: 1, visible, lists }]), INITIAL_UI_STATE, 'the chart has no rows');
});

test('following the newest, Events fills down one line per new row and jumps by half a page when full', () => {
  const page = 10;
  let state = uiReducer(INITIAL_UI_STATE, { type: 'events-reset', rows: 4, page });
  assert.equal(state.scroll.events, 3, 'four rows: the oldest on the top line');
  const tops: number[] = [];
  for (let i = 0; i < 12; i++) {
    state = uiReducer(state, { type: 'events-added', count: 1, page });
    tops.push(state.scroll.events);
  }
  // The top line keeps its row (its index grows by one a row) until the panel is full; then half a page goes.
  assert.deepEqual(tops, [4, 5, 6, 7, 8, 9, 5, 6, 7, 8, 9, 5]);
  assert.equal(state.cursor.events, 0, 'the newest row stays selected');
  const burst = uiReducer(state, { type: 'events-added', count: 23, page });
  assert.equal(burst.scroll.events, 8, 'many rows at once: half pages until the newest is on screen');
  assert.equal(uiReducer(INITIAL_UI_STATE, { type: 'events-reset', rows: 188, page }).scroll.events, 7);
});

test('new events do not shift an Events view moved away from the newest', () => {
  const visible = ['events'] as const;
  const lists = { events: { rows: 50, page: 10 } };
  const scrolled = run([{ type: 'move', step: 'page-up', visible, lists }]);
  assert.deepEqual([scrolled.cursor.events, scrolled.scroll.events], [10, 19], 'a page up: rows 31–40 of 50');
  const after = uiReducer(scrolled, { type: 'events-added', count: 3, page: 10 });
  assert.deepEqual([after.cursor.events, after.scroll.events], [13, 22], 'the same rows, three more below them');
  const back = run([{ type: 'move', step: 'end', visible, lists }], after);
  assert.deepEqual([back.cursor.events, back.scroll.events], [0, 9], 'End: the newest on the bottom line');
});

test('↑ within the rows shown moves the cursor, not the view, while Events fills down', () => {
  const size = { rows: 30, page: 10 };
  // Four rows on screen (top line: index 3), the newest selected.
  const up = moveInEvents({ cursor: 0, top: 3 }, -1, size);
  assert.deepEqual(up, { cursor: 1, top: 3 });
  const upMore = moveInEvents({ cursor: 3, top: 3 }, -1, size);
  assert.deepEqual(upMore, { cursor: 4, top: 4 }, 'past the top line: the view moves by the row');
  assert.deepEqual(moveInEvents({ cursor: 1, top: 3 }, 1, size), { cursor: 0, top: 3 }, '↓ back to the newest');
});

test('rows above the previous newest event are counted, date rows included; none when it is gone', () => {
  const day = 86_400_000;
  const before = [event(1, 'fill', 'a', day - 60_000), event(2, 'fill', 'b', day - 30_000)];
  const now = [...before, event(3, 'info', 'c', day + 60_000), event(4, 'info', 'd', day + 120_000)];
  assert.equal(rowsAbove(eventRows(now), 2), 3, 'two events and the date row between the days');
  assert.equal(rowsAbove(eventRows(now), 99), 0);
  assert.equal(rowsAbove(eventRows(now), null), 0);
});

test('/ filters Events by type or text, typed, erased, kept with Enter, cleared with Esc', () => {
  let state = run([{ type: 'filter-start' }]);
  assert.equal(state.focus, 'events', 'the filter goes with the Events panel');
  assert.deepEqual(state.filter, { text: '', editing: true });
  state = run(
    [
      { type: 'filter-type', text: 'f' },
      { type: 'filter-type', text: 'i' },
      { type: 'filter-type', text: 'x' },
      { type: 'filter-erase' },
      { type: 'filter-type', text: 'll' },
      { type: 'filter-done' },
    ],
    state,
  );
  assert.deepEqual(state.filter, { text: 'fill', editing: false });
  assert.equal(uiReducer(state, { type: 'filter-type', text: 'z' }), state, 'typing goes nowhere once it is kept');
  const cleared = uiReducer(state, { type: 'back' });
  assert.deepEqual(cleared.filter, { text: '', editing: false });
  const typing = run([{ type: 'filter-start' }, { type: 'filter-type', text: 'A' }, { type: 'back' }]);
  assert.deepEqual(typing.filter, { text: '', editing: false }, 'Esc while typing drops it');

  const events = [
    event(1, 'fill', 'BUY  6 CVX @ 303.07'),
    event(2, 'download', 'AAPL failed after 3 attempts: simulated 503 Service Unavailable'),
    event(3, 'info', 'market open'),
    event(4, 'fill', 'SELL 2 AAPL @ 325.32'),
  ];
  assert.deepEqual(
    filterEvents(events, 'fill').map((e) => e.seq),
    [1, 4],
  );
  assert.deepEqual(
    filterEvents(events, 'aapl').map((e) => e.seq),
    [2, 4],
  );
  assert.deepEqual(
    filterEvents(events, '503').map((e) => e.seq),
    [2],
  );
  assert.equal(filterEvents(events, '  '), events);
});

test('s cycles the Positions sort: value, P&L, weight, symbol; each orders as the header says', () => {
  const sorts = [INITIAL_UI_STATE.sort];
  let state = INITIAL_UI_STATE;
  for (let i = 0; i < 4; i++) {
    state = uiReducer(state, { type: 'sort-next' });
    sorts.push(state.sort);
  }
  assert.deepEqual(sorts, ['value', 'pnl', 'weight', 'symbol', 'value']);
  const positions = [position('MSFT', 2000, -50), position('AAPL', 3000, 10), position('TSLA', 1000, 200)];
  assert.deepEqual(
    sortPositions(positions, 'value').map((p) => p.symbol),
    ['AAPL', 'MSFT', 'TSLA'],
  );
  assert.deepEqual(
    sortPositions(positions, 'pnl').map((p) => p.symbol),
    ['TSLA', 'AAPL', 'MSFT'],
  );
  assert.deepEqual(
    sortPositions(positions, 'weight').map((p) => p.symbol),
    ['AAPL', 'MSFT', 'TSLA'],
  );
  assert.deepEqual(
    sortPositions(positions, 'symbol').map((p) => p.symbol),
    ['AAPL', 'MSFT', 'TSLA'],
  );
  assert.deepEqual(
    positions.map((p) => p.symbol),
    ['MSFT', 'AAPL', 'TSLA'],
    'the snapshot is not touched',
  );
});

test('Enter opens the selected row; Esc closes the innermost thing open first', () => {
  const snapshot = makeSnapshot({
    positions: [position('MSFT', 2000, -50), position('AAPL', 3000, 10)],
    events: [event(7, 'info', 'older'), event(8, 'error', 'newest')],
  });
  const shown = {
    events: snapshot.events,
    eventRows: eventRows(snapshot.events),
    positions: sortPositions(snapshot.positions, 'symbol'),
    downloads: interestingRows(snapshot.downloads.rows),
  };
  assert.deepEqual(rowAt('positions', 1, snapshot, shown), { panel: 'positions', key: 'MSFT' });
  assert.deepEqual(rowAt('events', 0, snapshot, shown), { panel: 'events', key: '8' });
  assert.equal(rowAt('events', 5, snapshot, shown), null);
  // A date row reads above its day's rows (oldest at the top): it opens the row under it on screen.
  const days = [event(1, 'info', 'monday', 86_400_000 - 1000), event(2, 'info', 'tuesday', 86_400_000 + 1000)];
  const dayRows = eventRows(days);
  assert.deepEqual(
    dayRows.map((row) => (row.kind === 'day' ? row.label : row.kind)),
    ['event', 'Fri 1970-01-02', 'event'],
  );
  assert.deepEqual(rowAt('events', 1, makeSnapshot({ events: days }), { ...shown, eventRows: dayRows }), {
    panel: 'events',
    key: '2',
  });
  // Downloads as the panel lists them: failures first.
  const symbol = shown.downloads[0]?.symbol;
  assert.ok(symbol === 'META' || symbol === 'GOOG', String(symbol));
  assert.deepEqual(rowAt('downloads', 0, snapshot, shown), { panel: 'downloads', key: symbol });

  let state = run([{ type: 'open', row: { panel: 'events', key: '8' } }]);
  assert.deepEqual(state.open, { panel: 'events', key: '8' });
  state = run([{ type: 'filter-start' }, { type: 'filter-type', text: 'x' }, { type: 'filter-done' }], state);
  assert.equal(state.open, null, 'the filter shows the list');
  state = run([{ type: 'open', row: { panel: 'events', key: '8' } }, { type: 'back' }], state);
  assert.equal(state.open, null, 'Esc closes the row first');
  assert.equal(state.filter.text, 'x', 'and keeps the filter');
  state = uiReducer(state, { type: 'back' });
  assert.equal(state.filter.text, '', 'the next Esc clears the filter');
});

test('the kill switch asks, naming what it sells as far as the line allows', () => {
  const state = run([{ type: 'confirm-close-all' }]);
  assert.equal(state.confirm, 'close-all');
  assert.equal(uiReducer(state, { type: 'confirm-done' }).confirm, null);
  const positions = [position('AAPL', 1, 0, 17), position('MSFT', 1, 0, 5), position('SPY', 1, 0, 2)];
  assert.equal(
    closeAllQuestion(positions, 200),
    'Sell all 3 positions at market and stop new buys: 17 AAPL, 5 MSFT, 2 SPY?  y: yes, any other key: no',
  );
  const narrow = closeAllQuestion(positions, 96);
  assert.ok([...narrow].length <= 96);
  assert.match(narrow, /17 AAPL and 2 more\?|17 AAPL, 5 MSFT and 1 more\?/);
  assert.match(closeAllQuestion([], 200), /^Nothing is held\. Stop new buys\?/);
});
