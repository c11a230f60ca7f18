import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../src/cli/commands/maintenance.js';
import { DAY_MS } from '../src/core/units.js';
import { countCleanup } from '../src/store/maintenance.js';
import { openStore } from '../src/store/open-store.js';
import { runBin } from './support/bin.js';
import { captureStdout } from './support/capture-output.js';
import { createDatabase } from './support/fill-database.js';

test('cleanup ages rows by when they were recorded, not by the simulated market clock', async () => {
  const { path, connection } = await createDatabase();
  await connection.close();
  // A simulated run recorded just now trades in 2025: its rows must survive a 30-day cleanup.
  const run = await runBin(['--headless', '--iterations', '50', '--interval', '0', '--period', '10d', '--db', path]);
  assert.equal(run.code, 0, run.stderr);
  const c = await openStore(path);
  try {
    const marketTime = await c.get<{ newest: number }>('SELECT max(time) AS newest FROM equity_points');
    assert.ok((marketTime?.newest ?? 0) < Date.now() - 30 * DAY_MS, 'the simulated market lives in the past');
    const counted = await countCleanup(c, { cutoff: Date.now() - 30 * DAY_MS, includeTrades: true });
    assert.deepEqual(
      { events: counted.events, equity: counted.equity_points, fills: counted.fills, orders: counted.orders },
      { events: 0, equity: 0, fills: 0, orders: 0 },
    );
  } finally {
    await c.close();
  }
  const { code, stdout } = await captureStdout(() =>
    runCommand(['cleanup', '--older-than', '30d', '--include-trades', '--db', path]),
  );
  assert.equal(code, 0);
  const after = await openStore(path, { readonly: true });
  try {
    assert.equal((await after.get<{ n: number }>('SELECT count(*) AS n FROM equity_points'))?.n, 50, stdout);
    assert.ok(((await after.get<{ n: number }>('SELECT count(*) AS n FROM fills'))?.n ?? 0) > 0, stdout);
  } finally {
    await after.close();
  }
});

test('rows written before recorded_at existed are dated by their run: ended long ago goes, running stays', async () => {
  const { connection, filler } = await createDatabase();
  const now = Date.now();
  const portfolio = await filler.portfolio(now - 50 * DAY_MS);
  const old = await filler.run(portfolio, now - 50 * DAY_MS, { endedAt: now - 40 * DAY_MS });
  const current = await filler.run(portfolio, now - 2 * DAY_MS);
  await filler.events(old, [1, 2, 3]);
  await filler.events(current, [4, 5]);
  // As a database migrated from before: no recorded_at.
  await connection.run('UPDATE events SET recorded_at = NULL');
  const counted = await countCleanup(connection, { cutoff: now - 30 * DAY_MS, includeTrades: false });
  assert.equal(counted.events, 3);
  await connection.close();
});
