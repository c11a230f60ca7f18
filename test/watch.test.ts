import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWatchArgs, runWatch } from '../src/cli/commands/watch.js';
import { UsageError } from '../src/cli/parse-values.js';
import { DatabaseSnapshotSource } from '../src/store/database-snapshot-source.js';
import { openStore, StoreError } from '../src/store/open-store.js';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import { heapAfterGc } from './support/gc.js';
import { MINUTE, T0, WatchDatabase } from './support/watch-database.js';
import { waitUntil } from './support/wait-until.js';

// Sources a test opened; closed after each test even when an assertion failed, so a polling timer
// never keeps the test process alive.
const openSources = new Set<DatabaseSnapshotSource>();
afterEach(async () => {
  await Promise.all([...openSources].map((source) => source.close()));
  openSources.clear();
});

async function watching(db: WatchDatabase, now: () => number = Date.now): Promise<DatabaseSnapshotSource> {
  const connection = await openStore(db.path, { readonly: true });
  const source = new DatabaseSnapshotSource(connection, db.path, { now });
  openSources.add(source);
  return source;
}

test('the snapshot holds the checkpoint, equity points, events and regime of a hand-filled database', async () => {
  const db = await WatchDatabase.create({ intervalMs: 60_000, iterations: 500 });
  await db.writeIteration({ iteration: 1, equity: 100_010, events: [{ kind: 'info', message: 'started' }] });
  await db.writeIteration({
    iteration: 2,
    equity: 100_020,
    regimeChange: { from: 'range', to: 'trend-up', confidence: 0.8 },
  });
  await db.writeIteration({
    iteration: 3,
    equity: 100_030,
    events: [
      { kind: 'fill', message: 'bought 100 AAPL' },
      { kind: 'risk', message: 'daily loss limit' },
    ],
    checkpoint: { risk: { day: 0, dayStartEquity: 100_000, haltReason: 'daily loss limit' } },
  });
  const source = await watching(db);
  await source.poll();
  const s = source.getSnapshot();

  assert.equal(s.mode, 'SIM');
  assert.equal(s.phase, 'running');
  assert.equal(s.iteration, 3);
  assert.equal(s.iterations, 500);
  assert.equal(s.intervalMs, 60_000);
  assert.equal(s.marketTime, T0 + 3 * MINUTE);
  assert.deepEqual([...s.equity.times], [T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]);
  assert.deepEqual([...s.equity.values], [100_010, 100_020, 100_030]);
  assert.equal(s.equity.start, 100_000);
  assert.equal(s.equity.maxDrawdown, 0.031);
  // 50,000 cash + 100 × 190 + 50 × 390 = 88,500.
  assert.equal(s.equity.current, 88_500);
  assert.deepEqual(
    s.positions.map((p) => [p.symbol, p.marketValue, p.unrealizedPnl, Number(p.weight.toFixed(4))]),
    [
      ['MSFT', 19_500, -500, 0.2203],
      ['AAPL', 19_000, 1_000, 0.2147],
    ],
  );
  assert.deepEqual(
    s.events.map((e) => [e.kind, e.message]),
    [
      ['info', 'started'],
      ['fill', 'bought 100 AAPL'],
      ['risk', 'daily loss limit'],
    ],
  );
  assert.ok(
    s.events.every((e, i) => i === 0 || e.seq > (s.events[i - 1]?.seq ?? 0)),
    'seq increases',
  );
  assert.equal(s.regime.current, 'trend-up');
  assert.equal(s.regime.since, T0 - 30 * MINUTE);
  assert.equal(s.regime.bars, 30);
  assert.equal(s.regime.confidence, 0.8);
  assert.deepEqual(s.regime.history, [{ time: T0 + 2 * MINUTE, from: 'range', to: 'trend-up', confidence: 0.8 }]);
  assert.equal(s.trades, 7);
  assert.equal(s.realizedPnl, 125.5);
  assert.equal(s.haltReason, 'daily loss limit');
  assert.deepEqual(s.downloads, { round: null, rows: [] });
  const status = source.getWatchStatus();
  assert.equal(status.dbPath, db.path);
  assert.equal(status.lastWriteAt, T0 + 3 * MINUTE);
  assert.equal(status.error, null);
  await source.close();
  await db.close();
});

