import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Downloader,
  MAX_RETRY_AFTER_MS,
  type DownloadStateChange,
  type FetchSymbol,
  type RoundResult,
} from '../src/market/downloader.js';
import { PermanentError, TransientError } from '../src/market/types.js';
import { waitUntil as waitUntilShared } from './support/wait-until.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function symbolsOf(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `S${i}`);
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

const ignore = (): void => {};
const countItems = (value: readonly unknown[]): number => value.length;

/** Settles only when its signal aborts, as a well-behaved hung request does. */
function hangUntilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Counts calls in flight; `peak` is the most seen at once. */
class InFlightCounter {
  current = 0;
  peak = 0;
  enter(): void {
    this.current++;
    if (this.current > this.peak) this.peak = this.current;
  }
  leave(): void {
    this.current--;
  }
}

const waitUntil = (condition: () => boolean, timeoutMs = 2000): Promise<void> =>
  waitUntilShared(condition, timeoutMs, 1);

test('a fixed concurrency is never exceeded, and is reached', async () => {
  const counter = new InFlightCounter();
  const downloader = new Downloader({ concurrency: 4, timeoutMs: 1000 });
  const fetch: FetchSymbol<number[]> = async () => {
    counter.enter();
    try {
      await sleep(Math.random() * 3);
      return [1, 2];
    } finally {
      counter.leave();
    }
  };
  const result = await downloader.runRound('backfill', symbolsOf(100), fetch, ignore, countItems);
  assert.equal(result.counts.done, 100);
  assert.equal(result.bars, 200);
  assert.equal(counter.peak, 4);
  assert.equal(counter.current, 0);
});

test('auto concurrency stays within max and within the limit in force when each request starts', async () => {
  const counter = new InFlightCounter();
  let overLimit = 0;
  const downloader = new Downloader({
    concurrency: 'auto',
    minConcurrency: 2,
    maxConcurrency: 6,
    initialConcurrency: 3,
    timeoutMs: 1000,
    backoffBaseMs: 1,
  });
  const fetch: FetchSymbol<number[]> = async (symbol, _signal, attempt) => {
    counter.enter();
    if (counter.current > downloader.concurrency) overLimit++;
    try {
      await sleep(1);
      // Every 7th symbol is rate limited once, so the limit moves both ways.
      if (attempt === 1 && Number(symbol.slice(1)) % 7 === 0) throw new TransientError('429', 1);
      return [1];
    } finally {
      counter.leave();
    }
  };
  for (let round = 0; round < 3; round++) {
    const result = await downloader.runRound('refresh', symbolsOf(150), fetch, ignore, countItems);
    assert.equal(result.counts.done, 150);
  }
  assert.equal(overLimit, 0);
  assert.ok(counter.peak <= 6, `peak ${counter.peak}`);
  assert.ok(downloader.concurrency >= 2 && downloader.concurrency <= 6);
});

test('a hung request is aborted after timeoutMs, retried, and ends timed out', async () => {
  const timersBefore = activeTimers();
  const abortedAfterMs: number[] = [];
  const reasons: unknown[] = [];
  const downloader = new Downloader({ concurrency: 2, timeoutMs: 30, maxRetries: 1, backoffBaseMs: 1 });
  const fetch: FetchSymbol<number[]> = (_symbol, signal) => {
    const started = performance.now();
    signal.addEventListener(
      'abort',
      () => {
        abortedAfterMs.push(performance.now() - started);
        reasons.push(signal.reason);
      },
      { once: true },
    );
    return hangUntilAborted(signal);
  };
  const result = await downloader.runRound('refresh', ['HUNG'], fetch, ignore, countItems);
  assert.equal(result.counts['timed-out'], 1);
  assert.deepEqual(result.failedSymbols, ['HUNG']);
  assert.equal(abortedAfterMs.length, 2, 'first attempt and one retry');
  for (const ms of abortedAfterMs) assert.ok(ms >= 25 && ms < 1000, `aborted after ${ms} ms`);
  for (const reason of reasons) assert.equal((reason as Error).name, 'TimeoutError');
  const rows = downloader.view().rows;
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.state, 'timed-out');
  assert.equal(rows[0]?.attempt, 2);
  assert.equal(rows[0]?.error, 'timed out after 30 ms');
  assert.equal(activeTimers(), timersBefore);
});

