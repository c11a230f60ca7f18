import type { DownloadCounts, DownloadState, RoundKind } from './download-status.js';
import type { RegimeName } from '../core/regime-types.js';
import type { Side } from '../core/model.js';

/**
 * What happens, one typed event each: the headless printer writes them as lines or NDJSON, and the
 * events ring (the UI, the database) takes its text from them (event-text.ts formats both).
 */
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
      /** The cap on the sum of positions in force: the lower of --max-exposure and the regime's. */
      exposureCap: number;
      /** The latest close of every symbol held or with a working order (what equity and orders are valued at). */
      closes: Record<string, number>;
      heapUsed: number;
      rss: number;
    }
  | { type: 'fill'; time: string; symbol: string; side: Side; qty: number; price: number; fee: number; cash: number }
  | { type: 'regime'; time: string; from: RegimeName; to: RegimeName; confidence: number }
  /** An order sent: `price` is the close it was sized on. */
  | { type: 'order'; time: string; symbol: string; side: Side; qty: number; price: number }
  /** `base`: equity at the previous session's close; `loss`: base − equity, in dollars. */
  | {
      type: 'risk';
      time: string;
      action: 'halt' | 'resume';
      reason: string;
      equity: number;
      base: number;
      loss: number;
    }
  | { type: 'notice'; kind: 'error' | 'info'; message: string }
  | { type: 'market'; open: boolean; nextOpen: string }
  /** A command from the user (a key in the UI). */
  | { type: 'user'; command: 'pause' | 'resume' | 'retry' | 'buys-off' | 'buys-on' }
  /** The user's kill switch: every held position sold at market (`sells`), and new buys stopped. */
  | { type: 'close-all'; time: string; sells: { symbol: string; qty: number }[] }
  /** A saved run continues (a restart on the same database). */
  | { type: 'resumed'; iteration: number; equity: number; positions: number; workingOrders: number }
  /** The record (the database) cannot be written: the loop stops. */
  | { type: 'record-failed'; message: string }
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

export const isoTime = (time: number): string => (Number.isFinite(time) ? new Date(time).toISOString() : '');
