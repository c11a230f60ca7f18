/**
 * The output stage between Ink and the terminal: Ink draws whole frames into the FrameSink, which
 * sends the terminal only the cells that changed. Checked on the monitor's own frames: the screen the
 * bytes leave (a styled terminal model) is Ink's frame, cell for cell, and a change of one value costs
 * a few dozen bytes, not its lines.
 */
import './support/not-in-ci.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink';
import { App } from '../components/app.js';
import { runTui, terminalRenderOptions } from '../src/cli/run-tui.js';
import { FrameSink } from '../src/terminal/frame-sink.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import {
  FakeControls,
  FakeTerminalInput,
  FakeTerminalOutput,
  asReadStream,
  asWriteStream,
  flush,
  makeSnapshot,
} from './support/tui-fixtures.js';
import { StyledScreen } from './support/styled-screen.js';
import { waitUntil } from './support/wait-until.js';

const BEGIN = '\x1b[?2026h';
const END = '\x1b[?2026l';

/** A FrameSink that also keeps the whole frames Ink gave it. */
class RecordingSink extends FrameSink {
  readonly frames: string[] = [];
  override _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = String(chunk);
    if (text.includes('Equity')) this.frames.push(text);
    super._write(chunk, encoding, callback);
  }
}

function startMonitor(columns: number, rows: number, snapshot: EngineSnapshot) {
  const terminal = new FakeTerminalOutput(columns, rows);
  const sink = new RecordingSink(asWriteStream(terminal));
  const controls = new FakeControls(snapshot);
  const instance = render(<App controls={controls} fps={1000} />, {
    stdout: sink,
    stdin: asReadStream(new FakeTerminalInput()),
    ...terminalRenderOptions(),
  });
  /** What the terminal shows: every byte written so far, applied to a styled screen of its size. */
  const screen = (): StyledScreen => {
    const model = new StyledScreen(terminal.columns, terminal.rows);
    for (const write of terminal.writes) model.write(write);
    return model;
  };
  const expected = (): StyledScreen => StyledScreen.painted(sink.frames.at(-1) ?? '', terminal.columns, terminal.rows);
  return { terminal, sink, controls, instance, screen, expected };
}

const price = (snapshot: EngineSnapshot, symbol: string, lastPrice: number): EngineSnapshot => ({
  ...snapshot,
  positions: snapshot.positions.map((p) =>
    p.symbol === symbol ? { ...p, lastPrice, marketValue: p.qty * lastPrice } : p,
  ),
});

for (const [columns, rows] of [
  [120, 40],
  [200, 60],
] as const) {
  test(`at ${columns}x${rows} the terminal shows Ink's frame cell for cell, and one new price costs under 64 bytes`, async (t) => {
    let snapshot = makeSnapshot();
    const monitor = startMonitor(columns, rows, snapshot);
    try {
      await waitUntil(() => monitor.sink.frames.length > 0);
      await flush();
      assert.deepEqual(monitor.screen().cells(), monitor.expected().cells(), 'the first frame');

      // The most bytes a frame with one new price took.
      let priceBytes = 0;
      for (let i = 1; i <= 12; i++) {
        const writes = monitor.terminal.writes.length;
        snapshot = price(snapshot, 'MSFT', 402.1 + i * 0.37);
        if (i % 4 === 0) snapshot = { ...snapshot, iteration: snapshot.iteration + 1, trades: snapshot.trades + 3 };
        monitor.controls.publish(snapshot);
        await waitUntil(() => monitor.terminal.writes.length > writes);
        await flush();
        assert.deepEqual(monitor.screen().cells(), monitor.expected().cells(), `after change ${i}`);
        const written = monitor.terminal.writes.slice(writes).join('');
        assert.ok(written.startsWith(BEGIN) && written.endsWith(END), 'in synchronized output');
        if (i % 4 !== 0) priceBytes = Math.max(priceBytes, Buffer.byteLength(written));
      }
      const frameBytes = Buffer.byteLength(monitor.sink.frames.at(-1) ?? '');
      t.diagnostic(`at most ${priceBytes} bytes for a frame with one new price (Ink's whole frame: ${frameBytes})`);
      // Synchronized output (16) + cursor position + style + the digits: a line rewritten from its first
      // changed column to its end (Ink 8's incremental renderer) is well over this.
      assert.ok(priceBytes <= 64, `${priceBytes} bytes for one new price`);
    } finally {
      monitor.instance.unmount();
      await monitor.instance.waitUntilExit();
    }
  });
}

