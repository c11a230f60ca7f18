/**
 * The App's cost per frame over a real run: a 60-symbol simulated run (seed 1, `--interval 0`) hands
 * over a snapshot per iteration; they are replayed through the App, with Ink loaded as the bin loads it
 * (src/cli/load-ui.ts) and drawing through the output stage (src/terminal/frame-sink.ts), on a terminal
 * that only keeps the bytes. Prints the CPU and the bytes allocated
 * per frame (medians over the last three quarters) and a hash of every byte written: a change that
 * should draw the same frames must keep the hash. The parts of a snapshot that depend on timing (memory,
 * download times) are made functions of the iteration, so two versions replay the same snapshots.
 *
 *   NODE_ENV=production node --import tsx --expose-gc --max-semi-space-size=64 test/bench/frame-replay-bench.tsx [120x40] [400]
 *
 * (A young generation of 64 MB: most frames see no collection, so the heap's growth is what they allocate.)
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { EngineSnapshot } from '../../src/engine/snapshot.js';

/** A terminal that only keeps what is written (no screen emulation: its cost is not the app's). */
class BytesTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly writes: string[] = [];
  writable = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (chunk: string, encodingOrDone?: unknown, done?: unknown): boolean => {
    this.writes.push(chunk);
    const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done;
    if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
    return true;
  };
}

/** Timing-dependent parts made a function of the iteration. */
function steady(s: EngineSnapshot): EngineSnapshot {
  const d = s.downloads;
  const round =
    d.round === null
      ? null
      : { ...d.round, elapsedMs: 100 + (s.iteration % 7), barsPerSecond: 600 + (s.iteration % 5), concurrency: 8 };
  return {
    ...s,
    memory: { rss: (100 + (s.iteration % 3)) * 1024 * 1024, heapUsed: 20 * 1024 * 1024 },
    downloads: { ...d, round, rows: d.rows.map((r, i) => ({ ...r, ms: 10 + ((i + s.iteration) % 9) })) },
  };
}

export interface FrameReplay {
  readonly frames: number;
  readonly inkRenders: number;
  readonly cpuMsPerFrame: number;
  readonly allocatedKbPerFrame: number;
  readonly hash: string;
}

export async function benchFrameReplay(columns: number, rows: number, iterations: number): Promise<FrameReplay> {
  // Ink first, as the bin loads it, before anything else imports it.
  await (await import('../../src/cli/load-ui.js')).loadUi();
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { App } = await import('../../components/app.js');
  const { terminalRenderOptions } = await import('../../src/cli/run-tui.js');
  const { FrameSink } = await import('../../src/terminal/frame-sink.js');
  const { createSession } = await import('../../src/cli/start.js');
  const { startOptions } = await import('../support/session.js');
  const { FakeControls, FakeTerminalInput, asReadStream } = await import('../support/tui-fixtures.js');

  const folder = mkdtempSync(join(tmpdir(), 'trading-tui-frames-'));
  const snapshots: EngineSnapshot[] = [];
  try {
    const session = await createSession(
      startOptions([
        '--db',
        join(folder, 'run.db'),
        '--interval',
        '0',
        '--iterations',
        String(iterations),
        '--seed',
        '1',
      ]),
      { backoffBaseMs: 1 },
    );
    session.engine.onLoopEvent((event) => {
      if (event.type === 'iteration') snapshots.push(steady(session.engine.getSnapshot()));
    });
    await session.run();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }

  let inkRenders = 0;
  const controls = new FakeControls(snapshots[0] as EngineSnapshot);
  const terminal = new BytesTerminal(columns, rows);
  const instance = render(React.createElement(App, { controls, fps: 1000 }), {
    // As the monitor draws: whole frames from Ink, the changed cells to the terminal.
    stdout: new FrameSink(terminal as unknown as NodeJS.WriteStream),
    stdin: asReadStream(new FakeTerminalInput()),
    ...terminalRenderOptions(),
    onRender: () => inkRenders++,
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 3));
  };
  await settle();
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  const gc = (globalThis as { gc?: () => void }).gc;
  const cpu: number[] = [];
  const allocated: number[] = [];
  const warm = Math.floor(snapshots.length / 4);
  for (let i = 1; i < snapshots.length; i++) {
    const collectionsBefore = collections;
    const heapBefore = getHeapStatistics().used_heap_size;
    const started = process.cpuUsage();
    controls.publish(snapshots[i] as EngineSnapshot);
    await settle();
    const used = process.cpuUsage(started);
    const heapAfter = getHeapStatistics().used_heap_size;
    if (i >= warm) {
      cpu.push((used.user + used.system) / 1000);
      if (collections === collectionsBefore) allocated.push(heapAfter - heapBefore);
    }
    if (i % 50 === 0) gc?.();
  }
  observer.disconnect();
  instance.unmount();
  const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return {
    frames: snapshots.length,
    inkRenders,
    cpuMsPerFrame: median(cpu),
    allocatedKbPerFrame: median(allocated) / 1024,
    hash: createHash('sha256').update(terminal.writes.join('')).digest('hex').slice(0, 16),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [size = '120x40', iterations = '400'] = process.argv.slice(2);
  const [columns, rows] = size.split('x').map(Number) as [number, number];
  if (process.env.NODE_ENV !== 'production')
    console.log('(NODE_ENV is not production: React runs its development build)');
  const r = await benchFrameReplay(columns, rows, Number(iterations));
  console.log(
    `${size}, ${r.frames} snapshots of a 60-symbol run replayed through the App (${r.inkRenders} Ink renders): ` +
      `${r.cpuMsPerFrame.toFixed(2)} ms of CPU and ${r.allocatedKbPerFrame.toFixed(0)} KB allocated per frame (medians); frames hash ${r.hash}`,
  );
  process.exit(0);
}
