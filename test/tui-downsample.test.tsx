import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleMinMax } from '../components/downsample.js';
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
