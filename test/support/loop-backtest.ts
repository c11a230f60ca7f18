/**
 * The backtest as it ran before it drove the Trader directly: the whole loop (TradingEngine) over a
 * replay market through the downloader. Kept as the reference the direct backtest must match.
 */
import { PaperBroker } from '../../src/broker/paper-broker.js';
import type { RegimeDetectorConfig } from '../../src/core/regime.js';
import { DEFAULT_RISK_LIMITS } from '../../src/core/risk.js';
import { DAY_MS } from '../../src/core/units.js';
import { TradingEngine } from '../../src/engine/engine.js';
import { BACKTEST_STARTING_CASH, historyBarsFor, scoreOf, type BacktestResult } from '../../src/learn/backtest.js';
import { ReplayMarket } from '../../src/learn/replay-market.js';
import type { StoredBars } from '../../src/learn/stored-bars.js';
import { DownloadedBars } from '../../src/market/downloaded-bars.js';
import { Downloader } from '../../src/market/downloader.js';

export async function loopBacktest(bars: StoredBars, config: RegimeDetectorConfig): Promise<BacktestResult> {
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
