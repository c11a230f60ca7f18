import './support/not-in-ci.js';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleMinMax, downsampleMinMaxAnchored } from '../components/downsample.js';
import { chartBounds, renderEquityChart } from '../components/equity-chart.js';
import { sparkline } from '../components/sparkline.js';

function series(length: number): Float64Array {
  return Float64Array.from({ length }, (_, i) => 100 + Math.sin(i / 10));
}

test('downsampleMinMax returns short inputs unchanged', () => {
  assert.deepEqual(downsampleMinMax([1, 2, 3], 10), [1, 2, 3]);
  assert.deepEqual(downsampleMinMax([1, 2, 3], 3), [1, 2, 3]);
});

test('downsampleMinMax keeps the max spike and the min spike', () => {
  const values = series(1440);
  values[317] = 250;
  values[1001] = -40;
  for (const width of [10, 57, 120, 199]) {
    const out = downsampleMinMax(values, width);
    assert.ok(out.length <= width, `at most ${width} points, got ${out.length}`);
    assert.equal(Math.max(...out), 250, `max spike kept at width ${width}`);
    assert.equal(Math.min(...out), -40, `min spike kept at width ${width}`);
  }
});

test('downsampleMinMax keeps the order of the extremes within a bucket', () => {
  const values = [5, 5, 9, 5, 1, 5, 5, 5];
  // Two buckets of four: [5, 5, 9, 5] and [1, 5, 5, 5].
  assert.deepEqual(downsampleMinMax(values, 4), [5, 9, 1, 5]);
  const falling = [9, 1, 5, 5];
  assert.deepEqual(downsampleMinMax(falling, 2), [9, 1]);
});

test('downsampleMinMax handles tiny targets', () => {
  assert.deepEqual(downsampleMinMax([1, 2, 3], 0), []);
  assert.deepEqual(downsampleMinMax([1, 2, 3], 1), [3]);
  assert.deepEqual(downsampleMinMax([], 5), []);
});

test('sparkline maps the range onto eight levels, one character per value', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([3, 3, 3]).length, 3);
  assert.equal(new Set(sparkline([3, 3, 3])).size, 1);
  assert.equal(sparkline([]), '');
});

test('downsampleMinMaxAnchored keeps within the width and keeps spikes past the oldest bucket', () => {
  const values = series(1440);
  values[317] = 250;
  values[1001] = -40;
  for (const width of [10, 57, 120, 199]) {
    for (const lastIndex of [1439, 5000, 5007]) {
      const out = downsampleMinMaxAnchored(values, width, lastIndex);
      assert.ok(out.length <= width, `at most ${width} points, got ${out.length}`);
      assert.equal(Math.max(...out), 250);
      assert.equal(Math.min(...out), -40);
    }
  }
  assert.deepEqual(downsampleMinMaxAnchored([1, 2, 3], 10, 99), [1, 2, 3]);
});

test('a full chart changes a few lines per new point, all of them only when a bucket fills', () => {
  // A random walk that keeps making new highs; the window of 1440 slides by one point per step, as
  // the equity ring does.
  let seed = 7;
  const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const walk: number[] = [];
  for (let i = 0, v = 100_000; i < 2000; i++) walk.push((v += (random() - 0.45) * 200));
  const changedLines: number[] = [];
  let previous: string[] = [];
  for (let last = 1500; last < 1580; last++) {
    const lines = renderEquityChart(Float64Array.from(walk.slice(last - 1439, last + 1)), 190, 40, last);
    if (previous.length > 0) changedLines.push(lines.filter((line, i) => line !== previous[i]).length);
    previous = lines;
  }
  const redrawn = changedLines.filter((n) => n > 10).length;
  assert.ok(redrawn <= changedLines.length / 8, `${redrawn} of ${changedLines.length} steps redrew the chart`);
  const sorted = [...changedLines].sort((a, b) => a - b);
  assert.ok((sorted[Math.floor(sorted.length / 2)] ?? 99) <= 3, `changed lines per step: ${changedLines.join(',')}`);
});

test('the y-scale moves only when the data crosses a grid line of about a quarter of the range', () => {
  assert.deepEqual(chartBounds(100_020, 100_970), { min: 100_000, max: 101_000 });
  assert.deepEqual(chartBounds(100_020, 100_990), chartBounds(100_020, 100_970), 'a new high inside the grid');
  assert.deepEqual(chartBounds(96_123, 104_000), { min: 96_000, max: 104_000 });
  assert.deepEqual(chartBounds(5, 5), { min: 5, max: 5 });
});

test('a two-row chart of data on both sides of zero is drawn (its scale search once never ended)', () => {
  // In a child process with a deadline: a search that never ends would block this one's event loop.
  const module = JSON.stringify(new URL('../components/equity-chart.ts', import.meta.url).href);
  const chart = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { renderEquityChart } from ${module};
       process.stdout.write(renderEquityChart(Float64Array.from([-3, 5, -1, 2]), 40, 2, 3).join('\\n'));`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(chart.signal, null, 'the chart was drawn before the deadline');
  assert.equal(chart.status, 0, chart.stderr);
  assert.equal(chart.stdout.split('\n').length, 2, chart.stdout);
});

test('the y-scale has round labels at every chart height: each row is a nice step', () => {
  const values = Float64Array.from({ length: 300 }, (_, i) => 100_000 + 4_321 * Math.sin(i / 40) + 7 * i);
  for (let rows = 4; rows <= 40; rows++) {
    const labels = renderEquityChart(values, 120, rows, values.length - 1)
      .map((line) => /^\s*([\d,.-]+)[┤┼]/.exec(line)?.[1])
      .filter((label): label is string => label !== undefined)
      .map((label) => Number(label.replaceAll(',', '')));
    assert.equal(labels.length, rows, `${rows} rows, a label each`);
    const step = (labels[0] as number) - (labels[1] as number);
    for (let i = 1; i < labels.length; i++) assert.equal((labels[i - 1] as number) - (labels[i] as number), step);
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    assert.ok([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8].includes(mantissa), `${rows} rows: a step of ${step}`);
    const span = (labels[0] as number) - (labels.at(-1) as number);
    assert.ok(span < 1.7 * (Math.max(...values) - Math.min(...values)), `${rows} rows: the data fills the chart`);
    assert.ok(Math.min(...values) >= (labels.at(-1) as number) && Math.max(...values) <= (labels[0] as number));
  }
});
