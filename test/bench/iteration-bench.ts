/**
 * What one iteration of the monitor's loop costs outside the UI (issue 10's CPU target): the simulated
 * market's 60 symbols, the download round, the Trader, the snapshot the UI reads and the SQLite writes,
 * on a fresh database, as `trading-tui` runs them. CPU per iteration, not wall-clock time: the main
 * thread's (process.threadCpuUsage) and the whole process's (SQLite's threads and V8's GC threads too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '../../src/cli/start.js';
import { startOptions } from '../support/session.js';

export interface IterationCost {
  readonly iterations: number;
  /** Main-thread CPU per iteration, ms. */
  readonly mainMs: number;
  /** The whole process's CPU per iteration, ms. */
  readonly processMs: number;
}

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

/**
 * Runs `warmup + iterations` iterations with the default 60 symbols; measures the last `iterations`.
 * `latencyMs` > 0: each simulated request waits as at `--interval 1s` (timers, aborts), with the default
 * failure rate; 0: instant requests, the loop's compute alone. The snapshot is read once an iteration,
 * as the UI reads it.
 */
export async function benchIteration(
  latencyMs: number,
  iterations: number,
  warmup = 200,
  onMeasureStart: () => void = () => {},
): Promise<IterationCost> {
  const folder = mkdtempSync(join(tmpdir(), 'tt-iteration-bench-'));
  try {
    const faults = latencyMs > 0 ? ['--sim-latency', `${latencyMs}ms`, '--sim-failure-rate', '0.01'] : [];
    const options = startOptions([
      '--interval',
      '0',
      '--iterations',
      String(warmup + iterations),
      '--sim-hang-rate',
      '0',
      ...faults,
      '--db',
      join(folder, 'bench.db'),
    ]);
    const session = await createSession(options);
    let main: NodeJS.CpuUsage | null = null;
    let whole: NodeJS.CpuUsage | null = null;
    session.engine.onLoopEvent((event) => {
      if (event.type !== 'iteration') return;
      session.engine.getSnapshot();
      if (event.i === warmup) {
        onMeasureStart();
        main = process.threadCpuUsage();
        whole = process.cpuUsage();
      }
    });
    await session.run();
    if (main === null || whole === null) throw new Error('the run ended before the warm-up did');
    return {
      iterations,
      mainMs: cpuMs(process.threadCpuUsage(main)) / iterations,
      processMs: cpuMs(process.cpuUsage(whole)) / iterations,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// Run alone: `node --import tsx --expose-gc test/bench/iteration-bench.ts [iterations] [latencyMs]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const iterations = Number(process.argv[2] ?? 2000);
  const latency = Number(process.argv[3] ?? 0);
  const r = await benchIteration(latency, iterations);
  console.log(
    `latency ${latency} ms, ${r.iterations} iterations: main thread ${r.mainMs.toFixed(3)} ms/iteration, process ${r.processMs.toFixed(3)} ms/iteration`,
  );
}
