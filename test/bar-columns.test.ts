/** BarColumns, the form bars are handed on in: made from bars and back, cut and joined without sharing a buffer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  barAt,
  barColumns,
  barsFromColumns,
  columnsFromBars,
  concatColumns,
  firstBarAfter,
  sliceColumns,
} from '../src/core/bar-columns.js';
import type { Bar } from '../src/core/model.js';

const bars = fc
  .array(
    fc.record({
      open: fc.double({ noNaN: true }),
      high: fc.double({ noNaN: true }),
      low: fc.double({ noNaN: true }),
      close: fc.double({ noNaN: true }),
      volume: fc.double({ min: 0, noNaN: true }),
    }),
    { maxLength: 40 },
  )
  .map((fields) => fields.map((f, i): Bar => ({ time: 1_700_000_000_000 + i * 900_000, ...f })));

test('bars to columns and back are the same bars, to the last bit', () => {
  fc.assert(
    fc.property(bars, (list) => {
      const columns = columnsFromBars(list);
      assert.equal(columns.length, list.length);
      assert.deepEqual(barsFromColumns(columns), list);
      list.forEach((bar, i) => assert.deepEqual(barAt(columns, i), bar));
    }),
  );
});

test('a slice and a join are copies with the bars they should have', () => {
  fc.assert(
    fc.property(bars, bars, fc.integer({ min: -5, max: 50 }), fc.integer({ min: -5, max: 50 }), (a, b, start, end) => {
      const columns = columnsFromBars(a);
      const part = sliceColumns(columns, start, end);
      assert.deepEqual(barsFromColumns(part), a.slice(Math.max(0, start), Math.max(0, end)));
      if (part !== columns && part.length > 0) assert.notEqual(part.time.buffer, columns.time.buffer);
      assert.deepEqual(barsFromColumns(concatColumns(columns, columnsFromBars(b))), [...a, ...b]);
    }),
  );
});

test('the first bar after a time is found by bisection', () => {
  fc.assert(
    fc.property(bars, fc.integer({ min: 1_699_999_000_000, max: 1_700_040_000_000 }), (list, after) => {
      const expected = list.findIndex((bar) => bar.time > after);
      assert.equal(firstBarAfter(columnsFromBars(list), after), expected === -1 ? list.length : expected);
    }),
  );
});

test('the six columns do not overlap, small ones (arrays of their own) and large ones (one buffer)', () => {
  for (const length of [0, 1, 3, 8, 9, 20]) {
    const columns = barColumns(length);
    assert.equal(columns.length, length);
    columns.time.fill(1);
    columns.volume.fill(6);
    for (const column of [columns.time, columns.open, columns.high, columns.low, columns.close, columns.volume])
      assert.equal(column.length, length);
    assert.deepEqual(
      [...columns.open, ...columns.high, ...columns.low, ...columns.close],
      new Array(4 * length).fill(0),
    );
    assert.deepEqual(
      [...columns.time, ...columns.volume],
      [...new Array(length).fill(1), ...new Array(length).fill(6)],
    );
  }
});
