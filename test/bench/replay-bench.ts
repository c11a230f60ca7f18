import { DEFAULT_DETECTOR_CONFIG, REGIME_NAMES } from '../../src/core/regime.js';
import { FEATURE_COUNT } from '../../src/core/hmm/features.js';
import { PosteriorTape, tapeKey } from '../../src/core/hmm/posterior-tape.js';
import { DEFAULT_UNIVERSE } from '../../src/market/universe.js';
import { backtest, type BacktestResult } from '../../src/learn/backtest.js';
import { unionOfTimes } from '../../src/learn/replay-market.js';
import { simulatedBars } from '../support/simulated-bars.js';

export interface ReplayBenchResult {
  readonly symbols: number;
  readonly steps: number;
  readonly barUpdates: number;
  /** Median over the runs, wall clock. */
  readonly seconds: number;
  readonly barUpdatesPerSecond: number;
  /** Median over the runs, CPU time of this process (what a shared machine's load does not inflate). */
  readonly cpuSeconds: number;
  readonly barUpdatesPerCpuSecond: number;
  /** What the backtest found (the quality beside the cost: the same every run). */
  readonly result: BacktestResult;
  /**
   * The same backtest replaying the detector's recorded model side (as learn tune runs the other settings
   * of a window): the Trader's own cost, without the refits. Median CPU seconds, and per CPU second.
   */
  readonly replayedCpuSeconds: number;
  readonly replayedBarUpdatesPerCpuSecond: number;
}

/**
 * Backtest throughput: the Trader driven over bars in memory (what `learn tune` runs per setting), in
 * bar-updates per second (symbols × bars / s), on one core; the median of `runs`.
 */
export async function benchReplay(symbolCount: number, periodDays: number, runs = 5): Promise<ReplayBenchResult> {
  const symbols = DEFAULT_UNIVERSE.slice(0, symbolCount);
  const bars = await simulatedBars({ seed: 1, symbols, timeframe: '1Min', periodDays });
  const barUpdates = bars.series.reduce((n, s) => n + s.time.length, 0);

  // As learn tune runs each setting: the steps are worked out once for all of them.
  const stepTimes = unionOfTimes(bars.series);
  let result = backtest(bars, DEFAULT_DETECTOR_CONFIG, stepTimes); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const startedCpu = process.cpuUsage();
    result = backtest(bars, DEFAULT_DETECTOR_CONFIG, stepTimes);
    const used = process.cpuUsage(startedCpu);
    wall.push((performance.now() - started) / 1000);
    cpu.push((used.user + used.system) / 1e6);
  }
  const seconds = median(wall);
  const cpuSeconds = median(cpu);

  const tape = new PosteriorTape(
    tapeKey(DEFAULT_DETECTOR_CONFIG),
    REGIME_NAMES.length,
    FEATURE_COUNT,
    stepTimes.length,
  );
  backtest(bars, DEFAULT_DETECTOR_CONFIG, stepTimes, tape); // records
  const replayedCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const startedCpu = process.cpuUsage();
    const replayed = backtest(bars, DEFAULT_DETECTOR_CONFIG, stepTimes, tape);
    const used = process.cpuUsage(startedCpu);
    replayedCpu.push((used.user + used.system) / 1e6);
    if (replayed.score !== result.score) throw new Error('a backtest replaying the tape found another result');
  }
  const replayedCpuSeconds = median(replayedCpu);
  return {
    symbols: symbols.length,
    steps: stepTimes.length,
    barUpdates,
    seconds,
    barUpdatesPerSecond: barUpdates / seconds,
    cpuSeconds,
    barUpdatesPerCpuSecond: barUpdates / cpuSeconds,
    result,
    replayedCpuSeconds,
    replayedBarUpdatesPerCpuSecond: barUpdates / replayedCpuSeconds,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
