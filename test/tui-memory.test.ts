import assert from 'node:assert/strict';
import { test } from 'node:test';

// React picks its build when it loads, and the program runs the production one: so must this test,
// which therefore loads React, Ink and the app only after setting it.
process.env.NODE_ENV = 'production';
delete process.env.CI;

test('memory: the TUI drawing a run at --interval 0 keeps the heap flat', { timeout: 120_000 }, async () => {
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { App } = await import('../components/app.js');
  const { createSimSession } = await import('../src/cli/start.js');
  const { startOptions } = await import('./support/session.js');
  const { FakeTerminalInput, FakeTerminalOutput, asReadStream, asWriteStream } =
    await import('./support/tui-fixtures.js');
  const { heapAfterGc } = await import('./support/gc.js');

  const session = createSimSession(startOptions(['--interval', '0', '--iterations', '10000']));
  const terminal = new FakeTerminalOutput(120, 40);
  let frames = 0;
  // Count frames instead of keeping them.
  terminal.write = (): boolean => {
    frames++;
    return true;
  };
  const instance = render(React.createElement(App, { controls: session.engine, fps: 30 }), {
    stdout: asWriteStream(terminal),
    stdin: asReadStream(new FakeTerminalInput()),
    patchConsole: false,
    exitOnCtrlC: false,
    maxFps: 30,
  });
  const heap = new Map<number, number>();
  session.engine.onLoopEvent((e) => {
    if (e.type === 'iteration' && (e.i === 2000 || e.i === 10_000)) heap.set(e.i, heapAfterGc());
  });
  await session.run();
  instance.unmount();
  assert.ok(frames > 20, `the UI drew (${frames} writes)`);
  const growthMb = ((heap.get(10_000) as number) - (heap.get(2000) as number)) / 1_048_576;
  assert.ok(growthMb < 3, `heap grew ${growthMb.toFixed(2)} MB over 8000 iterations with the UI drawing`);
});
