/** The Equity chart's time axis: times within a day, dates across days, under the points plotted. */
import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { EquityPanel } from '../components/equity-panel.js';
import { plottedTimes, renderTimeChart } from '../components/time-chart.js';
import { chartLayout } from '../components/equity-chart.js';
import { downsampleMinMaxAnchored } from '../components/downsample.js';
import type { EquityView } from '../src/engine/snapshot.js';
import { flush, frameLines } from './support/tui-fixtures.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Date.UTC(2025, 2, 4, 9, 30);

/** `count` points `step` apart from START: a seeded random walk around 100,000. */
function series(count: number, step: number, seed = 11): { times: Float64Array; values: Float64Array } {
  let state = seed;
  const random = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
  const times = new Float64Array(count);
  const values = new Float64Array(count);
  for (let i = 0, v = 100_000; i < count; i++) {
    times[i] = START + i * step;
    values[i] = v += (random() - 0.48) * 150;
  }
  return { times, values };
}

/** Each label of an axis line with the column it starts at (relative to the first plotted column). */
function labels(axis: string, indent: number): { column: number; text: string }[] {
  return [...axis.slice(indent).matchAll(/\S+(?: \d\d)?/g)].map((m) => ({ column: m.index, text: m[0] }));
}

const hhmm = (time: number): string => new Date(time).toISOString().slice(11, 16);

test('within a day the axis names times of day, each under the point it names, the first at the first point', () => {
  const { times, values } = series(360, MINUTE);
  const width = 76;
  const lines = renderTimeChart(times, values, width, 7, [], 359);
  assert.equal(lines.length, 7);
  const axis = lines.at(-1) ?? '';
  const indent = chartLayout(values).labelWidth + 1;
  const columns = plottedTimes(times, values, width, 359);
  const found = labels(axis, indent);
  assert.ok(found.length >= 4, `labels: ${axis}`);
  for (const { column, text } of found) {
    assert.match(text, /^\d\d:\d\d$/);
    assert.equal(text, hhmm(columns[column] as number), `label at column ${column}`);
  }
  assert.equal(found[0]?.column, 0);
  assert.equal(found[0]?.text, hhmm(columns[0] as number));
  // The plot's data columns start where the axis does: the y-axis line is at column indent - 1.
  for (const line of lines.slice(0, -1)) assert.match(line.charAt(indent - 1), /[┤┼╭╮╯╰│─]/);
  // The last label starts within the plotted columns and ends inside the chart.
  const last = found.at(-1);
  assert.ok(last !== undefined && last.column + last.text.length <= columns.length);
});

test('the downsampling says which point each plotted value is, so the axis can name its time', () => {
  const { values } = series(1440, MINUTE);
  for (const [width, last] of [
    [60, 1439],
    [100, 5000],
    [2000, 1439],
    [3, 1439],
  ] as const) {
    const sources: number[] = [];
    const plotted = downsampleMinMaxAnchored(values, width, last, { sources, starts: [] });
    assert.equal(sources.length, plotted.length);
    assert.deepEqual(
      sources.map((i) => values[i]),
      plotted,
    );
    assert.deepEqual(
      sources,
      [...sources].sort((a, b) => a - b),
    );
  }
});

test('across days the axis names dates, the first under the first point plotted', () => {
  const { times, values } = series(24 * 6, HOUR);
  const width = 76;
  const axis = renderTimeChart(times, values, width, 7, [], 1000).at(-1) ?? '';
  const indent = chartLayout(values).labelWidth + 1;
  const columns = plottedTimes(times, values, width, 1000);
  const found = labels(axis, indent);
  assert.ok(found.length >= 3, `labels: ${axis}`);
  for (const { text } of found) assert.match(text, /^Mar \d\d$/);
  assert.equal(found[0]?.column, 0);
  assert.equal(found[0]?.text, `Mar ${String(new Date(columns[0] as number).getUTCDate()).padStart(2, '0')}`);
  // The dates rise from left to right and the last is the newest point's day or before it.
  const days = found.map(({ text }) => Number(text.slice(4)));
  assert.deepEqual(
    days,
    [...days].sort((a, b) => a - b),
  );
  assert.ok((days.at(-1) ?? 99) <= new Date(times[times.length - 1] as number).getUTCDate());
});

test('the axis labels change only when the times plotted under them change, not at every new point', () => {
  const { times, values } = series(2000, MINUTE);
  let changed = 0;
  let previousAxis = '';
  let previousColumns: number[] = [];
  const steps = 120;
  for (let last = 1600; last < 1600 + steps; last++) {
    const from = last - 1439;
    const windowTimes = times.subarray(from, last + 1);
    const windowValues = values.subarray(from, last + 1);
    const axis = renderTimeChart(windowTimes, windowValues, 116, 20, [], last).at(-1) ?? '';
    const columns = plottedTimes(windowTimes, windowValues, 116, last);
    if (previousAxis !== '' && axis !== previousAxis) {
      changed++;
      assert.notDeepEqual(columns, previousColumns, `step ${last}: the axis changed with the same points plotted`);
    }
    previousAxis = axis;
    previousColumns = columns;
  }
  assert.ok(changed <= steps / 3, `the axis changed at ${changed} of ${steps} new points`);
});

function equityView(times: Float64Array, values: Float64Array): EquityView {
  return {
    times,
    values,
    capacity: 1440,
    start: values[0] as number,
    current: values[values.length - 1] as number,
    maxDrawdown: 0.01,
  };
}

test('the Equity panel at 80 columns draws six rows of y-scale, the axis under them and the span in the title', async () => {
  const { times, values } = series(24 * 4, HOUR);
  const app = render(
    <EquityPanel equity={equityView(times, values)} lastIndex={95} points={Infinity} width={80} height={10} focused />,
  );
  await flush();
  const lines = frameLines(app.lastFrame());
  app.unmount();
  const text = lines.join('\n');
  const scaleRows = lines.filter((line) => /\d[┤┼]/.test(line));
  assert.equal(scaleRows.length, 6, text);
  const axisLine = lines[lines.length - 2] ?? '';
  assert.match(axisLine, /Mar 0\d +Mar 0\d/, text);
  // 96 hourly points fit the width: all of them are plotted, from the first to the newest.
  assert.match(lines[1] ?? '', /view all 96 3d23h/, text);
});

test('a short Equity panel keeps its chart without an axis rather than shrink the y-scale', async () => {
  const { times, values } = series(120, MINUTE);
  const app = render(
    <EquityPanel equity={equityView(times, values)} lastIndex={119} points={Infinity} width={80} height={9} focused />,
  );
  await flush();
  const lines = frameLines(app.lastFrame());
  app.unmount();
  assert.equal(lines.filter((line) => /\d[┤┼]/.test(line)).length, 6, lines.join('\n'));
  assert.ok(!lines.some((line) => /\d\d:\d\d +\d\d:\d\d/.test(line)), lines.join('\n'));
});
