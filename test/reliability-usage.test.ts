import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { redactSecrets } from '../src/broker/alpaca/alpaca-market-data.js';
import { runBin } from './support/bin.js';

const RUN = ['--headless', '--iterations', '1', '--interval', '0', '--period', '5d'];

/** One line on stderr, exit code 2, nothing on stdout, no database made. */
async function assertUsageError(args: string[], env: NodeJS.ProcessEnv, message: RegExp): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tt-usage-'));
  try {
    const db = join(dir, 'trading.db');
    const result = await runBin(
      args.map((a) => (a === 'DB' ? db : a)),
      { ...env, TRADING_TUI_DB: db },
    );
    const label = `${args.join(' ')} ${JSON.stringify(env)}`;
    assert.equal(result.code, 2, `${label}: ${result.stderr}`);
    assert.equal(result.stdout, '', label);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${label}: ${result.stderr}`);
    assert.match(lines[0] ?? '', message, label);
    assert.equal(existsSync(db), false, `${label}: a database was made`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('contradicting options and --version with a bad option are usage errors', async () => {
  await assertUsageError([...RUN, '--no-db', '--db', 'DB'], {}, /^trading-tui: --no-db .* --db .*give one of them$/);
  await assertUsageError([...RUN, '--db', 'DB', '--no-db'], {}, /^trading-tui: --no-db .* --db /);
  await assertUsageError([...RUN, '--fresh', '--no-db'], {}, /^trading-tui: --fresh .* --no-db .*give one of them$/);
  await assertUsageError(['--version', '--frob'], {}, /^trading-tui: unknown option --frob/);
  await assertUsageError(['--frob', '--version'], {}, /^trading-tui: unknown option --frob/);
  await assertUsageError(['-v', '--period', 'banana'], {}, /^trading-tui: --period/);
  const version = await runBin(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

test('Alpaca keys: blank or only one of the two is a usage error, never a silent simulation', async () => {
  const key = 'PKTESTKEY0123456789';
  const secret = 'sEcReT/abc+def==ghijklmnopqrstuvwxyz0123';
  await assertUsageError(
    RUN,
    { APCA_API_KEY_ID: ' ', APCA_API_SECRET_KEY: secret },
    /^trading-tui: APCA_API_KEY_ID is set but blank/,
  );
  await assertUsageError(
    RUN,
    { APCA_API_KEY_ID: key, APCA_API_SECRET_KEY: '\t ' },
    /^trading-tui: APCA_API_SECRET_KEY is set but blank/,
  );
  await assertUsageError(
    RUN,
    { APCA_API_KEY_ID: key },
    /^trading-tui: APCA_API_KEY_ID is set but APCA_API_SECRET_KEY is not/,
  );
  await assertUsageError(
    RUN,
    { APCA_API_SECRET_KEY: secret },
    /^trading-tui: APCA_API_SECRET_KEY is set but APCA_API_KEY_ID is not/,
  );
  // Asking for the simulation by name with one stray key is fine; no secret is ever printed.
  const sim = await runBin([...RUN, '--no-db', '--broker', 'sim'], { APCA_API_KEY_ID: key });
  assert.equal(sim.code, 0, sim.stderr);
  assert.ok(!sim.stdout.includes(key) && !sim.stderr.includes(key));
});

test('redaction hides real secrets only: blanks and single letters are not secrets', () => {
  const text = 'Alpaca rejected the order: insufficient buying power';
  assert.equal(redactSecrets(text, [' ', '  ', 'a', '\t']), text);
  assert.equal(redactSecrets(`${text} key PK12345`, [' PK12345 ']), `${text} key [REDACTED]`);
});

test('watch with its output piped: one line, exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-usage-'));
  try {
    const db = join(dir, 'trading.db');
    assert.equal((await runBin([...RUN, '--db', db])).code, 0);
    const result = await runBin(['watch', '--db', db]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^trading-tui: watch needs a terminal[^\n]*\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