test('a poll with nothing new reads nothing and keeps the same snapshot object', async () => {
  const db = await WatchDatabase.create();
  await db.writeIteration({ iteration: 1 });
  const source = await watching(db);
  await source.poll();
  const first = source.getSnapshot();
  for (let i = 0; i < 5; i++) await source.poll();
  assert.equal(source.stats.polls, 6);
  assert.equal(source.stats.reads, 1);
  assert.equal(source.getSnapshot(), first);
  await source.close();
  await db.close();
});

test('rows the writer adds later appear on the next poll, and the status says when they were written', async () => {
  const db = await WatchDatabase.create();
  await db.writeIteration({ iteration: 1 });
  let now = T0;
  const source = await watching(db, () => now);
  await source.poll();
  assert.equal(source.getSnapshot().iteration, 1);
  await db.writeIteration({ iteration: 2, events: [{ kind: 'info', message: 'second' }], savedAt: T0 + 5_000 });
  now = T0 + 6_000;
  await source.poll();
  const s = source.getSnapshot();
  assert.equal(s.iteration, 2);
  assert.equal(s.equity.values.length, 2);
  assert.equal(s.events.at(-1)?.message, 'second');
  assert.deepEqual(source.getWatchStatus(), {
    dbPath: db.path,
    lastWriteAt: T0 + 5_000,
    polledAt: T0 + 6_000,
    error: null,
  });
  assert.equal(source.stats.reads, 2);
  await source.close();
  await db.close();
});

test('while the writer holds an open write transaction the watcher reads the committed data without error', async () => {
  const db = await WatchDatabase.create();
  await db.writeIteration({ iteration: 1 });
  const source = await watching(db);
  await source.poll();
  await db.writer.exec('BEGIN IMMEDIATE');
  await db.insertIteration({ iteration: 2, events: [{ kind: 'info', message: 'not committed' }] });
  for (let i = 0; i < 3; i++) await source.poll();
  assert.equal(source.getWatchStatus().error, null);
  assert.equal(source.getSnapshot().iteration, 1);
  assert.ok(!source.getSnapshot().events.some((e) => e.message === 'not committed'));
  await db.writer.exec('COMMIT');
  await source.poll();
  assert.equal(source.getSnapshot().iteration, 2);
  await source.close();
  await db.close();
});

test('a poll that meets SQLITE_BUSY is skipped and reported, and the next one recovers', async () => {
  const db = await WatchDatabase.create();
  await db.writeIteration({ iteration: 1 });
  await db.writer.close();
  // A short busy timeout, and a writer in exclusive locking mode: nothing else can read until it closes.
  const reader = await SqliteConnection.open(db.path, { readonly: true, busyTimeoutMs: 20 });
  const locker = await SqliteConnection.open(db.path, { busyTimeoutMs: 20 });
  await locker.exec(
    'PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO portfolios (created_at, starting_cash) VALUES (0, 1)',
  );
  const source = new DatabaseSnapshotSource(reader, db.path);
  await source.poll();
  assert.equal(source.getWatchStatus().error, 'database busy; poll skipped');
  assert.equal(source.getSnapshot().iteration, 0);
  assert.equal(source.stats.skipped, 1);
  await locker.exec('COMMIT');
  await locker.close();
  await source.poll();
  assert.equal(source.getWatchStatus().error, null);
  assert.equal(source.getSnapshot().iteration, 1);
  await source.close();
  await db.close();
});

test('an unreadable checkpoint is reported and the last good view stays', async () => {
  const db = await WatchDatabase.create();
  await db.writeIteration({ iteration: 1 });
  const source = await watching(db);
  await source.poll();
  await db.writer.run("UPDATE checkpoints SET state = '{not json', saved_at = saved_at + 1");
  await source.poll();
  assert.equal(source.getWatchStatus().error, 'poll failed: the checkpoint is not valid JSON');
  assert.equal(source.getSnapshot().iteration, 1);
  await source.close();
  await db.close();
});

