import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { keyToCommand } from '../components/key-commands.js';
import { NO_KEY } from '../components/key-batch.js';
import { EQUITY_CHART_INNER_ROWS, PANEL_FRAME_ROWS, planLayout, planRects } from '../components/layout-plan.js';
import { fitSegments, truncate } from '../components/text-fit.js';
import { INITIAL_UI_STATE, uiReducer } from '../components/ui-state.js';
import { MIN_CHART_POINTS } from '../components/zoom-levels.js';

test('the layout is always shorter than the terminal and never wider', () => {
  for (let columns = 20; columns <= 240; columns += 7) {
    for (let rows = 4; rows <= 80; rows += 3) {
      const plan = planLayout(columns, rows);
      assert.ok(plan.height <= rows - 1, `${columns}x${rows}: height ${plan.height}`);
      assert.equal(
        plan.columns.reduce((sum, c) => sum + c.width, 0),
        columns,
      );
      for (const column of plan.columns) {
        const stacked = column.panels.reduce((sum, p) => sum + p.height, 0);
        assert.ok(stacked <= plan.bodyHeight, `${columns}x${rows}: column of ${stacked} rows in ${plan.bodyHeight}`);
        for (const panel of column.panels) {
          const besideWidth = panel.beside?.width ?? 0;
          assert.ok(panel.width + besideWidth <= column.width);
          if (panel.beside !== undefined) assert.equal(panel.beside.height, panel.height);
        }
      }
    }
  }
});

const innerRows = (plan: ReturnType<typeof planLayout>, id: string): number =>
  (planRects(plan).find((rect) => rect.id === id)?.height ?? PANEL_FRAME_ROWS) - PANEL_FRAME_ROWS;

test('a 60x20 terminal keeps the essentials in one column', () => {
  const plan = planLayout(60, 20);
  assert.equal(plan.columns.length, 1);
  assert.deepEqual([...plan.visible], ['equity', 'regime', 'downloads', 'positions', 'events']);
});

test('an 80x24 terminal keeps a chart with a y-scale, Regime beside Downloads, positions with their summary', () => {
  const plan = planLayout(80, 24);
  assert.equal(plan.columns.length, 1);
  assert.deepEqual([...plan.visible], ['equity', 'regime', 'downloads', 'positions', 'events']);
  assert.ok(innerRows(plan, 'equity') >= EQUITY_CHART_INNER_ROWS, 'stats line and six chart rows');
  assert.equal(plan.columns[0]?.panels.find((rect) => rect.id === 'regime')?.beside?.id, 'downloads');
  assert.ok(innerRows(plan, 'positions') >= 3, 'summary, header and a row');
});

test('120x40 and 200x60 terminals get two columns with every panel, Downloads a fixed size', () => {
  for (const [columns, rows] of [
    [120, 40],
    [200, 60],
  ] as const) {
    const plan = planLayout(columns, rows);
    assert.equal(plan.columns.length, 2);
    assert.deepEqual([...plan.visible], ['equity', 'regime', 'downloads', 'positions', 'events']);
    assert.equal(innerRows(plan, 'downloads'), 7, 'three summary lines and four symbols');
    assert.ok(innerRows(plan, 'equity') >= 20, `${columns}x${rows}: a tall chart`);
  }
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
  return { ...NO_KEY, ...overrides };
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

  // Events read as a log, oldest at the top: ↑ goes to older rows (counted from the newest, 0).
  const lists = { events: { rows: 8, page: 5 } };
  let state = back;
  for (let i = 0; i < 10; i++) state = uiReducer(state, { type: 'move', step: -1, visible, lists });
  assert.equal(state.cursor.events, 7, 'the cursor stops at the oldest row');
  assert.equal(state.scroll.events, 7, 'the view stops where the oldest row is on the top line');
  state = uiReducer(state, { type: 'move', step: 1, visible, lists });
  assert.equal(state.cursor.events, 6);
  assert.equal(state.scroll.events, 7, 'the view moves only when the cursor would leave it');

  for (let i = 0; i < 20; i++) state = uiReducer(state, { type: 'zoom', direction: 1, available: 1440 });
  assert.equal(state.chartPoints, MIN_CHART_POINTS);
  for (let i = 0; i < 20; i++) state = uiReducer(state, { type: 'zoom', direction: -1, available: 1440 });
  assert.equal(state.chartPoints, Infinity);
});
