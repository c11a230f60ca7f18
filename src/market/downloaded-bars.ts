/**
 * The engine's bar source over a market-data source: each round asks every symbol for its new bars
 * through the downloader (parallel, with timeouts, retries and a visible state per symbol).
 */
import type { BarColumns, Timeframe } from '../core/model.js';
import type { BarRoundResult, BarSource } from '../engine/bar-source.js';
import type { DownloadStatusView, RoundKind } from '../engine/download-status.js';
import type { Downloader } from './downloader.js';
import type { MarketDataSource } from './types.js';

export class DownloadedBars implements BarSource {
  constructor(
    private readonly downloader: Downloader,
    private readonly market: MarketDataSource,
    private readonly timeframe: Timeframe,
  ) {}

  async fetchRound(
    kind: RoundKind,
    symbols: readonly string[],
    after: (symbol: string) => number,
    onBars: (symbol: string, bars: BarColumns) => void,
  ): Promise<BarRoundResult> {
    const result = await this.downloader.runRound<BarColumns>(
      kind,
      symbols,
      (symbol, signal) => this.market.fetchBars({ symbol, timeframe: this.timeframe, after: after(symbol), signal }),
      onBars,
      (bars) => bars.length,
    );
    return {
      total: result.total,
      counts: result.counts,
      bars: result.bars,
      elapsedMs: result.elapsedMs,
      cancelled: result.cancelled,
      concurrency: this.downloader.concurrency,
    };
  }

  cancel(): void {
    this.downloader.cancel();
  }

  view(): DownloadStatusView {
    return this.downloader.view();
  }
}
