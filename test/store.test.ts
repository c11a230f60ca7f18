import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSession } from '../src/cli/start.js';
import { DEFAULT_DETECTOR_CONFIG } from '../src/core/regime.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/schema.js';
import { APPLICATION_ID, openStore, resolveDatabasePath, StoreError } from '../src/store/open-store.js';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import { collect, runBin, startBin } from './support/bin.js';
import { startOptions } from './support/session.js';

const folder = mkdtempSync(join(tmpdir(), 'trading-tui-store-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let count = 0;
const dbPath = (): string => join(folder, `t${++count}.db`);
const SYMBOLS = 'AAPL,MSFT,SPY,QQQ,IWM,NVDA,AMZN,META';

async function runStored(
  path: string,
  args: string[],
): Promise<{ events: LoopEvent[]; cache: { fromCache: number; fromSource: number } | null }> {
  const session = await createSession(
    startOptions(['--db', path, '--interval', '0', '--symbols', SYMBOLS, '--period', '10d', ...args]),
    { backoffBaseMs: 1 },
  );
  const events: LoopEvent[] = [];
  session.engine.onLoopEvent((e) => events.push(e));
  await session.run();
  return { events, cache: session.cacheCounts() };
}

const tables = async (c: SqliteConnection): Promise<string[]> =>
  (await c.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map(
    (r) => r.name,
  );

test('the default location follows XDG_DATA_HOME, then HOME; --db and TRADING_TUI_DB override it', () => {
  assert.equal(resolveDatabasePath(null, { XDG_DATA_HOME: '/data' }), '/data/trading-tui/trading.db');
  assert.match(resolveDatabasePath(null, {}), /\.local\/share\/trading-tui\/trading\.db$/);
  assert.equal(resolveDatabasePath(null, { TRADING_TUI_DB: '/x/y.db', XDG_DATA_HOME: '/data' }), '/x/y.db');
  assert.equal(resolveDatabasePath('/flag.db', { TRADING_TUI_DB: '/x/y.db' }), '/flag.db');
});

test('migrations: an empty file becomes the current schema, WAL, with its folder created 0700', async () => {
  const path = join(folder, 'new-folder', 'deeper', 'trading.db');
  const c = await openStore(path);
  assert.equal((await c.get<{ user_version: number }>('PRAGMA user_version'))?.user_version, SCHEMA_VERSION);
  assert.equal((await c.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode, 'wal');
  assert.equal((await c.get<{ foreign_keys: number }>('PRAGMA foreign_keys'))?.foreign_keys, 1);
  assert.ok((await tables(c)).includes('profiles'));
  await c.close();
  assert.equal(statSync(join(folder, 'new-folder')).mode & 0o777, 0o700);
  const empty = dbPath();
  writeFileSync(empty, '');
  const fromEmpty = await openStore(empty);
  assert.equal((await fromEmpty.get<{ user_version: number }>('PRAGMA user_version'))?.user_version, SCHEMA_VERSION);
  await fromEmpty.close();
});

test('migrations: every earlier version is brought up to date with its data kept', async () => {
  for (let version = 1; version < SCHEMA_VERSION; version++) {
    const path = dbPath();
    const old = await SqliteConnection.open(path);
    for (let v = 0; v < version; v++) await old.exec(MIGRATIONS[v] as string);
    await old.exec(`PRAGMA user_version = ${version}`);
    await old.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (1, 50000)');
    await old.close();
    const c = await openStore(path);
    assert.equal((await c.get<{ user_version: number }>('PRAGMA user_version'))?.user_version, SCHEMA_VERSION);
    assert.equal((await c.get<{ cash: number }>('SELECT starting_cash AS cash FROM portfolios'))?.cash, 50000);
    await c.close();
  }
});

test('resume: equity continues where it stopped, positions and history intact', async () => {
  const path = dbPath();
  const first = await runStored(path, ['--iterations', '60', '--seed', '9']);
  const last = first.events.filter((e) => e.type === 'iteration').at(-1);
  assert.equal(last?.type === 'iteration' && last.i, 60);
  const saved = await openStore(path);
  const checkpoint = JSON.parse(
    (await saved.get<{ state: string }>('SELECT state FROM checkpoints'))?.state ?? '{}',
  ) as { positions: { symbol: string; qty: number; avgPrice: number }[]; cash: number };
  await saved.close();
  assert.ok(checkpoint.positions.length > 0, 'the first run holds positions');

  const session = await createSession(
    startOptions([
      '--db',
      path,
      '--interval',
      '0',
      '--symbols',
      SYMBOLS,
      '--period',
      '10d',
      '--iterations',
      '5',
      '--seed',
      '9',
    ]),
  );
  const events: LoopEvent[] = [];
  session.engine.onLoopEvent((e) => events.push(e));
  let atStart: ReturnType<typeof session.engine.getSnapshot> | null = null;
  session.engine.subscribe(() => {
    if (atStart === null && session.engine.getSnapshot().phase === 'running') atStart = session.engine.getSnapshot();
  });
  await session.run();
  const resumed = atStart as ReturnType<typeof session.engine.getSnapshot> | null;
  assert.ok(resumed, 'the loop started');
  assert.equal(resumed.iteration, 60);
  assert.equal(resumed.cash, checkpoint.cash);
  assert.deepEqual(
    resumed.positions.map((p) => [p.symbol, p.qty, p.avgPrice]).sort(),
    checkpoint.positions.map((p) => [p.symbol, p.qty, p.avgPrice]).sort(),
  );
  assert.equal(resumed.equity.values.length, 60, 'the chart is full at once');
  const iterations = events.filter((e): e is Extract<LoopEvent, { type: 'iteration' }> => e.type === 'iteration');
  assert.deepEqual(
    iterations.map((e) => e.i),
    [61, 62, 63, 64, 65],
  );
  assert.ok(
    Date.parse(iterations[0]?.time ?? '') > Date.parse(last?.type === 'iteration' ? last.time : ''),
    'the market clock goes on',
  );
  assert.ok(resumed.events.some((e) => /resumed at iteration 60/.test(e.message)));

  const fresh = await runStored(path, ['--iterations', '2', '--seed', '9', '--fresh']);
  const freshFirst = fresh.events.find((e) => e.type === 'iteration');
  assert.equal(freshFirst?.type === 'iteration' && freshFirst.i, 1, '--fresh starts a new portfolio');
  const c = await openStore(path);
  assert.equal((await c.get<{ n: number }>('SELECT count(*) AS n FROM portfolios'))?.n, 2, 'the old portfolio stays');
  assert.equal((await c.get<{ n: number }>('SELECT count(*) AS n FROM runs WHERE ended_at IS NOT NULL'))?.n, 3);
  await c.close();
});

test('every iteration is written: equity points, fills, orders, regime changes, events', async () => {
  const path = dbPath();
  const { events } = await runStored(path, ['--iterations', '300', '--seed', '2']);
  const c = await openStore(path);
  const n = async (sql: string): Promise<number> => (await c.get<{ n: number }>(sql))?.n ?? -1;
  assert.equal(await n('SELECT count(*) AS n FROM equity_points'), 300);
  assert.equal(await n('SELECT count(*) AS n FROM fills'), events.filter((e) => e.type === 'fill').length);
  assert.equal(await n('SELECT count(*) AS n FROM regime_changes'), events.filter((e) => e.type === 'regime').length);
  assert.equal(await n('SELECT count(*) AS n FROM fills WHERE order_id IS NULL'), 0, 'every fill has its order');
  assert.equal(
    await n("SELECT count(*) AS n FROM orders WHERE status = 'filled'"),
    await n('SELECT count(DISTINCT order_id) AS n FROM fills'),
  );
  const lastEquity = events.filter((e) => e.type === 'iteration').at(-1);
  const stored = await c.get<{ equity: number }>('SELECT equity FROM equity_points ORDER BY iteration DESC LIMIT 1');
  assert.ok(lastEquity?.type === 'iteration' && Math.abs((stored?.equity ?? 0) - lastEquity.equity) < 0.01);
  await c.close();
});

test('the bar cache: a restart within the TTL downloads only what is new; with a TTL of 0 everything again', async () => {
  const path = dbPath();
  const first = await runStored(path, ['--iterations', '5']);
  assert.equal(first.cache?.fromCache, 0);
  assert.ok((first.cache?.fromSource ?? 0) > 1000);
  const second = await runStored(path, ['--iterations', '5']);
  assert.ok((second.cache?.fromCache ?? 0) > 1000, 'history came from the cache');
  assert.ok(
    (second.cache?.fromSource ?? 0) <= 8 * 6,
    `only the new bars were downloaded (${second.cache?.fromSource})`,
  );
  const expired = await runStored(path, ['--iterations', '5', '--cache-ttl', '0']);
  assert.equal(expired.cache?.fromCache, 0);
  assert.ok((expired.cache?.fromSource ?? 0) > 1000);
});

test(
  'kill -9 during a run loses at most the last iteration, and the file stays sound',
  { timeout: 60_000 },
  async () => {
    const path = dbPath();
    const child = startBin(['--json', '--db', path, '--interval', '20ms', '--symbols', SYMBOLS, '--period', '10d']);
    let seen = 0;
    let lastPrinted = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/"type":"iteration","i":(\d+)/g)) lastPrinted = Number(m[1]);
        seen = lastPrinted;
        if (seen >= 40) resolve();
      });
    });
    child.kill('SIGKILL');
    await collect(child);
    const c = await openStore(path);
    assert.equal((await c.get<{ integrity_check: string }>('PRAGMA integrity_check'))?.integrity_check, 'ok');
    const saved = (await c.get<{ iteration: number }>('SELECT iteration FROM checkpoints'))?.iteration ?? 0;
    await c.close();
    assert.ok(saved >= lastPrinted - 1, `checkpoint at ${saved}, last printed ${lastPrinted}`);
    const again = await runBin([
      '--json',
      '--db',
      path,
      '--interval',
      '0',
      '--symbols',
      SYMBOLS,
      '--period',
      '10d',
      '--iterations',
      '1',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`"type":"iteration","i":${saved + 1},`));
  },
);

