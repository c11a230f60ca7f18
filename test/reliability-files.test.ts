import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { APPLICATION_ID } from '../src/store/open-store.js';
import { MIGRATIONS } from '../src/store/schema.js';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import { BIN, collect, runBin, startBin, type BinResult } from './support/bin.js';

const root = mkdtempSync(join(tmpdir(), 'tt-files-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => {
  const dir = join(root, String(++folders));
  mkdirSync(dir);
  return dir;
};

/** Every command that opens a database, each given `path`. */
const COMMANDS = (path: string): string[][] => [
  ['--headless', '--iterations', '1', '--interval', '0', '--db', path],
  ['--headless', '--iterations', '1', '--interval', '0', '--fresh', '--db', path],
  ['maintenance', 'stats', '--db', path],
  ['maintenance', 'cleanup', '--older-than', '1d', '--db', path],
  ['maintenance', 'cleanup', '--older-than', '1d', '--dry-run', '--db', path],
  ['maintenance', 'check', '--db', path],
  ['learn', 'report', '--db', path],
  ['learn', 'tune', '--max-sets', '1', '--db', path],
  ['watch', '--db', path],
];

/** Other programs' SQLite files, of the kinds that used to be taken for ours. */
const FOREIGN: Record<string, string> = {
  'a table of its own, user_version 1':
    "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me'); PRAGMA user_version = 1;",
  'no tables, user_version 2': 'PRAGMA user_version = 2;',
  'our table names under another application id': `${MIGRATIONS[0] ?? ''} PRAGMA user_version = 1; PRAGMA application_id = 1234;`,
  'a table named like ours, other columns, user_version 1':
    'CREATE TABLE runs (id INTEGER PRIMARY KEY, who TEXT); CREATE TABLE checkpoints (x); PRAGMA user_version = 1;',
};

test("another program's SQLite file is refused by every command, byte for byte untouched", async () => {
  for (const [what, sql] of Object.entries(FOREIGN)) {
    const dir = folder();
    const path = join(dir, 'theirs.db');
    const c = await SqliteConnection.open(path);
    await c.exec(sql);
    await c.close();
    const bytes = readFileSync(path);
    const files = readdirSync(dir).sort();
    for (const args of COMMANDS(path)) {
      const result = await runBin(args);
      const label = `${what}: ${args.join(' ')}`;
      assert.equal(result.code, 2, `${label}: ${result.stderr}`);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${label}: ${result.stderr}`);
      assert.match(lines[0] ?? '', /is another program's SQLite database \(.+\); refusing to touch it/, label);
      assert.ok(readFileSync(path).equals(bytes), `${label}: the file changed`);
      assert.deepEqual(readdirSync(dir).sort(), files, `${label}: files appeared beside it`);
    }
  }
});

test('our databases are marked with the application id; one written before the mark is adopted', async () => {
  const dir = folder();
  const path = join(dir, 'ours.db');
  const first = await runBin(['--headless', '--iterations', '2', '--interval', '0', '--period', '5d', '--db', path]);
  assert.equal(first.code, 0, first.stderr);
  const read = async (): Promise<number> => {
    const c = await SqliteConnection.open(path, { readonly: true });
    try {
      return (await c.get<{ application_id: number }>('PRAGMA application_id'))?.application_id ?? -1;
    } finally {
      await c.close();
    }
  };
  assert.equal(await read(), APPLICATION_ID);

  // A database from before the mark (our schema, application id 0) keeps working and gets marked.
  const old = join(dir, 'old.db');
  const c = await SqliteConnection.open(old);
  await c.exec(`${MIGRATIONS[0] ?? ''} PRAGMA user_version = 1;`);
  await c.close();
  const stats = await runBin(['maintenance', 'stats', '--db', old]);
  assert.equal(stats.code, 2, 'read-only commands do not upgrade');
  assert.match(stats.stderr, /older schema \(1\); start the bot once to upgrade it/);
  const started = await runBin(['--headless', '--iterations', '1', '--interval', '0', '--period', '5d', '--db', old]);
  assert.equal(started.code, 0, started.stderr);
  const o = await SqliteConnection.open(old, { readonly: true });
  try {
    assert.equal((await o.get<{ application_id: number }>('PRAGMA application_id'))?.application_id, APPLICATION_ID);
  } finally {
    await o.close();
  }
});

test('--db in a folder that cannot be created: one line, exit 2, quickly', async () => {
  for (const path of ['/proc/nope/x.db', '/proc/nope/deeper/x.db', '/dev/null/x.db']) {
    const started = Date.now();
    const result = await runBin(['--headless', '--iterations', '1', '--interval', '0', '--db', path], {}, 20_000);
    assert.equal(result.code, 2, `${path}: ${result.stderr}`);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^trading-tui: cannot create the folder for /);
    assert.ok(Date.now() - started < 15_000, `${path} took ${Date.now() - started} ms`);
  }
});

test('the database deleted or replaced while the bot runs: noticed at the next write, one line, exit 2', async () => {
  for (const how of ['deleted', 'replaced'] as const) {
    const dir = folder();
    const path = join(dir, 'trading.db');
    const child = startBin(['--json', '--interval', '20ms', '--period', '5d', '--symbols', 'AAPL,MSFT', '--db', path]);
    const done = collect(child, 30_000);
    let printed = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if ((printed.match(/"type":"iteration"/g)?.length ?? 0) >= 3) resolve();
      });
    });
    if (how === 'deleted') for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    else {
      const other = join(dir, 'other.db');
      const c = await SqliteConnection.open(other);
      await c.exec('CREATE TABLE t (x)');
      await c.close();
      renameSync(other, path);
    }
    const result = await done;
    assert.equal(result.code, 2, `${how}: ${result.stderr}`);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^trading-tui: the database .*trading\\.db was ${how}`));
    if (how === 'deleted') assert.equal(existsSync(path), false, 'no empty database comes back in its place');
  }
});

