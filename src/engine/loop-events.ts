import type { DownloadCounts, DownloadState, RoundKind } from '../market/download-status.js';
import type { RegimeName } from '../core/regime-types.js';
import type { Side } from '../core/portfolio.js';

/** What the loop reports as it happens; the headless printer writes each as a line. */
export type LoopEvent =
  | {
      type: 'start';
      mode: string;
      symbols: number;
      timeframe: string;
      period: string;
      seed: number | null;
      equity: number;
    }
  | {
      type: 'download';
      round: RoundKind;
      symbol: string;
      state: DownloadState;
      attempt: number;
      bars: number;
      ms: number;
      error?: string;
    }
  | {
      type: 'round';
      kind: RoundKind;
      total: number;
      counts: DownloadCounts;
      bars: number;
      elapsedMs: number;
      barsPerSecond: number;
      concurrency: number;
    }
  | {
      type: 'iteration';
      i: number;
      time: string;
      equity: number;
      cash: number;
      regime: RegimeName;
      confidence: number;
      /** The simulated market's true regime of the bar (only with the simulated market). */
      trueRegime?: RegimeName;
      positions: number;
      heapUsed: number;
      rss: number;
    }
  | { type: 'fill'; time: string; symbol: string; side: Side; qty: number; price: number; fee: number; cash: number }
  | { type: 'regime'; time: string; from: RegimeName; to: RegimeName; confidence: number }
  | { type: 'risk'; time: string; action: 'halt' | 'resume'; reason: string; equity: number }
  | { type: 'notice'; kind: 'error' | 'info'; message: string }
  | { type: 'market'; open: boolean; nextOpen: string }
  | {
      type: 'summary';
      iterations: number;
      equity: number;
      return: number;
      maxDrawdown: number;
      trades: number;
      equityPoints: number;
    };

export type LoopEventListener = (event: LoopEvent) => void;
