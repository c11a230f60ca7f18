/**
 * Where the engine's bars come from, as the engine needs them: one round at a time, every symbol's
 * new bars since the last it has. The simulated market and Alpaca stand behind it (through the
 * downloader); the engine knows neither.
 */
import type { BarColumns } from '../core/model.js';
import type { DownloadCounts, DownloadStatusView, RoundKind } from './download-status.js';

/** The market's clock as the loop sees it. */
export interface MarketClock {
  /** Time of the newest bar the market has produced (epoch ms). */
  now(): number;
  /** Moves the clock on by one bar (the simulated market); a real market moves by itself. */
  advance(): void;
}

/** How a round went. */
export interface BarRoundResult {
  readonly total: number;
  readonly counts: DownloadCounts;
  readonly bars: number;
  readonly elapsedMs: number;
  /** The round was cancelled (stop): its bars are dropped. */
  readonly cancelled: boolean;
  /** Parallel requests allowed when the round ended. */
  readonly concurrency: number;
}

export interface BarSource {
  /**
   * Fetches, for every symbol, its bars after `after(symbol)` up to the market's current time, oldest
   * first; `onBars` takes each symbol's bars (as columns) as soon as they arrive. Resolves when every
   * symbol is settled (failed symbols simply bring nothing) or the round is cancelled.
   */
  fetchRound(
    kind: RoundKind,
    symbols: readonly string[],
    after: (symbol: string) => number,
    onBars: (symbol: string, bars: BarColumns) => void,
  ): Promise<BarRoundResult>;
  /** Ends the running round early (it resolves as cancelled). */
  cancel(): void;
  /** The current (or last) round, for the snapshot. */
  view(): DownloadStatusView;
}
