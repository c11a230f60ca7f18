import type { ReactNode } from 'react';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { formatClock, formatDuration, formatMegabytes } from '../src/core/format.js';
import { SegmentLine } from './segment-line.js';
import { fitSegments, truncate, type LineSegment } from './text-fit.js';
import { MODE_COLORS } from './theme.js';

export interface StatusBarProps {
  readonly snapshot: EngineSnapshot;
  readonly quitting: boolean;
  readonly width: number;
}

const SEPARATOR = '  ';
const HINTS = 'q quit  p pause  ? help';
const SHORT_HINT = '? help';

function phaseSegments(snapshot: EngineSnapshot, quitting: boolean): LineSegment[] {
  const segments: LineSegment[] = [];
  if (snapshot.phase === 'paused') {
    segments.push({ key: 'paused', text: 'PAUSED', rank: 0, bold: true, color: 'black', backgroundColor: 'yellow' });
  }
  if (snapshot.haltReason !== null) {
    const reason = snapshot.haltReason === null ? '' : `: ${truncate(snapshot.haltReason, 40)}`;
    segments.push({ key: 'halted', text: `HALTED${reason}`, rank: 0, bold: true, color: 'red' });
  }
  if (quitting && snapshot.phase !== 'stopped') {
    segments.push({ key: 'quitting', text: 'stopping…', rank: 0, color: 'yellow' });
  } else if (snapshot.phase !== 'running' && snapshot.phase !== 'paused') {
    segments.push({ key: 'phase', text: snapshot.phase, rank: 1, color: 'yellow' });
  }
  return segments;
}

export function StatusBar({ snapshot, quitting, width }: StatusBarProps): ReactNode {
  const iteration = snapshot.iterations === null ? `${snapshot.iteration}` : `${snapshot.iteration}/${snapshot.iterations}`;
  const segments: LineSegment[] = [
    { key: 'mode', text: snapshot.mode, rank: 0, bold: true, color: MODE_COLORS[snapshot.mode] },
    { key: 'clock', text: `${formatClock(snapshot.marketTime)} UTC`, rank: 1 },
    { key: 'iteration', text: `it ${iteration}`, rank: 2 },
    { key: 'interval', text: `every ${formatDuration(snapshot.intervalMs)}`, rank: 6, dim: true },
    ...phaseSegments(snapshot, quitting),
    {
      key: 'memory',
      text: `rss ${formatMegabytes(snapshot.memory.rss)} heap ${formatMegabytes(snapshot.memory.heapUsed)}`,
      rank: 5,
      dim: true,
    },
    { key: 'hints', text: HINTS, rank: 4, dim: true },
  ];
  let kept = fitSegments(segments, width, SEPARATOR);
  if (!kept.some((s) => s.key === 'hints')) {
    // Too narrow for all key hints: keep the one that leads to the rest.
    const withShortHint = [...kept, { key: 'hints', text: SHORT_HINT, rank: 4, dim: true }];
    if (fitSegments(withShortHint, width, SEPARATOR).length === withShortHint.length) kept = withShortHint;
  }
  return <SegmentLine segments={kept} width={width} separator={SEPARATOR} />;
}
