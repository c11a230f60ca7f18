/**
 * Watches the download rounds for a market-data outage: a round in which no symbol's download
 * succeeded. The loop goes on through one (no equity point without a market time), says
 * `no data since …` when it begins and now and then while it lasts, says when data is back, and
 * spaces its rounds out with an exponential backoff meanwhile.
 */
import type { DownloadCounts } from './download-status.js';

export interface DataNotice {
  readonly kind: 'error' | 'info';
  readonly message: string;
}

/** Wait between rounds during an outage: doubles from the first to the last. */
export const OUTAGE_BACKOFF_FIRST_MS = 1000;
export const OUTAGE_BACKOFF_MAX_MS = 60_000;
/** While an outage lasts, it is said again this often. */
export const OUTAGE_REMINDER_MS = 10 * 60_000;

const clockTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class DataOutageWatch {
  /** Wall-clock time data last arrived (the start, before any). */
  private lastDataAt: number;
  private everHadData = false;
  private failedRounds = 0;
  private saidAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {
    this.lastDataAt = now();
  }

  get inOutage(): boolean {
    return this.failedRounds > 0;
  }

  /** The text shown while data is missing, or null when it flows. */
  get status(): string | null {
    if (!this.inOutage) return null;
    return this.everHadData
      ? `no data since ${clockTime(this.lastDataAt)}`
      : `no data since the start at ${clockTime(this.lastDataAt)}`;
  }

  /** Takes a finished round's counts; returns what to say about it, if anything. */
  afterRound(counts: DownloadCounts, total: number): DataNotice | null {
    if (total === 0) return null;
    const now = this.now();
    if (counts.done > 0) {
      const wasOut = this.failedRounds;
      const since = this.lastDataAt;
      this.failedRounds = 0;
      this.lastDataAt = now;
      this.everHadData = true;
      this.saidAt = Number.NEGATIVE_INFINITY;
      if (wasOut === 0) return null;
      return {
        kind: 'info',
        message: `market data is back (none from ${clockTime(since)} to ${clockTime(now)}, ${wasOut} round${wasOut === 1 ? '' : 's'} without)`,
      };
    }
    // Every download of the round failed, timed out or was cancelled.
    if (counts.cancelled === total) return null;
    this.failedRounds++;
    if (now - this.saidAt < OUTAGE_REMINDER_MS) return null;
    this.saidAt = now;
    return {
      kind: 'error',
      message: `${this.status ?? ''} (${this.failedRounds} round${this.failedRounds === 1 ? '' : 's'} failed); retrying with backoff`,
    };
  }

  /** How long to wait before the next round while the outage lasts (0 when data flows). */
  retryDelayMs(): number {
    if (this.failedRounds === 0) return 0;
    return Math.min(OUTAGE_BACKOFF_MAX_MS, OUTAGE_BACKOFF_FIRST_MS * 2 ** Math.min(this.failedRounds - 1, 16));
  }
}