test('a request that ignores its abort signal still times out, and its late answer is dropped', async () => {
  let results = 0;
  const downloader = new Downloader({ concurrency: 1, timeoutMs: 10, maxRetries: 0 });
  const fetch: FetchSymbol<number[]> = async () => {
    await sleep(40);
    return [1];
  };
  const result = await downloader.runRound('refresh', ['DEAF'], fetch, () => results++, countItems);
  assert.equal(result.counts['timed-out'], 1);
  await sleep(60);
  assert.equal(results, 0);
  assert.equal(downloader.view().round?.counts['timed-out'], 1);
});

test('transient errors are retried maxRetries times, then fail', async () => {
  let calls = 0;
  const attemptsSeen: number[] = [];
  const downloader = new Downloader({ concurrency: 2, timeoutMs: 1000, maxRetries: 3, backoffBaseMs: 1 });
  const result = await downloader.runRound(
    'refresh',
    ['FLAKY'],
    async (_symbol, _signal, attempt) => {
      calls++;
      attemptsSeen.push(attempt);
      throw new TransientError('HTTP 503');
    },
    ignore,
    countItems,
  );
  assert.equal(calls, 4);
  assert.deepEqual(attemptsSeen, [1, 2, 3, 4]);
  assert.equal(result.counts.failed, 1);
  assert.deepEqual(result.failedSymbols, ['FLAKY']);
  const row = downloader.view().rows[0];
  assert.equal(row?.state, 'failed');
  assert.equal(row?.attempt, 4);
  assert.equal(row?.error, 'HTTP 503');
});

test('permanent and unknown errors are tried exactly once', async () => {
  for (const error of [new PermanentError('unknown symbol'), new Error('boom'), 'a string']) {
    let calls = 0;
    const downloader = new Downloader({ concurrency: 2, timeoutMs: 1000, backoffBaseMs: 1 });
    const result = await downloader.runRound(
      'refresh',
      ['BAD'],
      async () => {
        calls++;
        throw error;
      },
      ignore,
      countItems,
    );
    assert.equal(calls, 1);
    assert.equal(result.counts.failed, 1);
    const row = downloader.view().rows[0];
    assert.equal(row?.state, 'failed');
    assert.equal(row?.attempt, 1);
  }
});

test('a transient failure then a success ends done, with one result', async () => {
  const results: string[] = [];
  const changes: DownloadStateChange[] = [];
  const downloader = new Downloader({
    concurrency: 2,
    timeoutMs: 1000,
    backoffBaseMs: 1,
    onStateChange: (change) => changes.push(change),
  });
  const result = await downloader.runRound(
    'backfill',
    ['AAPL'],
    async (_symbol, _signal, attempt) => {
      if (attempt === 1) throw new TransientError('reset');
      return [1, 2, 3];
    },
    (symbol) => results.push(symbol),
    countItems,
  );
  assert.equal(result.counts.done, 1);
  assert.equal(result.bars, 3);
  assert.deepEqual(results, ['AAPL']);
  assert.deepEqual(
    changes.map((c) => [c.state, c.attempt]),
    [
      ['running', 1],
      ['retrying', 2],
      ['running', 2],
      ['done', 2],
    ],
  );
  assert.equal(changes[1]?.error, 'reset');
  assert.equal(changes[3]?.bars, 3);
  assert.equal(changes[3]?.error, undefined);
  assert.ok((changes[3]?.ms ?? -1) >= 0);
});

