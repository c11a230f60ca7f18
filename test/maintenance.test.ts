import assert from 'node:assert/strict';
import { closeSync, copyFileSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../src/cli/commands/maintenance.js';
import { UsageError } from '../src/cli/parse-values.js';
import { DAY_MS } from '../src/core/units.js';
import { runCleanup } from '../src/store/maintenance.js';
import { StoreError, openStore } from '../src/store/open-store.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import type { SqliteConnection } from '../src/store/sqlite-connection.js';
import { captureStdout } from './support/capture-output.js';
import { DatabaseFiller, createDatabase, type EquityPointRow } from './support/fill-database.js';

const NOW = Date.now();
const OLD = NOW - 40 * DAY_MS;
const RECENT = NOW - DAY_MS;

/**
 * A database with known old and recent rows. Older than 30 days: 10 events, 20 equity points of run 1
 * and 1500 of the newest run (whose newest 1440 stay), 7 cached bars, 4 fills, 4 orders (one working,
 * one a recent fill points at).
 */
async function fixture(): Promise<{ path: string; connection: SqliteConnection }> {
  const { path, connection, filler } = await createDatabase();
  const portfolio = await filler.portfolio(OLD - DAY_MS);
  const first = await filler.run(portfolio, OLD - DAY_MS, { endedAt: OLD, seed: 7 });
  const newest = await filler.run(portfolio, RECENT - DAY_MS, { mode: 'PAPER', seed: null });
  await filler.events(
    first,
    Array.from({ length: 10 }, (_, i) => OLD + i),
  );
  await filler.events(
    newest,
    Array.from({ length: 5 }, (_, i) => RECENT + i),
  );
  const points = (count: number, start: number): EquityPointRow[] =>
    Array.from({ length: count }, (_, i) => ({
      iteration: i + 1,
      time: start + i * 60_000,
      equity: 100_000 + i,
      regime: 'range',
    }));
  await filler.equityPoints(first, points(20, OLD));
  await filler.equityPoints(newest, points(1500, OLD));
  const bar = (time: number) => ({ time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  await filler.bars(
    'sim',
    'AAA',
    '15Min',
    Array.from({ length: 7 }, (_, i) => bar(i)),
    OLD,
  );
  await filler.bars(
    'sim',
    'AAA',
    '15Min',
    Array.from({ length: 3 }, (_, i) => bar(100 + i)),
    RECENT,
  );
  const order = (status: 'working' | 'filled' | 'cancelled', time = OLD) =>
    filler.order(first, { time, symbol: 'AAA', side: 'buy', qty: 1, status });
  const filled = await order('filled');
  await order('working');
  await order('cancelled');
  const filledLate = await order('filled');
  const fill = (time: number, orderId: number | null) => ({
    time,
    symbol: 'AAA',
    side: 'buy' as const,
    qty: 1,
    price: 10,
    regime: 'range' as const,
    orderId,
  });
  await filler.fills(first, [fill(OLD, filled), fill(OLD, null), fill(OLD, null), fill(OLD, null)]);
  await filler.fills(newest, [fill(RECENT, filledLate)]);
  await filler.regimeChange(first, OLD, 'range', 'volatile');
  await filler.checkpoint(portfolio, newest, 1500, RECENT);
  return { path, connection };
}

const counts = async (connection: SqliteConnection): Promise<Record<string, number>> => {
  const result: Record<string, number> = {};
  for (const table of [
    'events',
    'equity_points',
    'bar_cache',
    'fills',
    'orders',
    'checkpoints',
    'regime_changes',
    'runs',
  ]) {
    result[table] = (await connection.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? -1;
  }
  return result;
};

/** The number printed after a label in cleanup's table. */
const printed = (stdout: string, label: string): string => {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label} `));
  assert.ok(line, `no "${label}" line in:\n${stdout}`);
  return line.slice(label.length).trim();
};

test('stats: rows per table, oldest and newest, the runs, file sizes (text and --json)', async () => {
  const { path, connection } = await fixture();
  const json = await captureStdout(() => runCommand(['stats', '--db', path, '--json']));
  assert.equal(json.code, 0);
  const stats = JSON.parse(json.stdout) as {
    path: string;
    sizes: { main: number; wal: number; total: number };
    tables: { table: string; rows: number; oldest: number | null; newest: number | null }[];
    runs: { id: number; startedAt: number; endedAt: number | null; mode: string; seed: number | null }[];
  };
  assert.equal(stats.path, path);
  assert.ok(stats.sizes.main > 0);
  assert.equal(stats.sizes.total, stats.sizes.main + stats.sizes.wal);
  const table = (name: string) => stats.tables.find((t) => t.table === name);
  assert.deepEqual(table('events'), { table: 'events', rows: 15, oldest: OLD, newest: RECENT + 4 });
  assert.equal(table('equity_points')?.rows, 1520);
  assert.deepEqual(table('bar_cache'), { table: 'bar_cache', rows: 10, oldest: OLD, newest: RECENT });
  assert.equal(table('fills')?.rows, 5);
  assert.equal(table('orders')?.rows, 4);
  assert.deepEqual(table('profiles'), { table: 'profiles', rows: 0, oldest: null, newest: null });
  const schemaTables = await connection.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  assert.deepEqual(
    stats.tables.map((t) => t.table).sort(),
    schemaTables.map((t) => t.name),
    'stats lists every table of the schema',
  );
  assert.deepEqual(
    stats.runs.map((r) => [r.id, r.mode, r.seed, r.endedAt]),
    [
      [1, 'SIM', 7, OLD],
      [2, 'PAPER', null, null],
    ],
  );

  const text = await captureStdout(() => runCommand(['stats', '--db', path]));
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^equity_points\s+1520\s/m);
  assert.match(text.stdout, /^\s*2\s+\S+ \S+Z\s+-\s+PAPER\s+-$/m, 'run 2, not ended, no seed');
  assert.match(text.stdout, /^size\s+.*\(file .* \+ WAL .*\)$/m);
  await connection.close();
});

test('cleanup --dry-run counts what would go and deletes nothing', async () => {
  const { path, connection } = await fixture();
  const before = await counts(connection);
  const { code, stdout } = await captureStdout(() =>
    runCommand(['cleanup', '--older-than', '30d', '--dry-run', '--include-trades', '--db', path]),
  );
  assert.equal(code, 0);
  assert.match(stdout, /^would delete \(dry run\)/);
  assert.equal(printed(stdout, 'events'), '10');
  assert.equal(printed(stdout, 'equity points'), '80', '20 of the old run, and the newest run minus its newest 1440');
  assert.equal(printed(stdout, 'cached bars'), '7');
  assert.equal(printed(stdout, 'fills'), '4');
  assert.equal(printed(stdout, 'orders'), '2', 'not the working order, not the one a kept fill points at');
  assert.deepEqual(await counts(connection), before);
  await connection.close();
});

test('cleanup deletes old events, equity points and cached bars, keeps trades, checkpoints and the newest points', async () => {
  const { path, connection } = await fixture();
  const before = await counts(connection);
  const { code, stdout } = await captureStdout(() => runCommand(['cleanup', '--older-than', '30d', '--db', path]));
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^deleted: rows dated before /);
  assert.equal(printed(stdout, 'events'), '10');
  assert.equal(printed(stdout, 'equity points'), '80');
  assert.equal(printed(stdout, 'cached bars'), '7');
  assert.match(printed(stdout, 'fills'), /^kept/);
  assert.match(stdout, /^size: .* before, .* after$/m);
  const after = await counts(connection);
  assert.deepEqual(after, { ...before, events: 5, equity_points: 1440, bar_cache: 3 });
  const kept = await connection.get<{ lo: number; hi: number; n: number }>(
    'SELECT min(iteration) AS lo, max(iteration) AS hi, count(*) AS n FROM equity_points WHERE run_id = 2',
  );
  assert.deepEqual(kept, { lo: 61, hi: 1500, n: 1440 });
  await connection.close();
});

test('cleanup keeps the newest --equity-points of a portfolio whose bot ran with --equity-points 5000', async () => {
  const { path, connection, filler } = await createDatabase();
  const portfolio = await filler.portfolio(OLD - DAY_MS);
  const run = await filler.run(portfolio, OLD - DAY_MS, { options: { equityPoints: 5000 } });
  await filler.equityPoints(
    run,
    Array.from({ length: 6000 }, (_, i) => ({
      iteration: i + 1,
      time: OLD + i * 60_000,
      equity: 100_000,
      regime: 'range',
    })),
  );
  await filler.checkpoint(portfolio, run, 6000, RECENT);
  const { code, stdout } = await captureStdout(() => runCommand(['cleanup', '--older-than', '30d', '--db', path]));
  assert.equal(code, 0, stdout);
  assert.equal(printed(stdout, 'equity points'), '1000');
  const kept = await connection.get<{ lo: number; hi: number; n: number }>(
    'SELECT min(iteration) AS lo, max(iteration) AS hi, count(*) AS n FROM equity_points',
  );
  assert.deepEqual(kept, { lo: 1001, hi: 6000, n: 5000 }, 'what a restart with --equity-points 5000 loads');
  await connection.close();
});

test('cleanup --include-trades --vacuum also deletes old fills and finished orders, and shrinks the file', async () => {
  const { path, connection } = await fixture();
  // Enough old rows that the freed pages are worth giving back.
  await new DatabaseFiller(connection).events(
    1,
    Array.from({ length: 20_000 }, (_, i) => OLD - i),
  );
  await connection.close();
  const sizeBefore = statSync(path).size;
  const { code, stdout } = await captureStdout(() =>
    runCommand(['cleanup', '--older-than=30d', '--include-trades', '--vacuum', '--db', path]),
  );
  assert.equal(code, 0, stdout);
  assert.equal(printed(stdout, 'fills'), '4');
  assert.equal(printed(stdout, 'orders'), '2');
  assert.equal(printed(stdout, 'events'), '20010');
  assert.ok(statSync(path).size < sizeBefore, `the file shrank from ${sizeBefore} to ${statSync(path).size}`);
  const reopened = await openStore(path, { readonly: true });
  const remaining = await reopened.all<{ status: string }>('SELECT status FROM orders ORDER BY id');
  assert.deepEqual(
    remaining.map((o) => o.status),
    ['working', 'filled'],
  );
  assert.equal((await counts(reopened)).fills, 1);
  await reopened.close();
});

test('cleanup deletes the detector bars of portfolios a --fresh start replaced, of any age, and keeps the newest', async () => {
  const { path, connection, filler } = await createDatabase();
  const replaced = await filler.portfolio(RECENT);
  const newest = await filler.portfolio(RECENT + 1);
  const features = Buffer.from(new Float64Array([0.001, -4.2]).buffer);
  for (const portfolio of [replaced, newest])
    for (let bar = 1; bar <= 7; bar++)
      await connection.run('INSERT INTO regime_features (portfolio_id, bar, features) VALUES (?, ?, ?)', [
        portfolio,
        bar,
        features,
      ]);
  const { code, stdout } = await captureStdout(() => runCommand(['cleanup', '--older-than', '30d', '--db', path]));
  assert.equal(code, 0, stdout);
  assert.equal(printed(stdout, 'detector bars of replaced portfolios'), '7');
  const left = await connection.all<{ portfolio_id: number; n: number }>(
    'SELECT portfolio_id, count(*) AS n FROM regime_features GROUP BY portfolio_id',
  );
  assert.deepEqual(left, [{ portfolio_id: newest, n: 7 }]);
  await connection.close();
});

test('cleanup deletes in batches and counts every batch', async () => {
  const { connection } = await fixture();
  const deleted = await runCleanup(connection, { cutoff: NOW - 30 * DAY_MS, includeTrades: true, batchRows: 3 });
  assert.deepEqual(deleted, { events: 10, equity_points: 80, bar_cache: 7, fills: 4, orders: 2, regime_features: 0 });
  assert.equal((await counts(connection)).events, 5);
  await connection.close();
});

test('check: a healthy file passes (exit 0); a copy with bytes overwritten in the middle fails (exit 1)', async () => {
  const { path, connection } = await fixture();
  await new DatabaseFiller(connection).events(
    1,
    Array.from({ length: 5000 }, (_, i) => OLD - i),
  );
  const healthy = await captureStdout(() => runCommand(['check', '--db', path]));
  assert.equal(healthy.code, 0, healthy.stdout);
  assert.match(healthy.stdout, /^integrity\s+ok$/m);
  assert.match(healthy.stdout, new RegExp(`^schema\\s+version ${SCHEMA_VERSION} \\(current\\)$`, 'm'));
  assert.match(healthy.stdout, /^wal\s+/m);
  assert.match(healthy.stdout, /^foreign keys\s+ok$/m);
  assert.match(healthy.stdout, /^healthy$/m);
  await connection.close(); // moves the WAL into the file

  const copy = join(dirname(path), 'corrupt.db');
  copyFileSync(path, copy);
  const size = statSync(copy).size;
  const fd = openSync(copy, 'r+');
  writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
  closeSync(fd);
  try {
    const broken = await captureStdout(() => runCommand(['check', '--db', copy]));
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stdout, /^unhealthy: .*integrity/m);
  } catch (error) {
    // A clear one-line error is acceptable too.
    if (!(error instanceof StoreError)) throw error;
    assert.doesNotMatch(error.message, /\n/);
  }
});

test('stats reads while another connection holds a write transaction', async () => {
  const { path, connection } = await fixture();
  await connection.exec('BEGIN IMMEDIATE');
  await connection.run('INSERT INTO events (run_id, time, kind, message) VALUES (1, 1, ?, ?)', ['info', 'uncommitted']);
  try {
    const started = performance.now();
    const { code, stdout } = await captureStdout(() => runCommand(['stats', '--db', path, '--json']));
    assert.equal(code, 0);
    assert.ok(performance.now() - started < 2000, 'did not wait for the lock');
    const events = (JSON.parse(stdout) as { tables: { table: string; rows: number }[] }).tables.find(
      (t) => t.table === 'events',
    );
    assert.equal(events?.rows, 15, 'sees the committed rows only');
  } finally {
    await connection.exec('ROLLBACK');
    await connection.close();
  }
});

test('bad flags are usage errors naming the flag; a missing database is a store error', async () => {
  await assert.rejects(
    runCommand(['stats', '--bogus']),
    (e: unknown) => e instanceof UsageError && /--bogus/.test(e.message),
  );
  await assert.rejects(
    runCommand(['cleanup', '--db', '/nowhere.db']),
    (e: unknown) => e instanceof UsageError && /--older-than/.test(e.message),
  );
  await assert.rejects(
    runCommand(['cleanup', '--older-than', '30x']),
    (e: unknown) => e instanceof UsageError && /--older-than/.test(e.message),
  );
  await assert.rejects(
    runCommand(['stats', '--db']),
    (e: unknown) => e instanceof UsageError && /--db needs a value/.test(e.message),
  );
  await assert.rejects(
    runCommand(['defrag']),
    (e: unknown) => e instanceof UsageError && /stats, cleanup, check/.test(e.message),
  );
  const scratch = await createDatabase();
  await scratch.connection.close();
  const missing = join(dirname(scratch.path), 'absent.db');
  await assert.rejects(
    runCommand(['stats', '--db', missing]),
    (e: unknown) => e instanceof StoreError && e.message.includes(missing),
  );
  await assert.rejects(
    runCommand(['check', '--db', missing]),
    (e: unknown) => e instanceof StoreError && e.message.includes(missing),
  );
  await assert.rejects(runCommand(['cleanup', '--older-than', '30d', '--db', missing]), StoreError);
});