test('bad database files: one line, exit code 2, and the file untouched', async () => {
  const notDb = dbPath();
  writeFileSync(notDb, 'these are my notes, not a database\n'.repeat(200));
  const newer = dbPath();
  const c = await SqliteConnection.open(newer);
  // A newer trading-tui marks its files as ours, as this one does.
  await c.exec(`CREATE TABLE future (x); PRAGMA user_version = 99; PRAGMA application_id = ${APPLICATION_ID}`);
  await c.close();
  for (const [path, message] of [
    [notDb, /is not a SQLite database; refusing to touch it/],
    [newer, /was written by a newer trading-tui \(schema 99; this version knows up to \d+\)/],
  ] as const) {
    const before = readFileSync(path);
    const result = await runBin(['--headless', '--iterations', '1', '--interval', '0', '--db', path]);
    assert.equal(result.code, 2);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] as string, message);
    assert.deepEqual(readFileSync(path), before, 'the file is byte for byte as it was');
    assert.equal(existsSync(`${path}-wal`), false);
  }
  // Root writes through permission bits, so the folder that cannot be written is one under a file.
  const aFile = dbPath();
  writeFileSync(aFile, 'x');
  const unwritable = await runBin([
    '--headless',
    '--iterations',
    '1',
    '--interval',
    '0',
    '--db',
    join(aFile, 'sub', 'trading.db'),
  ]);
  assert.equal(unwritable.code, 2);
  assert.match(
    unwritable.stderr,
    /^trading-tui: cannot create the folder for .*trading\.db: a part of the path is a file, not a folder\n$/,
  );
  if (process.getuid?.() !== 0) {
    const locked = join(folder, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const denied = await runBin([
      '--headless',
      '--iterations',
      '1',
      '--interval',
      '0',
      '--db',
      join(locked, 'trading.db'),
    ]);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /^trading-tui: cannot open .*: the file cannot be opened or created/);
  }
  await assert.rejects(openStore(join(folder, 'missing.db'), { readonly: true }), StoreError);
});

