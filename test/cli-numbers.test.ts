import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { HeadlessPrinter } from '../src/cli/headless-printer.js';
import { humanLine } from '../src/engine/event-text.js';
import { formatCount } from '../src/core/plural.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import { runBin } from './support/bin.js';

test('counts as people write them: 1 symbol, 2 symbols, 0 symbols', () => {
  assert.equal(formatCount(1, 'symbol'), '1 symbol');
  assert.equal(formatCount(2, 'symbol'), '2 symbols');
  assert.equal(formatCount(0, 'iteration'), '0 iterations');
  assert.equal(formatCount(1, 'equity point'), '1 equity point');
  assert.equal(formatCount(3, 'entry', 'entries'), '3 entries');
});

const summary = (n: number): Extract<LoopEvent, { type: 'summary' }> => ({
  type: 'summary',
  iterations: n,
  equity: 100_000,
  return: 0,
  maxDrawdown: 0,
  trades: n,
  equityPoints: n,
});

test('headless lines: singular for one, plural otherwise', () => {
  const start = (symbols: number): LoopEvent => ({
    type: 'start',
    mode: 'SIM',
    symbols,
    timeframe: '15Min',
    period: '60d',
    seed: 1,
    equity: 100_000,
  });
  assert.match(humanLine(start(1)) ?? '', /^trading-tui SIM: 1 symbol, 15Min bars/);
  assert.match(humanLine(start(3)) ?? '', /^trading-tui SIM: 3 symbols, 15Min bars/);
  assert.match(humanLine(summary(1)) ?? '', /^summary: 1 iteration, .*, 1 trade, 1 equity point in memory$/);
  assert.match(humanLine(summary(2)) ?? '', /^summary: 2 iterations, .*, 2 trades, 2 equity points in memory$/);
});

test('NDJSON durations are rounded to 0.1 ms and rates to the unit', () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const printer = new HeadlessPrinter(out, true);
  printer.print({
    type: 'download',
    round: 'backfill',
    symbol: 'AAPL',
    state: 'done',
    attempt: 1,
    bars: 1118,
    ms: 30.32417499999997,
  });
  printer.print({
    type: 'round',
    kind: 'backfill',
    total: 1,
    counts: { queued: 0, running: 0, retrying: 0, done: 1, failed: 0, 'timed-out': 0, cancelled: 0 },
    bars: 1118,
    elapsedMs: 2.1462700000000012,
    barsPerSecond: 1041807.4147241487,
    concurrency: 8,
  });
  printer.print(summary(1));
  const [download, round] = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(download?.ms, 30.3);
  assert.match(text, /"ms":30\.3}/);
  assert.equal(round?.elapsedMs, 2.1);
  assert.equal(round?.barsPerSecond, 1041807);
  assert.deepEqual(Object.keys(download ?? {}), ['type', 'round', 'symbol', 'state', 'attempt', 'bars', 'ms']);
});

test('NDJSON summary fractions carry no float noise', () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const printer = new HeadlessPrinter(out, true);
  printer.print({ ...summary(3), return: 1.03 - 1, maxDrawdown: 0.1 + 0.2 - 0.3 + 0.0123 });
  printer.flush();
  assert.match(text, /"return":0\.03,/);
  assert.match(text, /"maxDrawdown":0\.0123,/);
});

test('the bin: one symbol and one iteration read as such; NDJSON durations have at most one decimal', async () => {
  const human = await runBin(['--headless', '--no-db', '--symbols', 'AAPL', '--iterations', '1', '--interval', '0']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^trading-tui SIM: 1 symbol, 15Min bars/);
  assert.match(human.stdout, /^summary: 1 iteration, /m);
  const json = await runBin([
    '--json',
    '--no-db',
    '--symbols',
    'AAPL,MSFT,SPY',
    '--iterations',
    '3',
    '--interval',
    '5ms',
  ]);
  assert.equal(json.code, 0, json.stderr);
  const timed = json.stdout.split('\n').filter((line) => /"type":"(download|round)"/.test(line));
  assert.ok(timed.length >= 7, `downloads and a round: ${timed.length}`);
  for (const line of timed) {
    for (const [, value] of line.matchAll(/"(?:ms|elapsedMs)":([^,}]+)/g))
      assert.match(value ?? '', /^\d+(\.\d)?$/, line);
    for (const [, value] of line.matchAll(/"barsPerSecond":([^,}]+)/g)) assert.match(value ?? '', /^\d+$/, line);
  }
});