test('a resize draws the new layout whole on a cleared screen; the terminal then shows it exactly', async () => {
  const monitor = startMonitor(120, 40, makeSnapshot());
  try {
    await waitUntil(() => monitor.sink.frames.length > 0);
    await flush();
    const writes = monitor.terminal.writes.length;
    monitor.terminal.resize(80, 24);
    await waitUntil(() => monitor.terminal.writes.length > writes);
    await flush();
    assert.equal(monitor.sink.columns, 80);
    assert.equal(monitor.sink.rows, 24);
    assert.ok(monitor.terminal.writes.slice(writes).join('').includes('\x1b[H\x1b[2J'), 'cleared');
    const screen = new StyledScreen(80, 24);
    for (const write of monitor.terminal.writes.slice(writes)) screen.write(write);
    assert.deepEqual(screen.cells(), monitor.expected().cells());
  } finally {
    monitor.instance.unmount();
    await monitor.instance.waitUntilExit();
  }
});

test('the sink passes terminal modes on, drops cursor bookkeeping, calls back empty writes, and writes nothing once detached', async () => {
  const terminal = new FakeTerminalOutput(20, 3);
  const sink = new FrameSink(asWriteStream(terminal));
  await new Promise<void>((resolve) => sink.write('', () => resolve()));
  sink.write('\x1b[?25h');
  sink.write('\x1b[2K\x1b[1A\x1b[G');
  assert.deepEqual(terminal.writes, ['\x1b[?25h']);
  sink.write('hello');
  sink.write('hello');
  assert.equal(terminal.writes.length, 2, 'an unchanged frame writes nothing');
  sink.repaint();
  assert.equal(terminal.writes.length, 3, 'a repaint draws the last frame again');
  assert.ok((terminal.writes[2] ?? '').includes('\x1b[H\x1b[2J') && (terminal.writes[2] ?? '').includes('hello'));
  sink.detach();
  sink.write('bye');
  terminal.resize(30, 3);
  assert.equal(terminal.writes.length, 3, 'nothing after detach');
  assert.equal(terminal.listenerCount('resize'), 0, 'no listener left on the terminal');

  const gone = new FakeTerminalOutput(20, 3);
  const goneSink = new FrameSink(asWriteStream(gone));
  gone.on('error', () => {});
  gone.hangUp();
  goneSink.write('frame');
  assert.deepEqual(gone.writesAfterHangUp, [], 'nothing written to a terminal that is gone');
});

test('the monitor draws its screen again, whole, after something else may have written on it (SIGCONT)', async () => {
  const terminal = new FakeTerminalOutput(100, 30);
  const input = new FakeTerminalInput();
  const done = runTui(new FakeControls(), { fps: 100, stdout: asWriteStream(terminal), stdin: asReadStream(input) });
  try {
    await waitUntil(() => terminal.all.includes('Equity'));
    await flush();
    const writes = terminal.writes.length;
    process.emit('SIGCONT', 'SIGCONT');
    await waitUntil(() => terminal.writes.length > writes);
    const again = terminal.writes.slice(writes).join('');
    assert.ok(again.includes('\x1b[H\x1b[2J') && again.includes('Equity'), 'cleared and drawn whole');
  } finally {
    input.type('q');
    await done;
  }
});

test('Ctrl-L draws the whole screen again on a cleared terminal, as a user asks after output of something else garbled it', async () => {
  const terminal = new FakeTerminalOutput(100, 30);
  const input = new FakeTerminalInput();
  const done = runTui(new FakeControls(), { fps: 100, stdout: asWriteStream(terminal), stdin: asReadStream(input) });
  try {
    await waitUntil(() => terminal.all.includes('Equity'));
    await flush();
    const writes = terminal.writes.length;
    input.type('\x0c');
    await waitUntil(() => terminal.writes.length > writes);
    const again = terminal.writes.slice(writes).join('');
    assert.ok(again.includes('\x1b[H\x1b[2J') && again.includes('Equity') && again.includes('Positions'), again);
  } finally {
    input.type('q');
    await done;
  }
});
