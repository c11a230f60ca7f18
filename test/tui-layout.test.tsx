import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { keyToCommand } from '../components/key-commands.js';
import { planLayout, type PanelWants } from '../components/layout-plan.js';
import { fitSegments, truncate } from '../components/text-fit.js';
import { INITIAL_UI_STATE, uiReducer } from '../components/ui-state.js';
import { MIN_CHART_POINTS } from '../components/zoom-levels.js';

const WANTS: PanelWants = { equity: 0, regime: 5, downloads: 8, positions: 12, events: 40 };

test('the layout is always shorter than the terminal and never wider', () => {
  for (let columns = 20; columns <= 240; columns += 7) {
    for (let rows = 4; rows <= 80; rows += 3) {
      const plan = planLayout(columns, rows, WANTS);
      assert.ok(plan.height <= rows - 1, `${columns}x${rows}: height ${plan.height}`);
      assert.equal(
        plan.columns.reduce((sum, c) => sum + c.width, 0),
        columns,
      );
      for (const column of plan.columns) {
        const stacked = column.panels.reduce((sum, p) => sum + p.height, 0);
        assert.ok(stacked <= plan.bodyHeight, `${columns}x${rows}: column of ${stacked} rows in ${plan.bodyHeight}`);
        for (const panel of column.panels) assert.ok(panel.width <= column.width);
      }
    }
  }
});

test('a 60x20 terminal keeps the essentials in one column', () => {
  const plan = planLayout(60, 20, WANTS);
  assert.equal(plan.columns.length, 1);
  for (const id of ['equity', 'regime', 'downloads'] as const) assert.ok(plan.visible.includes(id), id);
});

test('a 200x60 terminal gets two columns with every panel', () => {
  const plan = planLayout(200, 60, WANTS);
  assert.equal(plan.columns.length, 2);
  assert.deepEqual([...plan.visible], ['equity', 'regime', 'downloads', 'positions', 'events']);
});

test('fitSegments drops the least important segments first, keeping order', () => {
  const segments = [
    { key: 'a', text: 'AAAA', rank: 0 },
    { key: 'b', text: 'BBBB', rank: 2 },
    { key: 'c', text: 'CCCC', rank: 1 },
  ];
  assert.deepEqual(
    fitSegments(segments, 14, ' ').map((s) => s.key),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    fitSegments(segments, 10, ' ').map((s) => s.key),
    ['a', 'c'],
  );
  assert.deepEqual(
    fitSegments(segments, 3, ' ').map((s) => s.key),
    ['a'],
  );
  assert.equal(truncate('abcdef', 4), 'abc…');
});

function key(overrides: Partial<Key> = {}): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
    ...overrides,
  };
}

test('keyToCommand maps every documented key', () => {
  assert.equal(keyToCommand('q', key()), 'quit');
  assert.equal(keyToCommand('c', key({ ctrl: true })), 'quit');
  assert.equal(keyToCommand('p', key()), 'toggle-pause');
  assert.equal(keyToCommand('?', key()), 'toggle-help');
  assert.equal(keyToCommand('', key({ escape: true })), 'back');
  assert.equal(keyToCommand('', key({ return: true })), 'open-row');
  assert.equal(keyToCommand('', key({ pageDown: true })), 'page-down');
  assert.equal(keyToCommand('', key({ end: true })), 'end');
  assert.equal(keyToCommand('/', key()), 'filter');
  assert.equal(keyToCommand('s', key()), 'sort');
  assert.equal(keyToCommand('b', key()), 'toggle-buys');
  assert.equal(keyToCommand('', key({ tab: true })), 'focus-next');
  assert.equal(keyToCommand('', key({ tab: true, shift: true })), 'focus-previous');
  assert.equal(keyToCommand('', key({ upArrow: true })), 'scroll-up');
  assert.equal(keyToCommand('', key({ downArrow: true })), 'scroll-down');
  assert.equal(keyToCommand('+', key()), 'zoom-in');
  assert.equal(keyToCommand('-', key()), 'zoom-out');
  assert.equal(keyToCommand('r', key()), 'retry-downloads');
  assert.equal(keyToCommand('x', key()), 'close-all');
  assert.equal(keyToCommand('z', key()), null);
});

test('uiReducer wraps focus, clamps scroll and zoom', () => {
  const visible = ['equity', 'regime', 'events'] as const;
  const back = uiReducer(INITIAL_UI_STATE, { type: 'focus-step', step: -1, visible });
  assert.equal(back.focus, 'events');
  assert.equal(uiReducer(back, { type: 'focus-step', step: 1, visible }).focus, 'equity');

  const lists = { events: { rows: 8, page: 5 } };
  let state = back;
  for (let i = 0; i < 10; i++) state = uiReducer(state, { type: 'move', step: 1, visible, lists });
  assert.equal(state.cursor.events, 7, 'the cursor stops at the last row');
  assert.equal(state.scroll.events, 3, 'the view stops where the last row is at the bottom');
  state = uiReducer(state, { type: 'move', step: -1, visible, lists });
  assert.equal(state.cursor.events, 6);
  assert.equal(state.scroll.events, 3, 'the view moves only when the cursor would leave it');

  for (let i = 0; i < 20; i++) state = uiReducer(state, { type: 'zoom', direction: 1, available: 1440 });
  assert.equal(state.chartPoints, MIN_CHART_POINTS);
  for (let i = 0; i < 20; i++) state = uiReducer(state, { type: 'zoom', direction: -1, available: 1440 });
  assert.equal(state.chartPoints, Infinity);
});
