/**
 * `b` on an Alpaca account, in a real terminal (tmux, the built bin) against the fake Alpaca on
 * 127.0.0.1: after `b` no new buy order reaches Alpaca while sells still do; `b` again and buys reach it
 * again. Which orders came after which key is read from the run's record: each order's market time
 * against the market time of the `b` events (a key is taken between iterations, never within one).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import { BIN, freshDataHome } from './support/bin.js';
import { startFakeAlpaca } from './support/fake-alpaca.js';
import { TmuxPane, hasTmux } from './support/tmux.js';

const KEY_ID = 'PKBUYSKEY012345678901';
const SECRET = 'bUyS/secret+value==0123456789abcdef';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
/** Iterations buys stay off at least: the strategy on this account buys every few iterations. */
const OFF_ITERATIONS = 20;

const status = (lines: readonly string[]): string => lines.at(-1) ?? '';
const iterationOf = (lines: readonly string[]): number => Number(/\bit (\d+)/.exec(status(lines))?.[1] ?? -1);

test(
  'Alpaca: after b no buy order reaches Alpaca and sells still do; b again and buys reach it again',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 180_000 },
  async () => {
    const fake = await startFakeAlpaca({
      keyId: KEY_ID,
      secretKey: SECRET,
      symbols: SYMBOLS,
      periodDays: 20,
      shiftToNow: true,
      // One more bar each round for the whole run.
      holdBack: 150,
    });
    const folder = mkdtempSync(join(tmpdir(), 'trading-tui-buys-'));
    const path = join(folder, 'buys.db');
    const pane = new TmuxPane();
    const orders = fake.server.orders;
    const sentSince = (from: number, side: 'buy' | 'sell'): boolean =>
      orders.slice(from).some((o) => o['side'] === side);
    try {
      const env = Object.entries(fake.env)
        .map(([name, value]) => `${name}=${String(value)}`)
        .join(' ');
      pane.start(
        `env -u CI TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${env} ${process.execPath} ${BIN} --broker alpaca --db ${path} --interval 150ms --period 20d --symbols ${SYMBOLS.join(',')}`,
        120,
        40,
      );
      await pane.waitFor(
        'a buy filled at Alpaca',
        () => orders.some((o) => o['side'] === 'buy' && o.status === 'filled'),
        60_000,
      );

      pane.sendKeys('b');
      const off = await pane.waitFor('BUYS OFF', (lines) => status(lines).includes('BUYS OFF'));
      const offAt = orders.length;
      const offIteration = iterationOf(off);
      assert.ok(offIteration > 0, status(off));
      await pane.waitFor(
        `a sell at Alpaca and ${OFF_ITERATIONS} iterations with buys off`,
        (lines) => sentSince(offAt, 'sell') && iterationOf(lines) >= offIteration + OFF_ITERATIONS,
        90_000,
      );

      pane.sendKeys('b');
      await pane.waitFor(
        'buys on again',
        (lines) => /^PAPER /.test(status(lines)) && !status(lines).includes('BUYS OFF'),
      );
      const onAt = orders.length;
      await pane.waitFor('a buy at Alpaca again', () => sentSince(onAt, 'buy'), 90_000);

      pane.sendKeys('q');
      await pane.waitFor('the process to end', () => pane.read('pane_dead') === '1', 30_000);
    } finally {
      pane.kill();
      await fake.close();
    }

    const record = await SqliteConnection.open(path, { readonly: true });
    try {
      const eventTime = async (start: string): Promise<number> =>
        (await record.get<{ time: number }>('SELECT time FROM events WHERE message LIKE ? ORDER BY id', [`${start}%`]))
          ?.time ?? Number.NaN;
      const offTime = await eventTime('new buys stopped by the user');
      const onTime = await eventTime('new buys restarted by the user');
      assert.ok(offTime < onTime, `buys off at ${offTime}, on at ${onTime}`);
      const recorded = new Map(
        (await record.all<{ client_order_id: string; time: number }>('SELECT client_order_id, time FROM orders')).map(
          (o) => [o.client_order_id, o.time],
        ),
      );
      const atAlpaca = orders.map((o) => ({
        side: String(o['side']),
        time: recorded.get(o.client_order_id) ?? Number.NaN,
        id: o.client_order_id,
      }));
      for (const o of atAlpaca) assert.ok(Number.isFinite(o.time), `order ${o.id} at Alpaca is in the record`);
      const whileOff = atAlpaca.filter((o) => o.time > offTime && o.time <= onTime);
      assert.deepEqual(
        whileOff.filter((o) => o.side === 'buy'),
        [],
        'no buy ordered while buys were off reached Alpaca',
      );
      assert.ok(
        whileOff.some((o) => o.side === 'sell'),
        'sells reached Alpaca while buys were off',
      );
      assert.ok(
        atAlpaca.some((o) => o.side === 'buy' && o.time > onTime),
        'buys reached Alpaca after b again',
      );
    } finally {
      await record.close();
      rmSync(folder, { recursive: true, force: true });
    }
  },
);
