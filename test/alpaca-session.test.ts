/**
 * `trading-tui --broker alpaca` end to end: the built bin against the fake Alpaca server and the
 * fake trading stream on 127.0.0.1 (every APCA_API_* endpoint points at them: nothing leaves the machine).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAlpaca, type FakeAlpaca, type FakeAlpacaStart } from './support/fake-alpaca.js';
import { BIN, collect, freshDataHome, runBin, startBin } from './support/bin.js';
import { waitUntil } from './support/wait-until.js';
import { TmuxPane, hasTmux } from './support/tmux.js';

const KEY_ID = 'PKSESSIONKEY0123456789';
const SECRET = 'sEsSiOn/secret+value==0123456789abcdef';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const ARGS = [
  '--broker',
  'alpaca',
  '--headless',
  '--json',
  '--iterations',
  '3',
  '--interval',
  '200ms',
  '--period',
  '10d',
  '--symbols',
  SYMBOLS.join(','),
];

/** The fake Alpaca with this file's account; each accepted order is filled on the stream at the last close. */
function startFakes(options: Partial<FakeAlpacaStart> = {}): Promise<FakeAlpaca> {
  return startFakeAlpaca({
    keyId: KEY_ID,
    secretKey: SECRET,
    symbols: SYMBOLS,
    ...options,
  });
}

const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

let dbDir: string;
before(() => {
  dbDir = mkdtempSync(join(tmpdir(), 'trading-tui-alpaca-'));
});
after(() => rmSync(dbDir, { recursive: true, force: true }));

test('--broker alpaca: backfills through Alpaca, places orders with their client_order_id, takes the stream fills, PAPER', async () => {
  const fakes = await startFakes();
  try {
    const result = await runBin([...ARGS, '--db', join(dbDir, 'paper.sqlite')], fakes.env);
    assert.equal(result.code, 0, result.stderr);
    const lines = jsonLines(result.stdout);
    const start = lines.find((l) => l['type'] === 'start');
    assert.equal(start?.['mode'], 'PAPER');
    const backfill = lines.find((l) => l['type'] === 'round' && l['kind'] === 'backfill');
    assert.ok(backfill !== undefined && (backfill['bars'] as number) > 0, 'the backfill brought bars');
    // One multi-symbol request for the backfill, one per refresh round.
    assert.equal(fakes.server.count(), 4);
    assert.ok(fakes.server.orders.length > 0, 'orders reached Alpaca');
    for (const order of fakes.server.orders) assert.match(order.client_order_id, /^tt-r1-[a-z0-9]+-\d+$/);
    const fills = lines.filter((l) => l['type'] === 'fill');
    assert.ok(
      fakes.streamedFills.length > 0 && fills.length > 0,
      `fills pushed ${fakes.streamedFills.length}, taken ${fills.length}`,
    );
    assert.equal(lines.at(-1)?.['type'], 'summary');
    assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET));
  } finally {
    await fakes.close();
  }
});

test('a restart within the cache TTL asks Alpaca only for the bars after the ones it has', async () => {
  const fakes = await startFakes();
  try {
    const db = join(dbDir, 'cache.sqlite');
    const first = await runBin([...ARGS, '--db', db], fakes.env);
    assert.equal(first.code, 0, first.stderr);
    const firstStart = fakes.server.requests.find((r) => r.path === '/v2/stocks/bars')?.query.get('start');
    const before = fakes.server.requests.length;
    const second = await runBin([...ARGS, '--db', db], fakes.env);
    assert.equal(second.code, 0, second.stderr);
    const secondStart = fakes.server.requests
      .slice(before)
      .find((r) => r.path === '/v2/stocks/bars')
      ?.query.get('start');
    assert.ok(
      firstStart && secondStart && Date.parse(secondStart) > Date.parse(firstStart),
      `first backfill from ${firstStart}, second from ${secondStart}`,
    );
    const backfillBars = (stdout: string): unknown =>
      jsonLines(stdout).find((l) => l['type'] === 'round' && l['kind'] === 'backfill')?.['bars'];
    assert.ok(
      (backfillBars(second.stdout) as number) >= (backfillBars(first.stdout) as number),
      'the history is as long, from the cache',
    );
  } finally {
    await fakes.close();
  }
});

