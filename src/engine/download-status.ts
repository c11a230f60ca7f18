export const DOWNLOAD_STATES = ['queued', 'running', 'retrying', 'done', 'failed', 'timed-out', 'cancelled'] as const;
export type DownloadState = (typeof DOWNLOAD_STATES)[number];

export type RoundKind = 'backfill' | 'refresh';

/** One symbol's download, as last seen. */
export interface SymbolDownloadStatus {
  readonly symbol: string;
  readonly state: DownloadState;
  /** 1 for the first try, 2 for the first retry, ... (0 while queued). */
  readonly attempt: number;
  /** Bars received (when done). */
  readonly bars: number;
  /** Time spent on this symbol so far, retries and backoff included. */
  readonly ms: number;
  /** Last error text (retrying, failed, timed out). */
  readonly error?: string;
}

export type DownloadCounts = Readonly<Record<DownloadState, number>>;

/** The current (or last) round of downloads. */
export interface RoundStatus {
  readonly kind: RoundKind;
  /** Rounds started since the program started, this one included. */
  readonly round: number;
  readonly total: number;
  readonly counts: DownloadCounts;
  readonly bars: number;
  readonly elapsedMs: number;
  readonly barsPerSecond: number;
  /** Parallel downloads allowed right now (adapts when `auto`). */
  readonly concurrency: number;
  readonly finished: boolean;
}

export interface DownloadStatusView {
  readonly round: RoundStatus | null;
  /** Symbols running, retrying, failed or timed out in the current round, at most `maxRows`. */
  readonly rows: readonly SymbolDownloadStatus[];
}

export function emptyCounts(): Record<DownloadState, number> {
  return { queued: 0, running: 0, retrying: 0, done: 0, failed: 0, 'timed-out': 0, cancelled: 0 };
}
