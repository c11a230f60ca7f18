/**
 * What to tell the user about the market-data stream's health: when it goes silent (no message for a
 * few bar intervals while the market is open), when it drops, and when it is back. Each change is
 * said once; the bars meanwhile come from REST.
 */
import type { LiveBarStreamStatus } from './bar-stream.js';

export interface StreamNotice {
  readonly kind: 'error' | 'info';
  readonly message: string;
}

const clockTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export class BarStreamHealth {
  private wasLive = false;
  /** When the stream stopped being live (silent or down) after having been live, or null. */
  private lostAt: number | null = null;
  private lostAs: 'silent' | 'down' | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes the stream's new status; returns what to say, if anything. */
  onStatus(status: LiveBarStreamStatus): StreamNotice | null {
    const now = this.now();
    if (status.state === 'subscribed') {
      const lost = this.lostAt;
      const as = this.lostAs;
      this.wasLive = true;
      this.lostAt = null;
      this.lostAs = null;
      if (lost === null) return null;
      return {
        kind: 'info',
        message: `market-data stream back after ${duration(now - lost)} ${as === 'silent' ? 'of silence' : 'down'}; bars come from the stream again`,
      };
    }
    if (status.state === 'silent') {
      if (this.lostAs === 'silent') return null;
      const since = status.lastMessageAt;
      this.lostAt ??= since ?? now;
      this.lostAs = 'silent';
      const last = since === null ? 'no message yet' : `no message since ${clockTime(since)}`;
      return { kind: 'error', message: `market-data stream silent (${last}); bars come from REST` };
    }
    if (status.state === 'down') {
      const first = this.lostAs !== 'down';
      if (this.wasLive && this.lostAt === null) this.lostAt = now;
      this.lostAs = this.wasLive ? 'down' : this.lostAs;
      if (status.error !== undefined)
        return { kind: 'info', message: `market-data stream down: ${status.error}; bars come from REST` };
      return first && this.wasLive ? { kind: 'info', message: 'market-data stream down; bars come from REST' } : null;
    }
    return null;
  }
}
