import './support/not-in-ci.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Text, render } from 'ink';
import { runTui } from '../src/cli/run-tui.js';
import {
  FakeControls,
  FakeTerminalInput,
  FakeTerminalOutput,
  asReadStream,
  asWriteStream,
  makeSnapshot,
} from './support/tui-fixtures.js';
import { waitUntil as waitFor } from './support/wait-until.js';

const ENTER = '\x1b[?1049h';
const LEAVE = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

type ProcessEvent = 'SIGTERM' | 'SIGHUP' | 'SIGINT' | 'uncaughtException' | 'exit';
const WATCHED: readonly ProcessEvent[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'uncaughtException', 'exit'];

function listenerCounts(): Record<ProcessEvent, number> {
  return Object.fromEntries(WATCHED.map((e) => [e, process.listenerCount(e)])) as Record<ProcessEvent, number>;
}

/** The listener runTui added for `event`; called directly so the test runner's own handlers stay out of it. */
function addedListener(event: ProcessEvent, before: readonly unknown[]): (...args: unknown[]) => void {
  const added = process.listeners(event as 'SIGTERM').filter((l) => !before.includes(l));
  assert.equal(added.length, 1, `one ${event} listener added`);
  return added[0] as (...args: unknown[]) => void;
}

// Ink's first real (non-debug) render hides the cursor through cli-cursor, whose restore-cursor
// registers signal-exit listeners for the life of the process. Do that once before counting, so the
// counts below measure runTui's own handlers.
before(async () => {
  const instance = render(<Text>warm-up</Text>, {
    stdout: asWriteStream(new FakeTerminalOutput(40, 10)),
    stdin: asReadStream(new FakeTerminalInput()),
    patchConsole: false,
  });
  instance.unmount();
  await instance.waitUntilExit();
});

function start(controls: FakeControls) {
  const stdout = new FakeTerminalOutput(100, 30);
  const stdin = new FakeTerminalInput();
  const before = {
    SIGTERM: process.listeners('SIGTERM'),
    SIGHUP: process.listeners('SIGHUP'),
    uncaughtException: process.listeners('uncaughtException'),
  };
  const done = runTui(controls, { fps: 100, stdout: asWriteStream(stdout), stdin: asReadStream(stdin) });
  return { stdout, stdin, done, before };
}

function assertRestored(stdout: FakeTerminalOutput, stdin: FakeTerminalInput): void {
  const all = stdout.all;
  assert.ok(all.startsWith(ENTER), 'entered the alternate screen first');
  const leave = all.lastIndexOf(LEAVE);
  assert.ok(leave > 0, 'left the alternate screen');
  assert.ok(all.lastIndexOf(SHOW_CURSOR) > all.lastIndexOf('\x1b[?25l'), 'cursor shown again');
  assert.equal(all.indexOf(LEAVE), leave, 'left once');
  assert.equal(stdin.rawMode, false, 'raw mode off');
}

test('q stops the engine, waits for it, restores the terminal and removes its handlers', async () => {
  const counts = listenerCounts();
  const controls = new FakeControls();
  const { stdout, stdin, done } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  assert.equal(stdin.rawMode, true);
  stdin.type('q');
  assert.equal(await done, 'quit');
  assert.equal(controls.calls.stop, 1);
  assertRestored(stdout, stdin);
  assert.deepEqual(listenerCounts(), counts);
});

test('the UI waits for the engine to report stopped before it resolves', async () => {
  const controls = new FakeControls();
  // An engine that takes its time: 'stopping' at once, 'stopped' later.
  let finishStop = (): void => {};
  controls.stop = () => {
    controls.calls.stop++;
    controls.publish(makeSnapshot({ phase: 'stopping' }));
    finishStop = () => controls.publish(makeSnapshot({ phase: 'stopped' }));
  };
  const { stdout, stdin, done } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  let resolved = false;
  void done.then(() => (resolved = true));
  stdin.type('q');
  await waitFor(() => controls.calls.stop === 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(resolved, false, 'still waiting for the engine');
  assert.ok(!stdout.all.includes(LEAVE));
  finishStop();
  await done;
  assertRestored(stdout, stdin);
});

test('SIGTERM quits the same way', async () => {
  const counts = listenerCounts();
  const controls = new FakeControls();
  const { stdout, stdin, done, before } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  addedListener('SIGTERM', before.SIGTERM)();
  await done;
  assert.equal(controls.calls.stop, 1);
  assertRestored(stdout, stdin);
  assert.deepEqual(listenerCounts(), counts);
});

test('an uncaught exception restores the terminal and rejects with the error', async () => {
  const counts = listenerCounts();
  const controls = new FakeControls();
  const { stdout, stdin, done, before } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  const boom = new Error('boom');
  addedListener('uncaughtException', before.uncaughtException)(boom);
  await assert.rejects(done, boom);
  assert.equal(controls.calls.stop, 1);
  assertRestored(stdout, stdin);
  assert.deepEqual(listenerCounts(), counts);
});

/** Lets late write errors of a dead terminal surface (they come a tick later, as from a socket). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

test('SIGHUP is a hang-up: it stops the engine, restores a terminal that is still there, and ends as hang-up', async () => {
  const counts = listenerCounts();
  const controls = new FakeControls();
  const { stdout, stdin, done, before } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  addedListener('SIGHUP', before.SIGHUP)();
  assert.equal(await done, 'hang-up');
  assert.equal(controls.calls.stop, 1);
  assertRestored(stdout, stdin);
  assert.deepEqual(listenerCounts(), counts);
});

test('a terminal that fails under a write (EIO) is a hang-up: the engine stops, nothing more is written, no unhandled error', async () => {
  const counts = listenerCounts();
  const controls = new FakeControls();
  const { stdout, done } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  stdout.hangUp();
  assert.equal(await done, 'hang-up');
  await settle();
  assert.equal(controls.calls.stop, 1);
  assert.deepEqual(stdout.writesAfterHangUp, [], 'nothing written to the dead terminal');
  assert.ok(!stdout.all.includes(LEAVE), 'no restore sequence for a terminal that is gone');
  assert.deepEqual(listenerCounts(), counts);
});

test('end of input (the TTY vanished) is a hang-up too, and the failing raw-mode reset is no unhandled error', async () => {
  const counts = listenerCounts();
  const controls = new FakeControls();
  const { stdout, stdin, done } = start(controls);
  await waitFor(() => stdout.all.includes('Equity'));
  stdin.hangUp();
  assert.equal(await done, 'hang-up');
  await settle();
  assert.equal(controls.calls.stop, 1);
  assert.deepEqual(listenerCounts(), counts);
});
