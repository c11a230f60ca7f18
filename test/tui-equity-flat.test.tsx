/**
 * A flat equity (a fresh start before any trade moves it) is drawn as a steady chart: a line at the
 * middle of a y-scale of about its value ± 0.1% that fills the chart's rows, not one row at the bottom
 * of an empty box, and the chart keeps its height when the equity starts to move.
 */
import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../components/app.js';
import { chartLayout, renderEquityChart } from '../components/equity-chart.js';
import { renderTimeChart } from '../components/time-chart.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { FakeControls, flush, makeSnapshot, renderOnTerminal } from './support/tui-fixtures.js';

interface PlotRow {
  readonly label: number;
  /** What the row draws right of its axis. */
  readonly drawn: string;
}

/** The y-scale's rows of a chart's lines (label, then `┤` or `┼`, then what is drawn), top first. */
function plotRows(lines: readonly string[]): PlotRow[] {
  const rows: PlotRow[] = [];
  for (const line of lines) {
    const match = /^\s*(-?[\d,]+(?:\.\d+)?)[┤┼](.*)$/.exec(line);
    if (match !== null) rows.push({ label: Number(match[1]?.replaceAll(',', '')), drawn: match[2] ?? '' });
  }
  return rows;
}

/** The Equity panel's inner lines in a frame (it is the focused panel: a double border). */
function equityPanelLines(frame: readonly string[]): string[] {
  return frame.flatMap((line) => {
    const match = /║(.*)║/.exec(line);
    return match === null ? [] : [match[1] ?? ''];
  });
}

/** A fresh start's snapshot: `points` equity points all at 100,000, no fill yet. */
function flatSnapshot(points: number): EngineSnapshot {
  const base = makeSnapshot();
  const times = base.equity.times.slice(-points);
  const values = new Float64Array(points).fill(100_000);
  return makeSnapshot({
    equity: {
      ...base.equity,
      times,
      values,
      fillSides: new Uint8Array(points),
      start: 100_000,
      current: 100_000,
      maxDrawdown: 0,
    },
  });
}

function assertScale(rows: readonly PlotRow[], value: number, context: string): void {
  for (let i = 1; i < rows.length; i++)
    assert.ok(
      (rows[i - 1] as PlotRow).label > (rows[i] as PlotRow).label,
      `${context}: labels distinct and falling, ${rows.map((r) => r.label).join(' ')}`,
    );
  const steps = new Set(rows.slice(1).map((row, i) => Math.round((row.label - (rows[i] as PlotRow).label) * 100)));
  assert.equal(steps.size, 1, `${context}: labels evenly spaced, ${rows.map((r) => r.label).join(' ')}`);
  const lineRows = rows.flatMap((row, i) => (row.drawn.includes('─') ? [i] : []));
  assert.deepEqual(lineRows, [Math.floor(rows.length / 2)], `${context}: the line on the middle row`);
  assert.equal(
    rows[Math.floor(rows.length / 2)]?.label,
    value,
    `${context}: the line's row is labelled with its value`,
  );
}

test('at 120x40 a flat equity fills the chart: a line at the middle of a y-scale around its value, no jump when it moves', async () => {
  const controls = new FakeControls(flatSnapshot(60));
  const app = renderOnTerminal(<App controls={controls} fps={1000} width={120} height={40} />, 120, 40);
  await flush();
  const panel = equityPanelLines(app.lines());
  const flat = plotRows(panel);
  assert.ok(flat.length >= 19, `the chart's 19 rows and more, not one: ${flat.length}\n${panel.join('\n')}`);
  assertScale(flat, 100_000, 'flat at 100,000');
  const top = flat[0]?.label ?? NaN;
  const bottom = flat.at(-1)?.label ?? NaN;
  assert.ok(top - bottom <= 0.005 * 100_000, `a scale of about ±0.1%, not wider: ${bottom} to ${top}`);
  assert.ok(top - bottom >= 0.001 * 100_000, `a scale of about ±0.1%, not narrower: ${bottom} to ${top}`);
  assert.ok(
    panel.some((line) => line.trimStart().startsWith('fills')),
    'the fills row stays under the plot',
  );

  // The first trade moves the equity: the chart keeps its rows and the panel its lines.
  const moved = flatSnapshot(60);
  const values = Float64Array.from(moved.equity.values);
  values[59] = 100_250;
  controls.publish({ ...moved, equity: { ...moved.equity, values, current: 100_250 } });
  await flush();
  const movedPanel = equityPanelLines(app.lines());
  assert.equal(movedPanel.length, panel.length, 'the panel keeps its height');
  assert.equal(plotRows(movedPanel).length, flat.length, 'the chart keeps its rows');
  app.unmount();
});

test('a flat series of any value gets a full, evenly spaced scale of distinct labels at every height', () => {
  for (const value of [0, 0.01, 3.5, 12.34, 99.99, 999.5, 1_000, 9_995, 100_000, 100_000.37, 2_345_678.9, -50]) {
    const values = new Float64Array(40).fill(value);
    const { labelWidth, wide } = chartLayout(values);
    const shown = wide ? Math.round(value) : Math.round(value * 100) / 100;
    for (let rows = 2; rows <= 60; rows++) {
      const context = `${value} on ${rows} rows`;
      const lines = renderEquityChart(values, 80, rows, 39);
      const scale = plotRows(lines);
      assert.equal(scale.length, rows, `${context}: every row has a label\n${lines.join('\n')}`);
      // Every label fits the width the layout gives it (the axis in one column: where the time axis starts).
      for (const line of lines) assert.equal(line.search(/[┤┼]/), labelWidth, `${context}: ${line}`);
      for (let i = 1; i < rows; i++)
        assert.ok((scale[i - 1] as PlotRow).label > (scale[i] as PlotRow).label, `${context}: falling labels`);
      if (value >= 0) assert.ok((scale.at(-1) as PlotRow).label >= 0, `${context}: no negative label for a price`);
      const lineRow = scale.findIndex((row) => row.drawn.includes('─'));
      assert.equal(scale[lineRow]?.label, shown, `${context}: the line's row names its value`);
      // A scale held above zero (prices near it) cannot centre the line; every other one does.
      if (!(value >= 0 && (scale.at(-1) as PlotRow).label === 0)) assertScale(scale, shown, context);
    }
  }
});

test("a symbol's flat closes in the drill-down get a y-scale too", () => {
  const times = Float64Array.from({ length: 50 }, (_, i) => Date.UTC(2025, 2, 4, 14, 30) + i * 60_000);
  const closes = new Float64Array(50).fill(185.5);
  const lines = renderTimeChart(times, closes, 100, 12);
  const scale = plotRows(lines);
  assert.equal(scale.length, 11, `the plot's rows over the time axis\n${lines.join('\n')}`);
  assertScale(scale, 185.5, 'flat closes at 185.50');
});
