import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from '../src/core/lru-cache.js';

test('the LRU cache stays within its entries and bytes, dropping the least recently used', () => {
  const cache = new LruCache<string, number[]>(3, 100, (values) => values.length * 10);
  cache.set('a', [1]);
  cache.set('b', [1, 2]);
  cache.set('c', [1, 2, 3]);
  assert.ok(cache.get('a'), 'a is used, so b is now the oldest');
  cache.set('d', [1]);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('b'), undefined);
  // Oldest first now: c, a, d. Adding 60 bytes to their 50 goes over 100: c, the oldest, goes.
  cache.set('e', [1, 2, 3, 4, 5, 6]);
  assert.ok(cache.totalBytes <= 100, `${cache.totalBytes} bytes`);
  assert.equal(cache.get('c'), undefined);
  assert.deepEqual(cache.get('a'), [1]);
  assert.deepEqual(cache.get('e'), [1, 2, 3, 4, 5, 6]);
  cache.set('huge', new Array<number>(20).fill(0));
  assert.equal(cache.get('huge'), undefined, 'a value larger than the whole budget is not kept');
  for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, [i]);
  assert.equal(cache.size, 3);
  assert.ok(cache.totalBytes <= 100);
});

test('peek reads a value without making it the most recently used', () => {
  const cache = new LruCache<string, number>(2, 100, () => 1);
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.peek('a'), 1);
  assert.equal(cache.peek('z'), undefined);
  cache.set('c', 3);
  // a was only peeked at: still the oldest, so it went.
  assert.equal(cache.peek('a'), undefined);
  assert.equal(cache.peek('b'), 2);
});
