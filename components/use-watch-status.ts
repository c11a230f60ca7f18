import { useEffect, useMemo, useState } from 'react';
import type { WatchStatus } from '../src/engine/watch-status.js';

/** How often "updated Ns ago" is re-read and re-drawn. */
export const WATCH_TICK_MS = 1000;

export interface WatchView {
  readonly status: WatchStatus;
  /** Wall clock of the read, for the age of the data. */
  readonly now: number;
}

/**
 * Re-reads the watch status every second, since the age of the data grows while nothing else changes,
 * and in the render where `snapshot` changes, so new data never shows with the age of the old. Null
 * when not watching.
 */
export function useWatchStatus(read: (() => WatchStatus) | undefined, snapshot: unknown): WatchView | null {
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (read === undefined) return;
    const timer = setInterval(() => setTick((t) => t + 1), WATCH_TICK_MS);
    return () => clearInterval(timer);
  }, [read]);

  // `snapshot` and `tick` are not read: they say when to read again.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => (read === undefined ? null : { status: read(), now: Date.now() }), [read, snapshot, tick]);
}