test('backoff grows exponentially, and a 429 waits at least its Retry-After', async () => {
  const startedAt: number[] = [];
  const downloader = new Downloader({
    concurrency: 1,
    timeoutMs: 1000,
    maxRetries: 3,
    backoffBaseMs: 20,
    backoffMaxMs: 1000,
    random: () => 1,
  });
  await downloader.runRound(
    'refresh',
    ['X'],
    async () => {
      startedAt.push(performance.now());
      throw new TransientError('HTTP 502');
    },
    ignore,
    countItems,
  );
  const gaps = startedAt.slice(1).map((t, i) => t - (startedAt[i] ?? 0));
  assert.equal(gaps.length, 3);
  [20, 40, 80].forEach((expected, i) => {
    const gap = gaps[i] ?? 0;
    assert.ok(gap >= expected - 2 && gap < expected + 200, `gap ${i}: ${gap} ms, expected ~${expected}`);
  });

  const limited: number[] = [];
  const jitterless = new Downloader({ concurrency: 1, timeoutMs: 1000, backoffBaseMs: 1, random: () => 0 });
  const result = await jitterless.runRound(
    'refresh',
    ['Y'],
    async (_symbol, _signal, attempt) => {
      limited.push(performance.now());
      if (attempt === 1) throw new TransientError('HTTP 429', 60);
      return [];
    },
    ignore,
    countItems,
  );
  assert.equal(result.counts.done, 1);
  const wait = (limited[1] ?? 0) - (limited[0] ?? 0);
  assert.ok(wait >= 58, `waited ${wait} ms after a 429 asking for 60`);
});

test('cancel() ends a backoff wait at once', async () => {
  const timersBefore = activeTimers();
  const downloader = new Downloader({ concurrency: 1, timeoutMs: 1000, backoffBaseMs: 10_000, random: () => 1 });
  const round = downloader.runRound(
    'refresh',
    ['SLOW'],
    async () => {
      throw new TransientError('HTTP 503');
    },
    ignore,
    countItems,
  );
  await waitUntil(() => downloader.view().round?.counts.retrying === 1);
  const cancelledAt = performance.now();
  downloader.cancel();
  const result = await round;
  assert.ok(performance.now() - cancelledAt < 100);
  assert.equal(result.cancelled, true);
  assert.equal(result.counts.cancelled, 1);
  assert.equal(activeTimers(), timersBefore);
});

test('auto concurrency rises toward max while all requests succeed quickly', async () => {
  const downloader = new Downloader({
    concurrency: 'auto',
    minConcurrency: 2,
    maxConcurrency: 16,
    initialConcurrency: 4,
    timeoutMs: 1000,
  });
  const fetch: FetchSymbol<number[]> = () => new Promise((resolve) => setImmediate(resolve, [1]));
  assert.equal(downloader.concurrency, 4);
  for (let round = 0; round < 2; round++) {
    await downloader.runRound('refresh', symbolsOf(200), fetch, ignore, countItems);
  }
  assert.equal(downloader.concurrency, 16);
  assert.equal(downloader.view().round?.concurrency, 16);
});

test('auto concurrency halves once for a wave of 429s, and never goes under min', async () => {
  const seen: number[] = [];
  const downloader = new Downloader({
    concurrency: 'auto',
    minConcurrency: 2,
    maxConcurrency: 32,
    initialConcurrency: 16,
    timeoutMs: 1000,
    backoffBaseMs: 1,
    onStateChange: () => seen.push(downloader.concurrency),
  });
  // The first 16 requests start together and all come back 429: one wave, one decrease.
  const oneWave: FetchSymbol<number[]> = async (symbol, _signal, attempt) => {
    await sleep(5);
    if (attempt === 1 && Number(symbol.slice(1)) < 16) throw new TransientError('HTTP 429', 1);
    return [1];
  };
  const first = await downloader.runRound('refresh', symbolsOf(64), oneWave, ignore, countItems);
  assert.equal(first.counts.done, 64);
  assert.equal(Math.min(...seen), 8);

  seen.length = 0;
  const allLimited: FetchSymbol<number[]> = async () => {
    await sleep(2);
    throw new TransientError('HTTP 429', 1);
  };
  const second = await downloader.runRound('refresh', symbolsOf(40), allLimited, ignore, countItems);
  assert.equal(second.counts.failed, 40);
  assert.equal(Math.min(...seen), 2);
  assert.equal(downloader.concurrency, 2);
  assert.ok(seen.every((limit) => limit >= 2 && limit <= 32));
});

