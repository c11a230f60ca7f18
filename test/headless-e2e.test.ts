import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, runBin, startBin } from './support/bin.js';
import { waitUntil } from './support/wait-until.js';

const parseLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('--json: one JSON object per line, every kind the loop reports, a summary last', async () => {
  const result = await runBin(['--json', '--iterations', '300', '--interval', '0', '--seed', '3']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const lines = parseLines(result.stdout);
  const types = new Set(lines.map((l) => l.type));
  for (const type of ['start', 'download', 'round', 'iteration', 'fill', 'regime', 'summary'])
    assert.ok(types.has(type), `has ${type} lines`);
  const download = lines.find((l) => l.type === 'download');
  for (const key of ['symbol', 'state', 'attempt', 'bars', 'ms'])
    assert.ok(download && key in download, `download has ${key}`);
  const iterations = lines.filter((l) => l.type === 'iteration');
  assert.equal(iterations.length, 300);
  for (const key of ['i', 'time', 'equity', 'cash', 'regime', 'positions', 'heapUsed', 'rss'])
    assert.ok(key in (iterations[0] as object), `iteration has ${key}`);
  const summary = lines.at(-1) as Record<string, unknown>;
  assert.equal(summary.type, 'summary');
  for (const key of ['iterations', 'equity', 'return', 'maxDrawdown', 'trades', 'equityPoints'])
    assert.ok(key in summary, `summary has ${key}`);
  assert.equal(summary.iterations, 300);
  assert.equal(summary.equityPoints, 300);
});

test('not a terminal: headless automatically, in human-readable lines', async () => {
  const result = await runBin(['--iterations', '5', '--interval', '0', '--symbols', 'AAPL,MSFT,SPY']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^trading-tui SIM: 3 symbols, 15Min bars, 60d of history/);
  assert.match(result.stdout, /^backfill: 3\/3 done/m);
  assert.match(result.stdout, /^#5 \d{4}-\d\d-\d\d \d\d:\d\d equity \$[\d,]+\.\d\d/m);
  assert.match(
    result.stdout,
    /^summary: 5 iterations, equity \$[\d,.]+, return -?\d+\.\d\d%, max drawdown \d+\.\d\d%, \d+ trades, 5 equity points in memory$/m,
  );
});

test('SIGTERM stops at an iteration boundary, prints the summary and exits 0', async () => {
  const child = startBin(['--json', '--interval', '50ms']);
  const done = collect(child);
  await new Promise<void>((resolve) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if ((seen.match(/"type":"iteration"/g) ?? []).length >= 3) resolve();
    });
  });
  child.kill('SIGTERM');
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  const lines = parseLines(result.stdout);
  const summary = lines.at(-1) as Record<string, unknown>;
  assert.equal(summary.type, 'summary');
  assert.equal(summary.iterations, lines.filter((l) => l.type === 'iteration').length);
});

test('a long NDJSON stream through a pipe arrives whole', async () => {
  // About 3 MB of lines. Without a database (the --json test above runs with one): writing 3,000
  // iterations' rows took 15-19 s of the 60 s limit alone and over 60 s on a loaded machine, and
  // this is about the stream, not the store (the run alone now takes about a second).
  const result = await runBin(['--json', '--iterations', '3000', '--interval', '0', '--no-db']);
  assert.equal(result.code, 0, result.stderr);
  const lines = parseLines(result.stdout);
  const iterations = lines.filter((l) => l.type === 'iteration').map((l) => l.i);
  assert.deepEqual(
    iterations,
    Array.from({ length: 3000 }, (_, k) => k + 1),
    'every iteration, once, in order',
  );
  assert.equal(lines.at(-1)?.type, 'summary');
  assert.equal(lines.at(-1)?.iterations, 3000);
});

test('Ctrl-C stops a run at --interval 0 too (the loop yields to signals between iterations)', async () => {
  const child = startBin(['--json', '--interval', '0']);
  const done = collect(child);
  await new Promise<void>((resolve) => {
    let count = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      count += (chunk.toString().match(/"type":"iteration"/g) ?? []).length;
      if (count >= 200) resolve();
    });
  });
  child.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(parseLines(result.stdout).at(-1)?.type, 'summary');
});

test('a reader that goes away (| head) ends the run quietly', async () => {
  const child = startBin(['--json', '--interval', '0']);
  const done = collect(child);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
});

test('Ctrl-C works while the reader of the pipe has stopped reading', async () => {
  const child = startBin(['--json', '--interval', '0']);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Guards against a hang only (the run ends in well under a second when it works); on any failure
  // the bot, whose reader has stopped, is killed rather than left waiting for ever.
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  try {
    await Promise.race([new Promise<void>((resolve) => child.stdout.once('data', () => resolve())), exited]);
    child.stdout.pause();
    // Our side's buffer full: nothing more is read from the pipe, so the bot's writes back up behind it.
    await waitUntil(() => child.stdout.readableLength >= child.stdout.readableHighWaterMark, 240_000);
    child.kill('SIGINT');
    child.stdout.resume();
    assert.equal(await exited, 0, stderr);
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
});
