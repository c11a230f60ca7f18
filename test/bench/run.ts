/**
 * `npm run bench`: prints the figures the README quotes. Timings vary with the machine and its load;
 * nothing here passes or fails.
 */
import os from 'node:os';
import { benchDownloader } from './downloader-bench.js';
import { benchIteration, type IterationCost } from './iteration-bench.js';
import { benchSoak, benchThroughput } from './loop-bench.js';
import { BACKFILL_BARS } from '../support/regime-accuracy.js';
import { benchDetector, benchRefit, benchRegimes } from './regime-bench.js';
import { benchReplay } from './replay-bench.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('bench: run with node --expose-gc (npm run bench does)\n');
  process.exit(2);
}

// React and Ink as users run them (main sets the same before loading the UI).
process.env.NODE_ENV ??= 'production';
const soakIterations = Number(process.env.BENCH_SOAK_ITERATIONS ?? 200_000);
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.arch()}`,
);

console.log('\nloop throughput (full pipeline, --interval 0, no output)');
for (const [symbols, iterations] of [
  [50, 20_000],
  [500, 2_000],
] as const) {
  const r = await benchThroughput(symbols, iterations);
  console.log(
    `  ${String(symbols).padStart(3)} symbols: ${fmt(r.barUpdatesPerSecond)} bar-updates/s (${fmt(r.iterationsPerSecond)} iterations/s, ${fmt(r.iterations)} iterations in ${fmt(r.seconds, 1)} s)`,
  );
}

// The soak first: its heap and RSS are the loop's, not what later sections leave behind.
console.log(`\nsoak: ${fmt(soakIterations)} iterations over 50 symbols (heap after GC)`);
const soak = await benchSoak(soakIterations, 50, gc);
for (const s of soak.samples) {
  console.log(
    `  ${String(s.percent).padStart(3)}% (iteration ${fmt(s.iteration)}): heap ${fmt(s.heapMb, 1)} MB, rss ${fmt(s.rssMb, 1)} MB`,
  );
}
console.log(`  ${fmt(soak.seconds, 1)} s in all`);

const replay = await benchReplay(60, 30);
const yearOfMinutes = 60 * 252 * 390;
console.log(
  `\nbacktest replay (the Trader over bars in memory, as learn tune runs each setting): ${replay.symbols} symbols × ${fmt(replay.steps)} 1Min bars`,
);
console.log(
  `  ${fmt(replay.barUpdatesPerCpuSecond)} bar-updates per CPU second (${fmt(replay.cpuSeconds, 3)} s of CPU), ${fmt(replay.barUpdatesPerSecond)} per wall-clock second (${fmt(replay.seconds, 3)} s); medians of 5`,
);
console.log(
  `  a year of 1Min bars for 60 symbols (${fmt(yearOfMinutes)} bar-updates): ${fmt(yearOfMinutes / replay.barUpdatesPerCpuSecond, 1)} s of CPU per setting; found: return ${fmt(replay.result.return * 100, 2)}%, max drawdown ${fmt(replay.result.maxDrawdown * 100, 2)}%, ${fmt(replay.result.trades)} trades`,
);
console.log(
  `  replaying the detector's recorded fits (learn tune's other settings of a window): ${fmt(replay.replayedBarUpdatesPerCpuSecond)} bar-updates per CPU second (${fmt(replay.replayedCpuSeconds, 3)} s of CPU)`,
);

console.log(
  '\none iteration outside the UI (60 symbols, a fresh database, the snapshot read once; CPU ms per iteration, medians of 3)',
);
for (const [latency, iterations] of [
  [0, 2000],
  [40, 200],
] as const) {
  const runs: IterationCost[] = [];
  for (let r = 0; r < 3; r++) runs.push(await benchIteration(latency, iterations, latency === 0 ? 200 : 100));
  const median = (pick: (c: IterationCost) => number): number => runs.map(pick).sort((a, b) => a - b)[1] as number;
  console.log(
    `  ${latency === 0 ? 'instant requests' : `requests of ${latency / 2}-${latency} ms (as at --interval 1s)`}: main thread ${fmt(
      median((c) => c.mainMs),
      2,
    )} ms, whole process ${fmt(
      median((c) => c.processMs),
      2,
    )} ms (${fmt(iterations)} iterations after ${latency === 0 ? 200 : 100})`,
  );
}

const d = await benchDownloader();
console.log(
  `\ndownloader overhead, ${d.symbols} symbols of instant fetches: ${fmt(d.overheadMsPerRound, 2)} ms per round, ${fmt(d.overheadUsPerRequest, 2)} µs per request`,
);

const regimeBars = Number(process.env.BENCH_REGIME_BARS ?? 25_000);
console.log(
  `\nregime detection against the simulated market's true regimes: ${fmt(regimeBars)} bars after a ${fmt(BACKFILL_BARS)}-bar backfill, seeds 1-3`,
);
console.log(
  '  detector | symbols | seed | accuracy | precision up/down/range/volatile | recall up/down/range/volatile | changes called/true | mean delay | µs/bar',
);
const pct = (x: number): string => (Number.isNaN(x) ? '–' : fmt(x * 100, 0));
for (const symbols of [60, 20])
  for (const seed of [1, 2, 3])
    for (const row of await benchRegimes(seed, symbols, regimeBars)) {
      const s = row.score;
      console.log(
        `  ${row.detector} | ${symbols} | ${seed} | ${fmt(s.accuracy * 100, 1)}% | ${s.precision.map(pct).join('/')} | ${s.recall.map(pct).join('/')} | ${fmt(s.changesCalled)}/${fmt(s.trueChanges)} (${fmt(s.changesCalled / s.trueChanges, 2)}×) | ${fmt(s.meanDelay, 1)} | ${Number.isNaN(row.microsPerBar) ? '–' : fmt(row.microsPerBar, 2)}`,
      );
    }