test('view() lists failed first, then running, at most maxStatusRows', async () => {
  const downloader = new Downloader({ concurrency: 5, timeoutMs: 5000, maxStatusRows: 3 });
  const round = downloader.runRound(
    'backfill',
    symbolsOf(10),
    (symbol, signal) =>
      symbol === 'S0' ? Promise.reject(new PermanentError('no such symbol')) : hangUntilAborted(signal),
    ignore,
    countItems,
  );
  await waitUntil(() => downloader.view().round?.counts.failed === 1);
  const view = downloader.view();
  assert.equal(view.round?.kind, 'backfill');
  assert.equal(view.round?.total, 10);
  assert.equal(view.round?.counts.running, 5);
  assert.equal(view.round?.counts.queued, 4);
  assert.equal(view.round?.finished, false);
  assert.deepEqual(
    view.rows.map((row) => [row.symbol, row.state]),
    [
      ['S0', 'failed'],
      ['S1', 'running'],
      ['S2', 'running'],
    ],
  );
  assert.equal(view.rows[0]?.error, 'no such symbol');
  downloader.cancel();
  const result = await round;
  assert.equal(result.counts.cancelled, 9);
  assert.deepEqual(result.failedSymbols, ['S0']);
  assert.equal(downloader.view().round?.finished, true);
});

test('500 symbols in one round all finish, each result delivered once', async () => {
  const counter = new InFlightCounter();
  const delivered = new Map<string, number>();
  const downloader = new Downloader({ concurrency: 16, timeoutMs: 5000 });
  const fetch: FetchSymbol<number[]> = async (symbol) => {
    counter.enter();
    try {
      await sleep(Math.random() * 4);
      return [symbol.length];
    } finally {
      counter.leave();
    }
  };
  const symbols = symbolsOf(500);
  const result = await downloader.runRound(
    'backfill',
    symbols,
    fetch,
    (symbol) => delivered.set(symbol, (delivered.get(symbol) ?? 0) + 1),
    countItems,
  );
  assert.equal(result.total, 500);
  assert.equal(result.counts.done, 500);
  assert.equal(result.bars, 500);
  assert.equal(result.cancelled, false);
  assert.equal(delivered.size, 500);
  assert.ok([...delivered.values()].every((n) => n === 1));
  assert.ok(counter.peak <= 16);
});

test('cancel() aborts the requests in flight and resolves the round as cancelled', async () => {
  const timersBefore = activeTimers();
  const signals: AbortSignal[] = [];
  const counter = new InFlightCounter();
  const changes: DownloadStateChange[] = [];
  const downloader = new Downloader({
    concurrency: 4,
    timeoutMs: 5000,
    onStateChange: (change) => changes.push(change),
  });
  const round = downloader.runRound(
    'refresh',
    symbolsOf(20),
    (_symbol, signal) => {
      signals.push(signal);
      counter.enter();
      return hangUntilAborted(signal).finally(() => counter.leave());
    },
    ignore,
    countItems,
  );
  await waitUntil(() => signals.length === 4);
  downloader.cancel();
  const result = await round;
  assert.equal(result.cancelled, true);
  assert.equal(result.counts.cancelled, 20);
  assert.deepEqual(result.failedSymbols, []);
  assert.ok(signals.every((signal) => signal.aborted));
  await sleep(0);
  assert.equal(counter.current, 0);
  assert.equal(activeTimers(), timersBefore);
  assert.equal(changes.filter((c) => c.state === 'cancelled').length, 4, 'only started symbols report cancelled');
  assert.ok(!changes.some((c) => c.state === 'queued'));

  const next = await downloader.runRound('refresh', symbolsOf(10), async () => [1], ignore, countItems);
  assert.equal(next.counts.done, 10);
  assert.equal(next.cancelled, false);
});