test('live bars: once the market-data stream is subscribed, refresh rounds take its bars instead of REST', async () => {
  const fakes = await startFakes({ timeframe: '1Min', periodDays: 2, holdBack: 0 });
  let child: ReturnType<typeof startBin> | undefined;
  try {
    const args = [
      '--broker',
      'alpaca',
      '--headless',
      '--json',
      '--no-db',
      '--timeframe',
      '1Min',
      '--period',
      '1d',
      '--interval',
      '250ms',
      '--symbols',
      SYMBOLS.join(','),
    ];
    // The run goes on until the test has seen what it waits for, then stops it (a fixed number of
    // iterations could end before bars pushed on a loaded machine arrive). Deadlines guard against a hang.
    child = startBin(args, fakes.env);
    const done = collect(child);
    let stdout = '';
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    const iterationCount = (): number => stdout.split('"type":"iteration"').length - 1;
    await waitUntil(() => fakes.data.subscriptionsOf().some((s) => s.length >= SYMBOLS.length), 120_000, 20);
    // A round that ends after the subscription: the backfill and any round begun on REST before the
    // stream was up are over (a fixed 100 ms used to stand for this, too short on a loaded machine).
    const subscribedAt = iterationCount();
    await waitUntil(() => iterationCount() > subscribedAt, 120_000, 20);
    const restBefore = fakes.server.count();
    const newest = fakes.server.barsOf('AAA').at(-1)?.time ?? 0;
    const pushed = [newest + 60_000, newest + 120_000];
    for (const time of pushed) {
      for (const symbol of SYMBOLS) {
        const last = fakes.server.barsOf(symbol).at(-1);
        const close = (last?.close ?? 100) * 1.001;
        fakes.data.pushBar({
          symbol,
          time: new Date(time).toISOString(),
          open: close,
          high: close,
          low: close,
          close,
          volume: 100,
        });
      }
    }
    // Both pushed bars may come in one round (one iteration line, at the newer bar's time); three
    // rounds more, and the run is stopped.
    const newestPushed = new Date(pushed[1] as number).toISOString();
    const newestLine = new RegExp(`"type":"iteration"[^\\n]*"time":"${newestPushed}"`);
    const beforePush = iterationCount();
    await waitUntil(() => newestLine.test(stdout) || iterationCount() >= beforePush + 20, 120_000, 20);
    assert.ok(newestLine.test(stdout), `the pushed bars in an iteration within 20 rounds:\n${stdout.slice(-2000)}`);
    const pushedAt = iterationCount();
    await waitUntil(() => iterationCount() >= pushedAt + 3, 120_000, 20);
    child.kill('SIGTERM');
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    const times = jsonLines(result.stdout)
      .filter((l) => l['type'] === 'iteration')
      .map((l) => String(l['time']));
    assert.ok(times.includes(newestPushed), `${newestPushed} not in ${times.join(' ')}`);
    assert.ok(!times.some((t) => Date.parse(t) > (pushed[1] as number)), 'no bar beyond the pushed ones');
    assert.equal(fakes.server.count(), restBefore, 'no REST bars request once the stream covers the rounds');
  } finally {
    // Stopped already when all went well; on a failure, not left running to its hang guard.
    child?.kill('SIGKILL');
    await fakes.close();
  }
});

test('an order Alpaca refuses becomes an error line; the loop goes on and exits 0', async () => {
  const fakes = await startFakes({ buyingPower: 1 });
  try {
    const result = await runBin([...ARGS, '--no-db'], fakes.env);
    assert.equal(result.code, 0, result.stderr);
    const lines = jsonLines(result.stdout);
    const errors = lines
      .filter((l) => l['type'] === 'notice' && l['kind'] === 'error')
      .map((l) => String(l['message']));
    assert.ok(
      errors.length > 0 &&
        errors.every((e) =>
          /^Alpaca rejected order tt-[a-z0-9-]+ \(buy \d+ [A-Z]+\) \(HTTP 403\): insufficient buying power \(code 40310000\); no new [A-Z]+ order for 5 minutes$/.test(
            e,
          ),
        ),
      errors.join('\n'),
    );
    const refusedSymbols = errors.map((e) => /\(buy \d+ ([A-Z]+)\)/.exec(e)?.[1]);
    assert.equal(
      new Set(refusedSymbols).size,
      refusedSymbols.length,
      'a refused symbol is not tried again at the next steps',
    );
    assert.equal(lines.filter((l) => l['type'] === 'fill').length, 0);
    assert.equal(lines.filter((l) => l['type'] === 'iteration').length, 3);
  } finally {
    await fakes.close();
  }
});