console.log('  HMM detector on seeds 4-9, per seed: accuracy / changes called per true change / mean delay');
for (const symbols of [60, 20]) {
  const cells: string[] = [];
  for (const seed of [4, 5, 6, 7, 8, 9]) {
    const s = await benchDetector(seed, symbols, regimeBars);
    cells.push(
      `${seed}: ${fmt(s.accuracy * 100, 1)}% / ${fmt(s.changesCalled / s.trueChanges, 2)}× / ${fmt(s.meanDelay, 1)}`,
    );
  }
  console.log(`  ${symbols} symbols: ${cells.join(' | ')}`);
}
for (const seed of [1, 2, 3]) {
  const refit = await benchRefit(seed, 60, 5000);
  console.log(`  refit of 5,000 bars (3 starts), seed ${seed}: ${fmt(refit.ms, 0)} ms`);
}

const { benchStore } = await import('./store-bench.js');
const stored = await benchStore(Number(process.env.BENCH_STORE_ITERATIONS ?? 10_000), 50);
console.log(
  `\nSQLite record: ${fmt(stored.iterations)} iterations over ${stored.symbols} symbols at --interval 0, written as they run`,
);
console.log(
  `  ${fmt(stored.rowsPerSecond)} rows/s (${fmt(stored.rows)} rows, ${fmt(stored.cachedBars)} of them cached bars, in ${fmt(stored.seconds, 1)} s; ${fmt(stored.iterationsPerSecond)} iterations/s)`,
);
console.log(
  `  database growth: ${fmt(stored.bytesPer10kIterations / 1_048_576, 1)} MB per 10,000 iterations, bar cache included (the default 60m TTL bounds the cache)`,
);
const recordOnly = await benchStore(Math.max(1000, Math.round(stored.iterations / 2)), 50, ['--cache-ttl', '0']);
console.log(
  `  the record alone (--cache-ttl 0, expired bars deleted as it runs): ${fmt(recordOnly.bytesPer10kIterations / 1_048_576, 1)} MB per 10,000 iterations`,
);

const { benchBackfill } = await import('./backfill-bench.js');
const backfillSymbols = Number(process.env.BENCH_BACKFILL_SYMBOLS ?? 500);
const backfill = await benchBackfill(backfillSymbols, 50);
console.log(
  `\nbackfill of ${backfill.symbols} symbols × 60 days of 15Min bars from the fake Alpaca (50 ms per bars request, ${backfill.requests} requests; ${backfill.restartRequests} on the restart), the built bin run through its #! line, with its database`,
);
for (const [name, r] of [
  ['fresh', backfill.fresh],
  ['restart (bars from the cache)', backfill.restart],
] as const) {
  console.log(
    `  ${name}: ${fmt(r.bars)} bars downloaded in ${fmt(r.downloadMs / 1000, 1)} s, first iteration ${fmt(r.firstIterationMs / 1000, 1)} s after the start (${fmt(r.firstIterationMs / r.downloadMs, 2)} × the download), peak RSS ${fmt(r.peakRssMb)} MB`,
  );
}