test('a refused start writes nothing: no run row, no portfolio, no new file', async () => {
  const dir = folder();
  const path = join(dir, 'trading.db');
  const args = ['--headless', '--iterations', '2', '--interval', '0', '--period', '5d', '--db', path];
  const first = await runBin([...args, '--seed', '1']);
  assert.equal(first.code, 0, first.stderr);
  const bytes = readFileSync(path);
  const files = readdirSync(dir).sort();
  const refused = await runBin([...args, '--seed', '2']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^trading-tui: the portfolio in .* trades the simulated market with --seed 1/);
  assert.ok(readFileSync(path).equals(bytes), 'the database is byte for byte as it was');
  assert.deepEqual(readdirSync(dir).sort(), files);
  const c = await SqliteConnection.open(path, { readonly: true });
  try {
    assert.equal((await c.get<{ n: number }>('SELECT count(*) AS n FROM runs WHERE ended_at IS NULL'))?.n, 0);
  } finally {
    await c.close();
  }

  const fresh = join(dir, 'new.db');
  const noProfile = await runBin([...args.slice(0, -1), fresh, '--profile', 'nope']);
  assert.equal(noProfile.code, 2, noProfile.stderr);
  assert.equal(existsSync(fresh), false, 'the file a refused start created is gone');
});

/**
 * Runs the bin as a user who may only read the database: as root (who may write anything) the bin
 * runs as nobody through setpriv; otherwise the file and its folder are made read-only.
 */
function readOnlyRunner(dir: string): { run(args: string[]): Promise<BinResult>; restore(): void } {
  if (process.getuid?.() !== 0) {
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444);
    chmodSync(dir, 0o555);
    return { run: (args) => runBin(args), restore: () => chmodSync(dir, 0o755) };
  }
  // nobody cannot reach root's Node (under /root): a link to it in a folder anyone may enter.
  const bin = mkdtempSync(join(tmpdir(), 'tt-node-'));
  chmodSync(bin, 0o755);
  const node = join(bin, 'node');
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
  }
  chmodSync(node, 0o755);
  for (let d = dir; d !== dirname(d) && d.startsWith(tmpdir()) && d !== tmpdir(); d = dirname(d)) chmodSync(d, 0o755);
  return {
    run: (args) =>
      collect(
        spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', node, BIN, ...args], {
          env: { ...process.env, APCA_API_KEY_ID: '', APCA_API_SECRET_KEY: '', TRADING_TUI_DB: '' },
          stdio: 'pipe',
        }),
      ),
    restore: () => rmSync(bin, { recursive: true, force: true }),
  };
}

test('read-only commands work on a database the user may only read, and change nothing', async () => {
  const dir = folder();
  const path = join(dir, 'trading.db');
  const made = await runBin(['--headless', '--iterations', '30', '--interval', '0', '--period', '5d', '--db', path]);
  assert.equal(made.code, 0, made.stderr);
  const bytes = readFileSync(path);
  const files = readdirSync(dir).sort();
  const runner = readOnlyRunner(dir);
  try {
    const stats = await runner.run(['maintenance', 'stats', '--json', '--db', path]);
    assert.equal(stats.code, 0, stats.stderr);
    const parsed = JSON.parse(stats.stdout) as { tables: { table: string; rows: number }[] };
    assert.equal(parsed.tables.find((t) => t.table === 'equity_points')?.rows, 30);
    const check = await runner.run(['maintenance', 'check', '--db', path]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /\nhealthy\n$/);
    const report = await runner.run(['learn', 'report', '--json', '--db', path]);
    assert.equal(report.code, 0, report.stderr);
    assert.equal((JSON.parse(report.stdout) as { equityPoints: number }).equityPoints, 30);
    // Writing commands still say plainly that they cannot write.
    const start = await runner.run(['--headless', '--iterations', '1', '--interval', '0', '--db', path]);
    assert.equal(start.code, 2);
    assert.equal(start.stderr.trimEnd().split('\n').length, 1, start.stderr);
  } finally {
    runner.restore();
  }
  assert.ok(readFileSync(path).equals(bytes), 'the file is unchanged');
  assert.deepEqual(readdirSync(dir).sort(), files);
});