const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

test(
  'a full disk: one line, exit code 2, and the database still sound',
  { skip: canMount ? false : 'needs root to mount a small tmpfs', timeout: 60_000 },
  async () => {
    const mountPoint = join(folder, 'tiny');
    mkdirSync(mountPoint);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    if (mounted.status !== 0) return;
    try {
      const path = join(mountPoint, 'trading.db');
      const result = await runBin(['--headless', '--interval', '0', '--db', path, '--period', '60d']);
      assert.equal(result.code, 2, result.stderr);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] as string, /the disk \(or the database size limit\) is full/);
      const c = await openStore(path, { readonly: true });
      assert.equal((await c.get<{ integrity_check: string }>('PRAGMA integrity_check'))?.integrity_check, 'ok');
      await c.close();
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  },
);

test('a broken connection is reopened once and the statement retried', async () => {
  const c = await openStore(dbPath());
  await c.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (1, 1)');
  await c.breakForTest();
  assert.equal((await c.get<{ n: number }>('SELECT count(*) AS n FROM portfolios'))?.n, 1);
  assert.equal(c.reopenCount, 1);
  await c.close();
});

test(
  'two processes on one file: stats, check and report while the bot writes never meet "database is locked"',
  { timeout: 90_000 },
  async () => {
    const path = dbPath();
    const bot = startBin(['--json', '--db', path, '--interval', '5ms', '--symbols', SYMBOLS, '--period', '10d']);
    const botDone = collect(bot);
    await new Promise<void>((resolve) => {
      let seen = 0;
      bot.stdout.on('data', (chunk: Buffer) => {
        seen += (chunk.toString().match(/"type":"iteration"/g) ?? []).length;
        if (seen >= 20) resolve();
      });
    });
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all([
        runBin(['maintenance', 'stats', '--db', path, '--json']),
        runBin(['maintenance', 'check', '--db', path]),
        runBin(['learn', 'report', '--db', path, '--json']),
      ]);
      for (const result of results) {
        assert.equal(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stderr + result.stdout, /locked|SQLITE_BUSY/);
      }
    }
    bot.kill('SIGTERM');
    const botResult = await botDone;
    assert.equal(botResult.code, 0, botResult.stderr);
    assert.doesNotMatch(botResult.stderr, /locked|SQLITE_BUSY/);
  },
);