const { benchFrames } = await import('./tui-bench.js');
const frames = await benchFrames();
console.log(
  `\nterminal UI at ${frames.columns}x${frames.rows} with a full ${frames.points}-point chart (Ink on a fake terminal, through the output stage)`,
);
console.log(
  `  one frame: ${fmt(frames.medianMs, 2)} ms median, ${fmt(frames.meanMs, 2)} ms mean over ${frames.frames} frames (snapshot to bytes written)`,
);
console.log(
  `  bytes written per frame: ${fmt(frames.bytesOneValueChanged)} when one value changes, ${fmt(frames.bytesNewEquityPoint)} with a new equity point on the full chart`,
);

const terminal = await import('./terminal-bench.js');
const seconds = Number(process.env.BENCH_TERMINAL_SECONDS ?? 30);
console.log(
  `\nthe monitor in tmux at --interval 1s beside a bare Ink 8 app (one row changing each second), medians per second`,
);
for (const [columns, rows] of [
  [120, 40],
  [200, 60],
] as const) {
  const steady = await terminal.benchSteadyState(columns, rows, seconds);
  if (steady === null) {
    console.log('  skipped (tmux is not installed)');
    break;
  }
  const { monitor, bare } = steady;
  console.log(
    `  ${columns}x${rows}: ${fmt(monitor.bytesPerSecond)} B/s written (mean ${fmt(monitor.meanBytesPerSecond)}, ${fmt(monitor.framesPerSecond, 1)} frames/s of ${fmt(monitor.bytesPerFrame)} B; bare Ink ${fmt(bare.bytesPerSecond)}), CPU ${fmt(monitor.cpuPercent, 1)}% of a core (bare ${fmt(bare.cpuPercent, 1)}%), rss ${fmt(monitor.rssMb)} MB (bare ${fmt(bare.rssMb)} MB)`,
  );
}
for (const [columns, rows] of [
  [120, 40],
  [200, 60],
] as const) {
  const full = await terminal.benchFullChart(columns, rows, seconds);
  if (full === null) break;
  const { monitor, bare } = full;
  console.log(
    `  ${columns}x${rows}, the chart full (1440 points, a restart of a 1500-iteration run): ${fmt(monitor.bytesPerSecond)} B/s (mean ${fmt(monitor.meanBytesPerSecond)}, ${fmt(monitor.framesPerSecond, 1)} frames/s of ${fmt(monitor.bytesPerFrame)} B), CPU ${fmt(monitor.cpuPercent, 1)}%, rss ${fmt(monitor.rssMb)} MB = ${fmt(monitor.rssMb / bare.rssMb, 2)} x bare Ink's ${fmt(bare.rssMb)} MB`,
  );
}
const steadyFrom = Number(process.env.BENCH_STEADY_FROM_SECONDS ?? 60);
const steadySeconds = Number(process.env.BENCH_STEADY_SECONDS ?? 180);
const steadyCpu = await terminal.benchSteadyCpu(120, 40, steadyFrom, steadySeconds);
if (steadyCpu !== null)
  console.log(
    `  120x40, CPU in the steady state (${steadyFrom} s to ${steadyFrom + steadySeconds} s after a fresh start, side by side with the bare app): ${fmt(steadyCpu.monitorPercent, 2)}% of a core (bare Ink ${fmt(steadyCpu.barePercent, 2)}%), rss ${fmt(steadyCpu.monitorRssMb)} MB (bare ${fmt(steadyCpu.bareRssMb)} MB)`,
  );
const first = await terminal.benchFirstFrames(120, 40, 5);
if (first !== null)
  console.log(
    `  first frame after start: ${fmt(first.ms)} ms (median of 5 fresh starts at 120x40), ${first.duringBackfill ? 'before' : 'after'} the backfill ended`,
  );
