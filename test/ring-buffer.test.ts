import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Float64Ring, Ring } from '../src/core/ring-buffer.js';

test('Float64Ring keeps the newest values, oldest first, once full', () => {
  const ring = new Float64Ring(3);
  assert.equal(ring.length, 0);
  assert.equal(ring.last(), undefined);
  for (const v of [1, 2]) ring.push(v);
  assert.deepEqual([...ring.toArray()], [1, 2]);
  for (const v of [3, 4, 5]) ring.push(v);
  assert.equal(ring.length, 3);
  assert.deepEqual([...ring.toArray()], [3, 4, 5]);
  assert.equal(ring.at(0), 3);
  assert.equal(ring.at(2), 5);
  assert.equal(ring.last(), 5);
  assert.throws(() => ring.at(3), RangeError);
});

test('Float64Ring never holds more than its capacity, whatever is pushed', () => {
  const ring = new Float64Ring(1440);
  for (let i = 0; i < 100_000; i++) ring.push(i);
  assert.equal(ring.length, 1440);
  const values = ring.toArray();
  assert.equal(values.length, 1440);
  assert.equal(values[0], 100_000 - 1440);
  assert.equal(values[1439], 99_999);
});

test('Float64Ring copies are not affected by later pushes', () => {
  const ring = new Float64Ring(2);
  ring.push(1);
  ring.push(2);
  const copy = ring.toArray();
  ring.push(3);
  assert.deepEqual([...copy], [1, 2]);
  ring.clear();
  assert.equal(ring.length, 0);
});

test('Ring<T> wraps around and rejects a bad capacity', () => {
  const ring = new Ring<string>(2);
  ring.push('a');
  ring.push('b');
  ring.push('c');
  assert.deepEqual(ring.toArray(), ['b', 'c']);
  assert.equal(ring.last(), 'c');
  assert.throws(() => new Ring(0), RangeError);
  assert.throws(() => new Float64Ring(1.5), RangeError);
});