test('a restart on the same database takes the account from Alpaca and reports each difference', async () => {
  const fakes = await startFakes();
  const db = join(dbDir, 'restart.sqlite');
  try {
    const first = await runBin([...ARGS, '--db', db], fakes.env);
    assert.equal(first.code, 0, first.stderr);
    const bought = jsonLines(first.stdout).filter((l) => l['type'] === 'fill');
    assert.ok(bought.length > 0);
    // The fake's /v2/positions stays empty: Alpaca disagrees with the saved positions and cash.
    const second = await runBin([...ARGS, '--db', db], fakes.env);
    assert.equal(second.code, 0, second.stderr);
    const notes = jsonLines(second.stdout)
      .filter((l) => l['type'] === 'notice')
      .map((l) => String(l['message']));
    for (const fill of bought) {
      assert.ok(
        notes.some(
          (n) =>
            n.startsWith(`position ${String(fill['symbol'])} differs from the saved run`) &&
            n.endsWith("Alpaca 0; using Alpaca's"),
        ),
        notes.join('\n'),
      );
    }
    assert.ok(
      notes.some((n) => n.startsWith('cash differs from the saved run')),
      notes.join('\n'),
    );
    const firstIteration = jsonLines(second.stdout).find((l) => l['type'] === 'iteration');
    assert.equal(firstIteration?.['i'], 4, 'the iteration count goes on from the saved run');
  } finally {
    await fakes.close();
  }
});

test('a simulated portfolio is not continued on Alpaca, nor a paper one live: one line, exit 2', async () => {
  const fakes = await startFakes();
  const db = join(dbDir, 'mixed.sqlite');
  try {
    const sim = await runBin([
      '--broker',
      'sim',
      '--headless',
      '--iterations',
      '1',
      '--interval',
      '0',
      '--symbols',
      'AAA,BBB',
      '--db',
      db,
    ]);
    assert.equal(sim.code, 0, sim.stderr);
    const alpaca = await runBin([...ARGS, '--db', db], fakes.env);
    assert.equal(alpaca.code, 2);
    assert.match(
      alpaca.stderr,
      /^trading-tui: the portfolio in .* trades the simulated market; start with --broker sim to continue it, or with --fresh \(or another --db\) for a new Alpaca portfolio\n$/,
    );
    const paperDb = join(dbDir, 'paper-then-live.sqlite');
    assert.equal((await runBin([...ARGS, '--db', paperDb], fakes.env)).code, 0);
    const live = await runBin([...ARGS, '--db', paperDb, '--live', '--yes-i-mean-live'], fakes.env);
    assert.equal(live.code, 2);
    assert.match(
      live.stderr,
      /^trading-tui: the portfolio in .* trades Alpaca paper; start without --live to continue it/,
    );
  } finally {
    await fakes.close();
  }
});

test('bad keys: exit 2 with one line, and neither secret in it', async () => {
  const fakes = await startFakes({ echoKeyInErrors: true });
  try {
    const result = await runBin(ARGS, {
      ...fakes.env,
      APCA_API_KEY_ID: 'PKWRONGKEY999',
      APCA_API_SECRET_KEY: 'wrong/secret+xyz==',
    });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^trading-tui: Alpaca rejected the API key \(HTTP 401\)/);
    assert.ok(!result.stderr.includes('PKWRONGKEY999') && !result.stderr.includes('wrong/secret+xyz=='), result.stderr);
  } finally {
    await fakes.close();
  }
});

test('no network at start: one line naming where, exit 2, no secret', async () => {
  // A port nothing listens on: the connection is refused at once.
  const closed = 'http://127.0.0.1:59999';
  const env = {
    APCA_API_KEY_ID: KEY_ID,
    APCA_API_SECRET_KEY: SECRET,
    APCA_API_BASE_URL: closed,
    APCA_API_DATA_URL: closed,
    APCA_API_STREAM_URL: 'ws://127.0.0.1:59999/stream',
    APCA_API_DATA_STREAM_URL: 'ws://127.0.0.1:59999',
  };
  const result = await runBin([...ARGS, '--no-db'], env);
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr, `trading-tui: cannot reach Alpaca at ${closed}: connect ECONNREFUSED 127.0.0.1:59999\n`);
  assert.ok(!result.stderr.includes(SECRET));
});

test('unknown symbols are dropped with a line each; none left is one line, exit 2', async () => {
  const fakes = await startFakes();
  try {
    const args = ARGS.map((a) => (a === SYMBOLS.join(',') ? `${SYMBOLS.join(',')},NOPE` : a));
    const result = await runBin([...args, '--no-db'], fakes.env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'trading-tui: NOPE dropped: not an active Alpaca asset\n');
    assert.equal(jsonLines(result.stdout).find((l) => l['type'] === 'start')?.['symbols'], SYMBOLS.length);

    const none = await runBin([...ARGS.slice(0, -1), 'NOPE,NADA', '--no-db'], fakes.env);
    assert.equal(none.code, 2);
    assert.deepEqual(none.stderr.trim().split('\n'), [
      'trading-tui: NOPE dropped: not an active Alpaca asset',
      'trading-tui: NADA dropped: not an active Alpaca asset',
      'trading-tui: none of the --symbols can be traded on Alpaca (NOPE,NADA)',
    ]);
  } finally {
    await fakes.close();
  }
});