test('an empty database shows an empty view until the first checkpoint', async () => {
  const db = await WatchDatabase.create();
  const source = await watching(db);
  await source.poll();
  assert.equal(source.getSnapshot().phase, 'starting');
  assert.equal(source.getWatchStatus().lastWriteAt, 0);
  await db.writeIteration({ iteration: 1 });
  await source.poll();
  assert.equal(source.getSnapshot().iteration, 1);
  await source.close();
  await db.close();
});

test('a finished run shows as stopped; stop() stops polling and says stopped at once', async () => {
  const db = await WatchDatabase.create();
  await db.writeIteration({ iteration: 1 });
  const source = await watching(db);
  let changes = 0;
  source.subscribe(() => changes++);
  source.start();
  await waitUntil(() => changes >= 1);
  assert.equal(source.getSnapshot().phase, 'running');
  await db.writer.run('UPDATE runs SET ended_at = ?', [T0 + 10 * MINUTE]);
  await source.poll();
  assert.equal(source.getSnapshot().phase, 'stopped');
  source.stop();
  const polls = source.stats.polls;
  await source.poll();
  assert.equal(source.stats.polls, polls, 'no poll after stop');
  await source.close();
  await db.close();
});

test('the watcher keeps at most 1440 equity points, 1000 events and 256 regime changes, and its memory stays flat over 2000 polls', async () => {
  const db = await WatchDatabase.create();
  const regimes = ['range', 'trend-up'] as const;
  await db.writeIterations(1, 3000, (i) => ({
    events: [{ kind: 'info', message: `event ${i}` }],
    regimeChange:
      i % 10 === 0
        ? { from: regimes[(i / 10) % 2] ?? 'range', to: regimes[(i / 10 + 1) % 2] ?? 'range', confidence: 0.7 }
        : undefined,
  }));
  const source = await watching(db);
  await source.poll();
  let s = source.getSnapshot();
  assert.equal(s.equity.values.length, 1440);
  assert.equal(s.equity.times[0], T0 + (3000 - 1439) * MINUTE, 'the newest 1440, oldest first');
  assert.equal(s.equity.times.at(-1), T0 + 3000 * MINUTE);
  assert.equal(s.events.length, 1000);
  assert.equal(s.events.at(-1)?.message, 'event 3000');
  assert.equal(s.regime.history.length, 256);

  let iteration = 3000;
  let baseline = 0;
  for (let poll = 1; poll <= 2000; poll++) {
    if (poll % 10 === 0)
      await db.writeIteration({ iteration: ++iteration, events: [{ kind: 'info', message: `event ${iteration}` }] });
    await source.poll();
    if (poll === 200) baseline = heapAfterGc();
  }
  const growth = heapAfterGc() - baseline;
  s = source.getSnapshot();
  assert.equal(s.iteration, 3200);
  assert.equal(s.equity.values.length, 1440);
  assert.equal(s.events.length, 1000);
  assert.ok(growth < 2 * 1024 * 1024, `heap grew ${(growth / 1024).toFixed(0)} KB over 1800 polls`);
  await source.close();
  await db.close();
});

test('a bot started with --equity-points 5000: watch shows its newest 5000 points, as a restart would load them', async () => {
  const db = await WatchDatabase.create({ intervalMs: 0, iterations: null, equityPoints: 5000 });
  await db.writeIterations(1, 6000);
  const source = await watching(db);
  await source.poll();
  const s = source.getSnapshot();
  assert.equal(s.equity.capacity, 5000);
  assert.equal(s.equity.values.length, 5000);
  assert.equal(s.equity.times[0], T0 + (6000 - 4999) * MINUTE, 'the newest 5000, oldest first');
  assert.equal(s.equity.times.at(-1), T0 + 6000 * MINUTE);
  await source.close();
  await db.close();
});

test('watch reads the bar length from the run options, so the regime panel can show market time', async () => {
  const db = await WatchDatabase.create({ intervalMs: 0, iterations: null, timeframe: '15Min' });
  await db.writeIteration({ iteration: 1 });
  const source = await watching(db);
  await source.poll();
  assert.equal(source.getSnapshot().barMinutes, 15);
  await source.close();
  await db.close();
  // An older run's options without a timeframe: the bar length is not known.
  const older = await WatchDatabase.create();
  await older.writeIteration({ iteration: 1 });
  const olderSource = await watching(older);
  await olderSource.poll();
  assert.equal(olderSource.getSnapshot().barMinutes, undefined);
  await olderSource.close();
  await older.close();
});

