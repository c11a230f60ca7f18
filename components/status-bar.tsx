import type { ReactNode } from 'react';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { formatClock, formatDuration, formatEasternTime, formatMegabytes } from '../src/core/format.js';
import { SegmentLine } from './segment-line.js';
import { fitSegments, truncate, type LineSegment } from './text-fit.js';
import { MODE_COLORS } from './theme.js';
import type { WatchView } from './use-watch-status.js';

export interface StatusBarProps {
  readonly snapshot: EngineSnapshot;
  readonly quitting: boolean;
  readonly width: number;
  /** Set when watching a database (`trading-tui watch`) instead of running the engine. */
  readonly watch?: WatchView | null;
}

const SEPARATOR = '  ';
/** Only the keys that do something now: `p resume` while paused, no `p` once the run has ended. */
function keyHints(phase: EngineSnapshot['phase']): string {
  if (phase === 'stopping' || phase === 'stopped') return 'q quit  ? help';
  return phase === 'paused' ? 'q quit  p resume  ? help' : 'q quit  p pause  ? help';
}
const WATCH_HINTS = 'q quit  ? help  read-only';
const SHORT_HINT = '? help';
/** Data older than these is shown yellow, then red: the bot may be slow, stuck or gone. */
export const STALE_AFTER_MS = 10_000;
export const GONE_AFTER_MS = 60_000;

function phaseSegments(snapshot: EngineSnapshot, quitting: boolean): LineSegment[] {
  const segments: LineSegment[] = [];
  if (snapshot.phase === 'paused') {
    segments.push({ key: 'paused', text: 'PAUSED', rank: 0, bold: true, color: 'black', backgroundColor: 'yellow' });
  }
  if (snapshot.buysOff === true) {
    segments.push({ key: 'buys', text: 'BUYS OFF', rank: 0, bold: true, color: 'black', backgroundColor: 'red' });
  }
  if (snapshot.haltReason !== null) {
    const reason = snapshot.haltReason === null ? '' : `: ${truncate(snapshot.haltReason, 40)}`;
    segments.push({ key: 'halted', text: `HALTED${reason}`, rank: 0, bold: true, color: 'red' });
  }
  if (snapshot.market !== undefined && !snapshot.market.open) {
    segments.push({
      key: 'market',
      text: `closed · opens ${formatEasternTime(snapshot.market.nextOpen)}`,
      rank: 0,
      color: 'yellow',
    });
  }
  if (quitting && snapshot.phase !== 'stopped') {
    segments.push({ key: 'quitting', text: 'stopping…', rank: 0, color: 'yellow' });
  } else if (snapshot.catchingUp === true) {
    // A restart: the saved state is shown while the backfill brings it up to the market.
    segments.push({ key: 'phase', text: 'catching up', rank: 0, bold: true, color: 'yellow' });
  } else if (snapshot.phase !== 'running' && snapshot.phase !== 'paused') {
    segments.push({ key: 'phase', text: snapshot.phase, rank: 1, color: 'yellow' });
  }
  return segments;
}

/** `updated 3s ago`, coloured by age; the error of a skipped poll next to it. */
export function watchSegments(watch: WatchView): LineSegment[] {
  const { status, now } = watch;
  const segments: LineSegment[] = [];
  if (status.lastWriteAt <= 0) {
    segments.push({ key: 'freshness', text: 'no checkpoint yet', rank: 0, color: 'yellow' });
  } else {
    const ageMs = Math.max(0, now - status.lastWriteAt);
    const age = ageMs < 60_000 ? `${Math.floor(ageMs / 1000)}s` : formatDuration(ageMs);
    const color = ageMs > GONE_AFTER_MS ? 'red' : ageMs > STALE_AFTER_MS ? 'yellow' : undefined;
    segments.push({ key: 'freshness', text: `updated ${age} ago`, rank: 0, color, bold: color !== undefined });
  }
  if (status.error !== null) segments.push({ key: 'error', text: truncate(status.error, 50), rank: 0, color: 'red' });
  return segments;
}

export function StatusBar({ snapshot, quitting, width, watch = null }: StatusBarProps): ReactNode {
  const iteration =
    snapshot.iterations === null ? `${snapshot.iteration}` : `${snapshot.iteration}/${snapshot.iterations}`;
  const segments: LineSegment[] = [
    watch === null
      ? { key: 'mode', text: snapshot.mode, rank: 0, bold: true, color: MODE_COLORS[snapshot.mode] }
      : { key: 'mode', text: 'WATCH', rank: 0, bold: true, color: 'cyan' },
    ...(watch === null ? [] : watchSegments(watch)),
    { key: 'clock', text: `${formatClock(snapshot.marketTime)} UTC`, rank: 1 },
    { key: 'iteration', text: `it ${iteration}`, rank: 2 },
    // A watched run's pace is known only when its options recorded it.
    ...(watch !== null && snapshot.intervalMs <= 0
      ? []
      : [{ key: 'interval', text: `every ${formatDuration(snapshot.intervalMs)}`, rank: 6, dim: true }]),
    ...phaseSegments(snapshot, quitting),
    {
      key: 'memory',
      text: `rss ${formatMegabytes(snapshot.memory.rss)} heap ${formatMegabytes(snapshot.memory.heapUsed)}`,
      rank: 5,
      dim: true,
    },
    { key: 'hints', text: watch === null ? keyHints(snapshot.phase) : WATCH_HINTS, rank: 4, dim: true },
    ...(watch === null ? [] : [{ key: 'db', text: truncate(watch.status.dbPath, 40), rank: 7, dim: true }]),
  ];
  let kept = fitSegments(segments, width, SEPARATOR);
  if (!kept.some((s) => s.key === 'hints')) {
    // Too narrow for all key hints: keep the one that leads to the rest.
    const withShortHint = [...kept, { key: 'hints', text: SHORT_HINT, rank: 4, dim: true }];
    if (fitSegments(withShortHint, width, SEPARATOR).length === withShortHint.length) kept = withShortHint;
  }
  return <SegmentLine segments={kept} width={width} separator={SEPARATOR} />;
}