test('start --profile uses a profile saved in the database, says when it was saved by the detector before the HMM, and names the saved ones when it is missing', async () => {
  const path = dbPath();
  const c = await openStore(path);
  const saveProfile = (name: string, config: object): Promise<unknown> =>
    c.run('INSERT INTO profiles (name, created_at, objective, score, config) VALUES (?, ?, ?, ?, ?)', [
      name,
      1,
      'test',
      1,
      JSON.stringify(config),
    ]);
  await saveProfile('calm', { ...DEFAULT_DETECTOR_CONFIG, minHistory: 60, threshold: 0.55 });
  // The detector before the HMM saved these (its window was a 32-bar t-statistic's).
  await saveProfile('old', { window: 16, baselinePeriod: 600, volatileRatio: 1.7, trendT: 1.3, minDwell: 8 });
  await c.close();
  const missing = await runBin([
    '--headless',
    '--iterations',
    '1',
    '--interval',
    '0',
    '--db',
    path,
    '--profile',
    'wild',
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^trading-tui: no profile wild in .* \(saved profiles: calm, old\)\n$/);
  const withProfile = await runStored(path, ['--iterations', '200', '--profile', 'calm', '--seed', '4']);
  const without = await runStored(dbPath(), ['--iterations', '200', '--seed', '4']);
  const readings = (events: LoopEvent[]): string =>
    JSON.stringify(events.flatMap((e) => (e.type === 'iteration' ? [[e.regime, e.confidence]] : [])));
  const notices = (events: LoopEvent[]): string[] => events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));
  assert.notEqual(
    readings(withProfile.events),
    readings(without.events),
    'the tuned detector reads the market differently',
  );
  assert.deepEqual(
    notices(withProfile.events).filter((m) => /profile/.test(m)),
    [],
    'an HMM profile runs without a word',
  );
  const old = await runStored(path, ['--iterations', '200', '--profile', 'old', '--seed', '4', '--fresh']);
  assert.deepEqual(
    notices(old.events).filter((m) => /profile/.test(m)),
    [
      "profile old was saved by the regime detector before the HMM; this run uses the HMM's default settings (trading-tui learn tune saves a new profile)",
    ],
  );
  assert.equal(readings(old.events), readings(without.events), 'it runs on the defaults');
});

