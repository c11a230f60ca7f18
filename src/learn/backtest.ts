/** Runs the real trading engine over stored bars with one regime detector configuration. */
import type { RegimeDetectorConfig } from '../core/regime.js';
import { DEFAULT_RISK_LIMITS } from '../core/risk.js';
import { DAY_MS } from '../core/units.js';
import { TradingEngine } from '../engine/engine.js';
import { PaperBroker } from '../broker/paper-broker.js';
import { Downloader } from '../market/downloader.js';
import { DownloadedBars } from '../market/downloaded-bars.js';
import { ReplayMarket } from './replay-market.js';
import type { StoredBars } from './stored-bars.js';

export const BACKTEST_STARTING_CASH = 100_000;
/** Below this the drawdown is taken as this, so a config that barely trades cannot score infinitely. */
export const DRAWDOWN_FLOOR = 0.01;
export const OBJECTIVE = `return / max(max drawdown, ${DRAWDOWN_FLOOR * 100}%) of a backtest (Calmar-like)`;

export interface BacktestResult {
  readonly return: number;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly score: number;
}

export const scoreOf = (result: { return: number; maxDrawdown: number }): number =>
  result.return / Math.max(result.maxDrawdown, DRAWDOWN_FLOOR);

/** The share of the steps served as history (warming up signals and the detector, no trading). */
export const HISTORY_SHARE = 0.3;

export function historyBarsFor(steps: number): number {
  return Math.max(1, Math.floor(steps * HISTORY_SHARE));
}

export async function backtest(bars: StoredBars, config: RegimeDetectorConfig): Promise<BacktestResult> {
  const market = new ReplayMarket(bars.series, historyBarsFor);
  const historySpan = market.now() - (market.steps[0] as number);
  const downloader = new Downloader({ concurrency: 'auto', timeoutMs: 60_000 });
  const engine = new TradingEngine(
    {
      mode: 'SIM',
      symbols: bars.series.map((s) => s.symbol),
      timeframe: bars.timeframe,
      // Wide enough that the backfill takes every history bar.
      periodDays: Math.ceil(historySpan / DAY_MS) + 1,
      iterations: market.remaining,
      intervalMs: 0,
      equityPoints: 16,
      startingCash: BACKTEST_STARTING_CASH,
      risk: DEFAULT_RISK_LIMITS,
      eventCapacity: 1,
      detectorConfig: config,
    },
    {
      bars: new DownloadedBars(downloader, market, bars.timeframe),
      clock: market,
      broker: new PaperBroker(),
      readMemory: () => ({ rss: 0, heapUsed: 0 }),
    },
  );
  try {
    const summary = await engine.run();
    return {
      return: summary.return,
      maxDrawdown: summary.maxDrawdown,
      trades: summary.trades,
      score: scoreOf(summary),
    };
  } finally {
    downloader.close();
  }
}