test('after close() rounds resolve at once as cancelled without fetching', async () => {
  const downloader = new Downloader({ concurrency: 4, timeoutMs: 1000 });
  downloader.close();
  let calls = 0;
  const result = await downloader.runRound(
    'refresh',
    symbolsOf(5),
    async () => {
      calls++;
      return [];
    },
    ignore,
    countItems,
  );
  assert.equal(calls, 0);
  assert.equal(result.cancelled, true);
  assert.equal(result.counts.cancelled, 5);
});

test('an empty round resolves at once; a second concurrent round is refused', async () => {
  const downloader = new Downloader({ concurrency: 2, timeoutMs: 1000 });
  const empty = await downloader.runRound('refresh', [], async () => [], ignore, countItems);
  assert.equal(empty.total, 0);
  assert.equal(empty.cancelled, false);

  const running = downloader.runRound('refresh', ['A'], (_s, signal) => hangUntilAborted(signal), ignore, countItems);
  await assert.rejects(
    downloader.runRound('refresh', ['B'], async () => [], ignore, countItems),
    /already running/,
  );
  downloader.cancel();
  assert.equal((await running).cancelled, true);
});

test('an onResult that throws fails only its symbol', async () => {
  const downloader = new Downloader({ concurrency: 2, timeoutMs: 1000 });
  const result = await downloader.runRound(
    'refresh',
    ['OK', 'BAD'],
    async () => [1],
    (symbol) => {
      if (symbol === 'BAD') throw new Error('cannot store');
    },
    countItems,
  );
  assert.equal(result.counts.done, 1);
  assert.deepEqual(result.failedSymbols, ['BAD']);
  assert.match(downloader.view().rows[0]?.error ?? '', /cannot store/);
});

test('thousands of rounds keep neither memory nor timers', async () => {
  const timersBefore = activeTimers();
  const downloader = new Downloader({ concurrency: 'auto', timeoutMs: 15_000 });
  const symbols = symbolsOf(50);
  const bars = [1, 2, 3];
  const fetch: FetchSymbol<number[]> = () => Promise.resolve(bars);
  let last: RoundResult | undefined;
  let heapAtRound1000 = 0;
  for (let round = 1; round <= 5000; round++) {
    last = await downloader.runRound('refresh', symbols, fetch, ignore, countItems);
    if (round % 100 === 0) downloader.view();
    if (round === 1000) {
      gc();
      heapAtRound1000 = process.memoryUsage().heapUsed;
    }
  }
  gc();
  const growth = process.memoryUsage().heapUsed - heapAtRound1000;
  assert.equal(last?.counts.done, 50);
  assert.ok(growth < 2 * 1024 * 1024, `heap grew by ${(growth / 1024).toFixed(0)} KiB`);
  assert.equal(activeTimers(), timersBefore);
});

test('a server asking to wait longer than a minute fails the symbol instead of stalling the round', async () => {
  const downloader = new Downloader({ concurrency: 4, timeoutMs: 1000, backoffBaseMs: 1 });
  const started = performance.now();
  const result = await downloader.runRound(
    'refresh',
    ['A', 'B'],
    async (symbol) => {
      if (symbol === 'A') throw new TransientError('HTTP 429', MAX_RETRY_AFTER_MS * 10);
      return [1];
    },
    () => {},
    (bars: number[]) => bars.length,
  );
  assert.ok(performance.now() - started < 1000);
  assert.equal(result.counts.failed, 1);
  assert.equal(result.counts.done, 1);
  assert.match(downloader.view().rows[0]?.error ?? '', /asks to wait 600 s; more than 60 s/);
  downloader.close();
});
