/** How fresh a watched database's data is; `trading-tui watch` shows it in the status bar. */
export interface WatchStatus {
  readonly dbPath: string;
  /** `saved_at` of the newest checkpoint (epoch ms); 0 while the database holds none. */
  readonly lastWriteAt: number;
  /** When the database was last polled (epoch ms); 0 before the first poll. */
  readonly polledAt: number;
  /** Why the last poll was skipped (database busy, unreadable checkpoint), or null. */
  readonly error: string | null;
}
