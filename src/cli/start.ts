/** Builds the market, downloader and engine from the start options, and runs them headless or in the TUI. */
import { TradingEngine, type RunSummary } from '../engine/engine.js';
import { Downloader } from '../market/downloader.js';
import { SimulatedMarket, type SimFaults } from '../market/sim-market.js';
import type { StartOptions } from './args.js';
import { HeadlessPrinter } from './headless-printer.js';

const DEFAULT_SIM_LATENCY_MS = 40;
const DEFAULT_SIM_FAILURE_RATE = 0.01;
const DEFAULT_SIM_HANG_RATE = 0.00002;

/** Faults of the simulated network: on by default, off with --interval 0 unless asked for. */
export function simFaults(options: StartOptions): SimFaults {
  const fast = options.intervalMs === 0;
  const latency = options.sim.latencyMs ?? (fast ? 0 : DEFAULT_SIM_LATENCY_MS);
  return {
    latencyMinMs: latency / 2,
    latencyMaxMs: latency,
    failureRate: options.sim.failureRate ?? (fast ? 0 : DEFAULT_SIM_FAILURE_RATE),
    hangRate: options.sim.hangRate ?? (fast ? 0 : DEFAULT_SIM_HANG_RATE),
  };
}

export interface Session {
  readonly engine: TradingEngine;
  readonly downloader: Downloader;
  /** Runs the loop to its end; the downloader is closed afterwards. */
  run(): Promise<RunSummary>;
}

/** Downloader settings that are not on the command line (tests shorten the retry waits). */
export interface DownloaderTuning {
  readonly backoffBaseMs?: number;
}

export function createSimSession(options: StartOptions, tuning: DownloaderTuning = {}): Session {
  const market = new SimulatedMarket({
    seed: options.seed,
    symbols: options.symbols,
    timeframe: options.timeframe,
    periodDays: options.periodDays,
    faults: simFaults(options),
  });
  let engine: TradingEngine | null = null;
  const downloader = new Downloader({
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    ...tuning,
    onStateChange: (change) => engine?.reportDownload(change),
  });
  engine = new TradingEngine(
    {
      mode: 'SIM',
      symbols: options.symbols,
      timeframe: options.timeframe,
      periodDays: options.periodDays,
      iterations: options.iterations,
      intervalMs: options.intervalMs,
      equityPoints: options.equityPoints,
      startingCash: options.cash,
      risk: options.risk,
      seed: options.seed,
      periodText: options.periodText,
    },
    { market, clock: market, downloader },
  );
  const session = engine;
  return {
    engine: session,
    downloader,
    run: async () => {
      try {
        return await session.run();
      } finally {
        downloader.close();
      }
    },
  };
}

/** Runs with plain output; SIGINT and SIGTERM stop at the next iteration boundary. */
export async function runHeadless(options: StartOptions, session: Session): Promise<RunSummary> {
  const printer = new HeadlessPrinter(process.stdout, options.json);
  const unsubscribe = session.engine.onLoopEvent((event) => printer.print(event));
  session.engine.setFlowControl(() => printer.waitForDrain());
  // A reader that goes away (`| head`) ends the run quietly, as it would for any Unix filter.
  const onOutputError = (error: NodeJS.ErrnoException): void => {
    printer.close();
    session.engine.stop();
    if (error.code !== 'EPIPE') {
      process.stderr.write(`trading-tui: cannot write the output: ${error.message}\n`);
      process.exitCode = 1;
    }
  };
  process.stdout.on('error', onOutputError);
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    session.engine.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await session.run();
  } finally {
    printer.flush();
    unsubscribe();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onOutputError);
  }
}