test('watch flags: --db, --fps, --poll in both spellings; bad ones are one-line usage errors', () => {
  assert.deepEqual(parseWatchArgs([]), { dbPath: null, fps: 10, pollMs: 1000, help: false });
  assert.deepEqual(parseWatchArgs(['--db', '/x.db', '--fps=20', '--poll', '250ms']), {
    dbPath: '/x.db',
    fps: 20,
    pollMs: 250,
    help: false,
  });
  assert.equal(parseWatchArgs(['--help']).help, true);
  const bad: [string[], RegExp][] = [
    [['--fps', '0'], /--fps expects frames per second from 1 to 60/],
    [['--poll', 'soon'], /--poll expects a duration/],
    [['--poll', '10ms'], /--poll expects a duration from 100ms to 1m/],
    [['--db'], /--db needs a value/],
    [['--headless'], /unknown option --headless for "watch"/],
    [['extra'], /unexpected argument "extra" for "watch"/],
  ];
  for (const [args, message] of bad)
    assert.throws(
      () => parseWatchArgs(args),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      args.join(' '),
    );
});

test('watch refuses a missing database and a non-terminal, each in one line', async () => {
  const missing = join(tmpdir(), 'trading-tui-no-such-dir', 'trading.db');
  await assert.rejects(
    runWatch({ dbPath: missing, fps: 10, pollMs: 1000, help: false }),
    (e: unknown) => e instanceof StoreError && e.message.startsWith(`no database at ${missing}`),
  );
  const db = await WatchDatabase.create();
  const pipe = { stdout: { isTTY: false } as NodeJS.WriteStream, stdin: { isTTY: false } as NodeJS.ReadStream };
  await assert.rejects(
    runWatch({ dbPath: db.path, fps: 10, pollMs: 1000, help: false }, pipe),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === 'watch needs a terminal; use trading-tui maintenance stats for a one-shot view',
  );
  await db.close();
});

test('watching the real headless bot while it writes: no busy errors on either side, new iterations appear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trading-tui-watch-bot-'));
  const path = join(dir, 'trading.db');
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const bot = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      main,
      'start',
      '--broker',
      'sim',
      '--headless',
      '--db',
      path,
      '--symbols',
      'AAPL,MSFT,SPY',
      '--interval',
      '20ms',
      '--seed',
      '5',
    ],
    { stdio: 'pipe' },
  );
  let stderr = '';
  bot.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => bot.on('close', (code) => resolve(code)));
  try {
    let source: DatabaseSnapshotSource | undefined;
    const deadline = Date.now() + 30_000;
    while (source === undefined) {
      // The bot creates and migrates the file first; until then there is nothing to open.
      const connection = await openStore(path, { readonly: true }).catch(() => undefined);
      if (connection !== undefined) source = new DatabaseSnapshotSource(connection, path);
      else if (Date.now() > deadline) throw new Error(`the bot made no database; stderr: ${stderr}`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seen: number[] = [];
    while (seen.length < 200 && Date.now() < deadline) {
      await source.poll();
      assert.equal(source.getWatchStatus().error, null);
      seen.push(source.getSnapshot().iteration);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const last = source.getSnapshot();
    assert.ok(last.iteration >= 10, `saw iteration ${last.iteration}`);
    assert.ok(
      seen.every((it, i) => i === 0 || it >= (seen[i - 1] ?? 0)),
      'iterations never go back',
    );
    assert.equal(last.equity.values.length, Math.min(last.iteration, 1440));
    assert.equal(last.equity.times.at(-1), last.marketTime);
    assert.ok(last.events.length > 0);
    bot.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.ok(!/locked|SQLITE_BUSY/.test(stderr), stderr);
    await source.poll();
    assert.equal(source.getSnapshot().phase, 'stopped', 'the run is marked ended');
    await source.close();
  } finally {
    bot.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
