import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { APPLICATION_ID } from '../src/store/open-store.js';
import { MIGRATIONS } from '../src/store/schema.js';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import { collect, runBin, startBin } from './support/bin.js';

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
