/**
 * Alpaca reconciliation against the fake Alpaca: fills made while the bot was down or after its last
 * iteration reach the record, so positions rebuilt from the stored fills equal the account's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import type { FakeAlpacaServer } from './fake-alpaca/fake-alpaca-server.js';
import { wholeFill } from './fake-alpaca/fake-streams.js';
import { FILL_DELAY_MS, startFakeAlpaca } from './support/fake-alpaca.js';
import { collect, runBin, startBin } from './support/bin.js';

const KEY_ID = 'PKRECONCILEKEY0123456';
const SECRET = 'rEcOnCiLe/secret+value==0123456789abcdef';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const ARGS = ['--broker', 'alpaca', '--json', '--period', '10d', '--symbols', SYMBOLS.join(',')];

/** How the fake treats an accepted order: filled and said on the stream, filled silently, or left open. */
type FillMode = 'stream' | 'silent' | 'open';

interface Fakes {
  readonly server: FakeAlpacaServer;
  readonly env: NodeJS.ProcessEnv;
  mode: FillMode;
  close(): Promise<void>;
}

async function startFakes(): Promise<Fakes> {
  const fakes: { mode: FillMode } = { mode: 'stream' };
  const fake = await startFakeAlpaca({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols: SYMBOLS,
    positionsFollowFills: true,
    onOrder: ({ server, stream }, order, close) => {
      const mode = fakes.mode;
      if (mode === 'open') return;
      setTimeout(() => {
        server.markFilled(order.client_order_id, close);
        if (mode === 'silent') return;
        stream.pushFill(wholeFill(order, close));
      }, FILL_DELAY_MS);
    },
  });
  return {
    server: fake.server,
    env: fake.env,
    get mode() {
      return fakes.mode;
    },
    set mode(mode: FillMode) {
      fakes.mode = mode;
    },
    close: () => fake.close(),
  };
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tt-reconcile-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Net quantity per symbol from the stored fills, and the orders still working. */
async function recorded(path: string): Promise<{ positions: Map<string, number>; working: number }> {
  const c = await SqliteConnection.open(path, { readonly: true });
  try {
    const rows = await c.all<{ symbol: string; qty: number }>(
      "SELECT symbol, sum(CASE side WHEN 'buy' THEN qty ELSE -qty END) AS qty FROM fills GROUP BY symbol",
    );
    const working = await c.get<{ n: number }>("SELECT count(*) AS n FROM orders WHERE status = 'working'");
    return {
      positions: new Map(rows.filter((r) => r.qty !== 0).map((r) => [r.symbol, r.qty])),
      working: working?.n ?? -1,
    };
  } finally {
    await c.close();
  }
}

const account = (server: FakeAlpacaServer): Map<string, number> =>
  new Map(server.currentPositions().map((p) => [p.symbol, p.qty]));

test('fills made at Alpaca after the last iteration are recorded at stop: the record equals the account', async () => {
  const fakes = await startFakes();
  try {
    // Orders fill at Alpaca but the trade stream never says so: only the stop's reconciliation sees them.
    fakes.mode = 'silent';
    const path = join(dir, 'stop.db');
    const result = await runBin(
      [...ARGS, '--headless', '--iterations', '3', '--interval', '200ms', '--db', path],
      fakes.env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(fakes.server.orders.length > 0, 'orders reached Alpaca');
    assert.equal(result.stdout.match(/"type":"fill"/g)?.length ?? 0, 0, 'the loop saw no fill');
    const record = await recorded(path);
    assert.equal(record.working, 0, 'no order left working though Alpaca filled it');
    assert.ok(account(fakes.server).size > 0);
    assert.deepEqual(record.positions, account(fakes.server));
  } finally {
    await fakes.close();
  }
});

test('after kill -9: fills made while the bot was down are recorded at start, a foreign order is adopted with a notice', async () => {
  const fakes = await startFakes();
  try {
    const path = join(dir, 'crash.db');
    // The first run's orders stay open at Alpaca; it is killed mid-run.
    fakes.mode = 'open';
    const child = startBin([...ARGS, '--headless', '--interval', '200ms', '--db', path], fakes.env);
    const done = collect(child, 60_000);
    await new Promise<void>((resolve, reject) => {
      let printed = '';
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const iterations = printed.match(/"type":"iteration"/g)?.length ?? 0;
        if (iterations >= 3 && fakes.server.orders.length > 0) resolve();
      });
      child.on('close', () => reject(new Error('the bot ended before it was killed')));
    });
    child.kill('SIGKILL');
    await done;
    // While it is down, Alpaca fills its orders, and someone places an order by hand.
    for (const order of fakes.server.orders) fakes.server.markFilled(order.client_order_id, 100);
    const manual = fakes.server.seedOrder({
      clientOrderId: 'by-hand-1',
      symbol: 'FFF',
      side: 'buy',
      qty: 3,
      filledQty: 3,
      status: 'filled',
    });
    manual['filled_avg_price'] = '50.25';
    manual['filled_at'] = new Date().toISOString();
    const before = await recorded(path);
    assert.ok(before.working > 0, 'the crash left orders working in the record');

    fakes.mode = 'stream';
    const restart = await runBin([...ARGS, '--iterations', '1', '--interval', '200ms', '--db', path], fakes.env);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(
      restart.stdout,
      /order by-hand-1 \(buy 3 FFF\) was placed outside trading-tui; adopted into the record/,
    );
    assert.match(restart.stdout, /filled at Alpaca while the bot was not taking fills; recorded/);
    const after = await recorded(path);
    assert.equal(after.working, 0);
    assert.deepEqual(after.positions, account(fakes.server));
  } finally {
    await fakes.close();
  }
});
