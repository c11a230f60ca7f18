import assert from 'node:assert/strict';
import { test } from 'node:test';
import { theilSenSlope } from './support/heap-slope.js';

// React picks its build when it loads, and the program runs the production one: so must this test,
// which therefore loads React, Ink and the app only after setting it.
process.env.NODE_ENV = 'production';
delete process.env.CI;

/**
 * The heap after a forced GC is sampled every SAMPLE_EVERY iterations once the equity ring and the
 * event list are full; the bound is on the slope through all samples (Theil–Sen: the median of the
 * slopes between every pair, so a few samples thrown off by a loaded machine do not move it).
 *
 * A flat heap is not a constant one: Ink keeps text measurements in an LRU cache of two generations
 * of 4096 entries, so the heap saws up and down by about half a megabyte as new numbers are drawn,
 * which over 8000 iterations can read as up to ~130 B per iteration (measured on a loaded machine).
 * The bound sits well above that and well below a leak of a few KB per iteration (the second test).
 */
const WARM_UP_ITERATIONS = 2000;
const SAMPLE_EVERY = 200;
const MAX_BYTES_PER_ITERATION = 512;

interface HeapSlope {
  readonly bytesPerIteration: number;
  readonly samples: number;
  readonly frames: number;
}

/** Runs the simulated bot at --interval 0 with the UI drawing, and measures the heap's growth per iteration. */
async function measureHeapSlope(iterations: number, leakBytesPerIteration = 0): Promise<HeapSlope> {
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { App } = await import('../components/app.js');
  const { terminalRenderOptions } = await import('../src/cli/run-tui.js');
  const { FrameSink } = await import('../src/terminal/frame-sink.js');
  const { createSimSession } = await import('../src/cli/start.js');
  const { startOptions } = await import('./support/session.js');
  const { FakeTerminalInput, FakeTerminalOutput, asReadStream, asWriteStream } =
    await import('./support/tui-fixtures.js');
  const { heapAfterGc } = await import('./support/gc.js');

  const session = createSimSession(startOptions(['--interval', '0', '--iterations', String(iterations)]));
  const terminal = new FakeTerminalOutput(120, 40);
  let frames = 0;
  // Count frames instead of keeping them.
  terminal.write = (_chunk: string, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    frames++;
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  const instance = render(React.createElement(App, { controls: session.engine, fps: 30 }), {
    stdout: new FrameSink(asWriteStream(terminal)),
    stdin: asReadStream(new FakeTerminalInput()),
    ...terminalRenderOptions(),
  });
  const leaked: number[][] = [];
  const samples: [number, number][] = [];
  session.engine.onLoopEvent((e) => {
    if (e.type !== 'iteration') return;
    // Doubles in an array, 8 bytes each, on the V8 heap (a typed array's bytes would live outside it,
    // and a padded string would share its filler with the others).
    if (leakBytesPerIteration > 0) {
      const payload: number[] = [];
      for (let k = 0; k < leakBytesPerIteration / 8; k++) payload.push(e.i + k / 8);
      leaked.push(payload);
    }
    if (e.i >= WARM_UP_ITERATIONS && e.i % SAMPLE_EVERY === 0) samples.push([e.i, heapAfterGc()]);
  });
  await session.run();
  instance.unmount();
  await instance.waitUntilExit();
  assert.ok(leaked.length === 0 || leaked.length >= iterations, 'the injected leak is still held');
  return { bytesPerIteration: theilSenSlope(samples), samples: samples.length, frames };
}

test(
  'memory: the TUI drawing a run at --interval 0 keeps the heap flat (slope of 40 forced-GC samples)',
  { timeout: 180_000 },
  async (t) => {
    const { bytesPerIteration, samples, frames } = await measureHeapSlope(WARM_UP_ITERATIONS + 40 * SAMPLE_EVERY);
    t.diagnostic(`heap slope ${bytesPerIteration.toFixed(1)} B per iteration over ${samples} samples`);
    assert.ok(frames > 20, `the UI drew (${frames} writes)`);
    assert.ok(samples >= 40, `${samples} samples`);
    assert.ok(
      bytesPerIteration < MAX_BYTES_PER_ITERATION,
      `heap grows ${bytesPerIteration.toFixed(0)} B per iteration with the UI drawing (bound ${MAX_BYTES_PER_ITERATION})`,
    );
  },
);

test('memory: the same measurement fails on a leak of 2 KB per iteration', { timeout: 180_000 }, async (t) => {
  const { bytesPerIteration } = await measureHeapSlope(WARM_UP_ITERATIONS + 20 * SAMPLE_EVERY, 2048);
  t.diagnostic(`with the leak: ${bytesPerIteration.toFixed(1)} B per iteration`);
  assert.ok(
    bytesPerIteration >= MAX_BYTES_PER_ITERATION,
    `a 2 KB/iteration leak measured ${bytesPerIteration.toFixed(0)} B per iteration, under the bound`,
  );
});
