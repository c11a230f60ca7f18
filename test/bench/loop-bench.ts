import { createSimSession } from '../../src/cli/start.js';
import { startOptions } from '../support/session.js';

const universe = (count: number): string =>
  Array.from({ length: count }, (_, i) => `S${String(i).padStart(3, '0')}`).join(',');

export interface ThroughputResult {
  readonly symbols: number;
  readonly iterations: number;
  readonly seconds: number;
  readonly barUpdatesPerSecond: number;
  readonly iterationsPerSecond: number;
}

/** The whole pipeline (refresh round, signals, regime, strategy, risk, fills, accounting) per second. */
export async function benchThroughput(symbols: number, iterations: number): Promise<ThroughputResult> {
  const session = createSimSession(
    startOptions([
      '--symbols',
      universe(symbols),
      '--iterations',
      String(iterations),
      '--interval',
      '0',
      '--period',
      '10d',
    ]),
  );
  const started = performance.now();
  await session.run();
  const seconds = (performance.now() - started) / 1000;
  return {
    symbols,
    iterations,
    seconds,
    barUpdatesPerSecond: (symbols * iterations) / seconds,
    iterationsPerSecond: iterations / seconds,
  };
}

export interface SoakSample {
  readonly percent: number;
  readonly iteration: number;
  readonly heapMb: number;
  readonly rssMb: number;
}

/** Heap (after GC) and RSS at 10 %, 50 % and 100 % of a long run. */
export async function benchSoak(
  iterations: number,
  symbols: number,
  collectGarbage: () => void,
): Promise<{ samples: SoakSample[]; seconds: number }> {
  const session = createSimSession(
    startOptions(['--symbols', universe(symbols), '--iterations', String(iterations), '--interval', '0']),
  );
  const checkpoints = new Map([10, 50, 100].map((percent) => [Math.round((iterations * percent) / 100), percent]));
  const samples: SoakSample[] = [];
  session.engine.onLoopEvent((event) => {
    if (event.type !== 'iteration') return;
    const percent = checkpoints.get(event.i);
    if (percent === undefined) return;
    collectGarbage();
    const usage = process.memoryUsage();
    samples.push({ percent, iteration: event.i, heapMb: usage.heapUsed / 1_048_576, rssMb: usage.rss / 1_048_576 });
  });
  const started = performance.now();
  await session.run();
  return { samples, seconds: (performance.now() - started) / 1000 };
}