test("another program's SQLite database is refused and left untouched", async () => {
  const path = dbPath();
  const other = await SqliteConnection.open(path);
  await other.exec("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('bread')");
  await other.close();
  const before = readFileSync(path);
  const result = await runBin(['--headless', '--iterations', '1', '--interval', '0', '--db', path]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^trading-tui: .* is another program's SQLite database \(it has a table recipes\); refusing to touch it/,
  );
  assert.deepEqual(readFileSync(path), before);
});

test(
  'one bot per database: a second one is refused while the first runs; a dead one is taken over',
  { timeout: 60_000 },
  async () => {
    const path = dbPath();
    const first = startBin(['--json', '--db', path, '--interval', '50ms', '--symbols', SYMBOLS, '--period', '10d']);
    const firstDone = collect(first);
    await new Promise<void>((resolve) => first.stdout.once('data', () => resolve()));
    const oneIteration = (): ReturnType<typeof runBin> =>
      runBin([
        '--headless',
        '--iterations',
        '1',
        '--interval',
        '0',
        '--db',
        path,
        '--symbols',
        SYMBOLS,
        '--period',
        '10d',
      ]);
    const second = await oneIteration();
    assert.equal(second.code, 2);
    assert.match(second.stderr, new RegExp(`^trading-tui: another trading-tui \\(pid ${first.pid}\\) is trading on `));
    first.kill('SIGKILL');
    await firstDone;
    const third = await oneIteration();
    assert.equal(third.code, 0, third.stderr);
    assert.equal(existsSync(`${path}.lock`), false, 'the lock is released at the end');
  },
);

test("the bar cache never serves another run's future, nor another symbol order's prices", async () => {
  const path = dbPath();
  await runStored(path, ['--iterations', '200', '--seed', '8']);
  const firstTime = (events: LoopEvent[]): string | undefined =>
    events.find((e): e is Extract<LoopEvent, { type: 'iteration' }> => e.type === 'iteration')?.time;
  const memoryOnly = createSession(
    startOptions([
      '--no-db',
      '--interval',
      '0',
      '--symbols',
      SYMBOLS,
      '--period',
      '10d',
      '--iterations',
      '1',
      '--seed',
      '8',
    ]),
  );
  const expected: LoopEvent[] = [];
  const session = await memoryOnly;
  session.engine.onLoopEvent((e) => expected.push(e));
  await session.run();
  const fresh = await runStored(path, ['--iterations', '1', '--seed', '8', '--fresh']);
  assert.equal(
    firstTime(fresh.events),
    firstTime(expected),
    'a fresh portfolio starts at the start of the market, not at the cached future',
  );
  assert.equal(
    JSON.stringify(fresh.events.filter((e) => e.type === 'iteration').map((e) => e.type === 'iteration' && e.equity)),
    JSON.stringify(expected.filter((e) => e.type === 'iteration').map((e) => e.type === 'iteration' && e.equity)),
  );
  const reordered = SYMBOLS.split(',').reverse().join(',');
  const refused = await runBin([
    '--headless',
    '--iterations',
    '1',
    '--interval',
    '0',
    '--db',
    path,
    '--symbols',
    reordered,
    '--period',
    '10d',
    '--seed',
    '8',
  ]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /symbols in the same order/);
});

test('a database that fails under a command gives one line and exit code 2', async () => {
  const path = dbPath();
  await runStored(path, ['--iterations', '200']);
  const bytes = readFileSync(path);
  // Overwrite pages in the middle: the header stays valid, the b-trees do not.
  bytes.fill(0x5a, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 16_384);
  writeFileSync(path, bytes);
  const stats = await runBin(['maintenance', 'stats', '--db', path]);
  assert.equal(stats.code, 2, stats.stderr);
  assert.match(stats.stderr, /^trading-tui: .*corrupt.*\n$/);
  // A command whose rows lie outside the damaged pages may still succeed; it never fails with a stack.
  const report = await runBin(['learn', 'report', '--db', path]);
  assert.ok(report.code === 0 || report.code === 2, report.stderr);
  assert.doesNotMatch(report.stderr, /\n\s+at /);
});