test('market closed: the loop idles (no refresh rounds) and says when it opens', async () => {
  const fakes = await startFakes({ marketOpen: false });
  try {
    const child = startBin([...ARGS, '--no-db'], fakes.env);
    const done = collect(child, 30_000);
    let stdout = '';
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    await waitUntil(() => stdout.includes('"type":"market"'), 20_000, 20);
    const barsAfterBackfill = fakes.server.count();
    // The clock's next open is past, so each idle turn asks it again: two more asks, a whole turn idled.
    const clockAsks = fakes.server.count('/v2/clock');
    await waitUntil(() => fakes.server.count('/v2/clock') >= clockAsks + 2, 20_000, 20);
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    const market = jsonLines(result.stdout).find((l) => l['type'] === 'market');
    assert.deepEqual(market, { type: 'market', open: false, nextOpen: '2025-01-07T14:30:00.000Z' });
    assert.equal(barsAfterBackfill, 1, 'only the backfill');
    assert.equal(fakes.server.count(), 1, 'no refresh round while closed');
    assert.equal(jsonLines(result.stdout).filter((l) => l['type'] === 'iteration').length, 0);
  } finally {
    await fakes.close();
  }
});

test('market closed, human output: one line saying when it opens, in New York time', async () => {
  const fakes = await startFakes({ marketOpen: false });
  try {
    const child = startBin([...ARGS.filter((a) => a !== '--json'), '--no-db'], fakes.env);
    const done = collect(child, 30_000);
    let stdout = '';
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    await waitUntil(() => stdout.includes('market closed'), 20_000, 20);
    child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes('market closed · opens Tue 09:30 ET\n'), result.stdout);
  } finally {
    await fakes.close();
  }
});

test('--live headless needs --yes-i-mean-live: one line, exit 2, Alpaca never asked', async () => {
  const fakes = await startFakes();
  try {
    const result = await runBin([...ARGS, '--live'], fakes.env);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'trading-tui: --live trades real money: without a terminal to confirm on, add --yes-i-mean-live\n',
    );
    assert.equal(fakes.server.requests.length, 0);

    const confirmed = await runBin([...ARGS, '--live', '--yes-i-mean-live', '--no-db'], fakes.env);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(jsonLines(confirmed.stdout).find((l) => l['type'] === 'start')?.['mode'], 'LIVE');
  } finally {
    await fakes.close();
  }
});

test(
  '--live on a terminal: the account number must be typed; a wrong one exits 2, the right one trades LIVE',
  { skip: hasTmux ? false : 'tmux is not installed', timeout: 60_000 },
  async () => {
    const fakes = await startFakes();
    const folder = mkdtempSync(join(tmpdir(), 'trading-tui-live-'));
    const statusFile = join(folder, 'status');
    const env = Object.entries(fakes.env)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(' ');
    const command = (args: string): string =>
      `env -u CI TERM=xterm-256color XDG_DATA_HOME=${freshDataHome()} ${env} ${process.execPath} ${BIN} --broker alpaca --live --no-db --period 10d --symbols ${SYMBOLS.join(',')} ${args}; echo $? > ${statusFile}`;
    const exitStatus = (): string | null => {
      try {
        return readFileSync(statusFile, 'utf8').trim();
      } catch {
        return null;
      }
    };
    const wrong = new TmuxPane();
    try {
      wrong.start(command('--iterations 1'), 120, 30);
      await wrong.waitFor('the prompt', (lines) => lines.some((l) => l.includes('Type the account number to confirm')));
      assert.ok(wrong.capture().some((l) => l.includes('LIVE trading with real money on Alpaca account PA3FAKE00001')));
      wrong.sendKeys('PA3WRONG', 'Enter');
      await wrong.waitFor(
        'the exit',
        () => wrong.read('pane_dead') === '1' || wrong.capture().some((l) => l.includes('not confirmed')),
      );
      assert.ok(
        wrong.capture().some((l) => l === 'trading-tui: live trading not confirmed; nothing was done'),
        wrong.capture().join('\n'),
      );
      await wrong.waitFor('exit code 2', () => exitStatus() === '2');
      assert.equal(fakes.server.orders.length, 0);
    } finally {
      wrong.kill();
    }
    const right = new TmuxPane();
    try {
      right.start(command('--interval 200ms'), 120, 30);
      await right.waitFor('the prompt', (lines) => lines.some((l) => l.includes('Type the account number to confirm')));
      right.sendKeys('PA3FAKE00001', 'Enter');
      await right.waitFor('the LIVE status bar', (lines) => /^LIVE /.test(lines.at(-1) ?? ''), 20_000);
      right.sendKeys('q');
      await right.waitFor('exit code 0', () => exitStatus() === '0', 20_000);
    } finally {
      right.kill();
      rmSync(folder, { recursive: true, force: true });
      await fakes.close();
    }
  },
);
