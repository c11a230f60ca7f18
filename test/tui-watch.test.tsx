import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../components/app.js';
import { watchSegments } from '../components/status-bar.js';
import { runWatch } from '../src/cli/commands/watch.js';
import type { WatchStatus } from '../src/engine/watch-status.js';
import { NO_DOWNLOADS } from '../src/store/snapshot-from-rows.js';
import {
  FakeControls,
  FakeTerminalInput,
  FakeTerminalOutput,
  asReadStream,
  asWriteStream,
  flush,
  makeSnapshot,
  renderOnTerminal,
} from './support/tui-fixtures.js';
import { WatchDatabase } from './support/watch-database.js';
import { waitUntil as waitUntilShared } from './support/wait-until.js';

function statusAged(ageMs: number, error: string | null = null): WatchStatus {
  const now = Date.now();
  return { dbPath: '/data/trading.db', lastWriteAt: now - ageMs, polledAt: now, error };
}

async function renderWatching(
  status: WatchStatus,
  controls = new FakeControls(makeSnapshot({ downloads: NO_DOWNLOADS })),
) {
  const read = (): WatchStatus => status;
  const app = renderOnTerminal(<App controls={controls} fps={1000} width={120} height={40} watch={read} />, 120, 40);
  await flush();
  return { app, controls };
}

const waitFor = (condition: () => boolean, timeoutMs = 3000): Promise<void> =>
  waitUntilShared(condition, timeoutMs, 10);

test('watching, the status bar says WATCH and how long ago the data was written', async () => {
  const { app } = await renderWatching(statusAged(3_000));
  const status = app.lines().at(-1) ?? '';
  assert.match(status, /^WATCH {2}updated [34]s ago {2}2025-03-04 15:45 UTC/);
  assert.ok(status.includes('read-only'), status);
  assert.ok(!status.includes('p pause'), status);
  assert.ok(!/\bSIM\b/.test(status), status);
  app.unmount();
});

test('the age turns yellow after 10 s and red after a minute; a skipped poll is shown', () => {
  const at = (ageMs: number) =>
    watchSegments({
      status: { dbPath: 'x', lastWriteAt: 1_000_000 - ageMs, polledAt: 0, error: null },
      now: 1_000_000,
    });
  assert.deepEqual(
    at(3_000).map((s) => [s.text, s.color]),
    [['updated 3s ago', undefined]],
  );
  assert.deepEqual(
    at(12_000).map((s) => [s.text, s.color]),
    [['updated 12s ago', 'yellow']],
  );
  assert.deepEqual(
    at(125_000).map((s) => [s.text, s.color]),
    [['updated 2m05s ago', 'red']],
  );
  const failing = watchSegments({
    status: { dbPath: 'x', lastWriteAt: 0, polledAt: 0, error: 'database busy; poll skipped' },
    now: 0,
  });
  assert.deepEqual(
    failing.map((s) => s.text),
    ['no checkpoint yet', 'database busy; poll skipped'],
  );
});

test('the status bar re-reads the age every second while nothing else changes', async () => {
  const { app } = await renderWatching(statusAged(5_000));
  assert.match(app.lines().at(-1) ?? '', /updated [56]s ago/);
  await waitFor(() => /updated [78]s ago/.test(app.lines().at(-1) ?? ''));
  app.unmount();
});

test('p and r do nothing while watching; the help says they are off', async () => {
  const { app, controls } = await renderWatching(statusAged(1_000));
  await app.press('p');
  await app.press('r');
  assert.equal(controls.calls.togglePause, 0);
  assert.equal(controls.calls.retryFailedDownloads, 0);
  await app.press('?');
  const help = app.text();
  // The help wraps long rows under themselves: each row's first line says it is off.
  assert.match(help, /║ p +pause \/ resume the loop: off, watch is/);
  assert.match(help, /║ r +retry failed downloads: off, watch is/);
  assert.match(help, /║ x +close every position .*\n(?:.*\n)?.*off, watch is read-only/);
  assert.match(help, /quit \(the bot keeps running\)/);
  app.unmount();
});

test('the Downloads panel says the database does not record downloads', async () => {
  const { app } = await renderWatching(statusAged(1_000));
  assert.ok(app.text().includes('not recorded in the database'), app.text());
  app.unmount();
});

test('without watch the status bar and keys are as before', async () => {
  const controls = new FakeControls();
  const app = renderOnTerminal(<App controls={controls} fps={1000} width={120} height={40} />, 120, 40);
  await flush();
  assert.match(app.lines().at(-1) ?? '', /^SIM .*p pause/);
  await app.press('p');
  assert.equal(controls.calls.togglePause, 1);
  app.unmount();
});

test('trading-tui watch over a real database: draws its data, q quits at once and closes it', async () => {
  const db = await WatchDatabase.create();
  await db.writeIterations(1, 50, (i) => ({
    events: [{ kind: 'fill', message: `fill number ${i}` }],
    savedAt: Date.now(),
  }));
  const stdout = new FakeTerminalOutput(120, 40);
  const stdin = new FakeTerminalInput();
  const done = runWatch(
    { dbPath: db.path, fps: 50, pollMs: 100, help: false },
    { stdout: asWriteStream(stdout), stdin: asReadStream(stdin) },
  );
  const screen = (): string => stdout.screen.lines().join('\n');
  try {
    await waitFor(() => screen().includes('fill number 50'));
    assert.match(screen(), /AAPL/);
    assert.match(screen(), /WATCH {2}updated \d+s ago/);
    await db.writeIteration({
      iteration: 51,
      events: [{ kind: 'info', message: 'the newest event' }],
      savedAt: Date.now(),
    });
    await waitFor(() => screen().includes('the newest event'));
  } finally {
    const quitAt = Date.now();
    stdin.type('q');
    assert.equal(await done, 0);
    assert.ok(Date.now() - quitAt < 1000, 'quits without waiting for the bot');
  }
  // The watcher's connection is closed: the writer can take the database for itself.
  await db.writer.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT');
  await db.close();
});
