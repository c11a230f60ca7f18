import { memo, useMemo, type ReactNode } from 'react';
import { Text } from 'ink';
import type {
  DownloadState,
  DownloadStatusView,
  RoundStatus,
  SymbolDownloadStatus,
} from '../src/engine/download-status.js';
import { formatDuration, formatWholeMoney } from '../src/core/format.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { SegmentLine } from './segment-line.js';
import { padRight, segmentsLength, type LineSegment } from './text-fit.js';
import { DOWNLOAD_STATE_COLORS, GAIN_COLOR } from './theme.js';

/** Rows above the symbols: progress, counts per state, speed. */
const SUMMARY_ROWS = 3;

/** Symbol rows that fit under the round summary (a panel of fewer rows shows only the summary). */
export function downloadRowsVisible(innerHeight: number): number {
  return Math.max(0, innerHeight - SUMMARY_ROWS);
}

/** Failures first, then what is being retried, then the slowest still running. */
const INTEREST: Readonly<Record<DownloadState, number>> = {
  failed: 0,
  'timed-out': 0,
  retrying: 1,
  running: 2,
  queued: 3,
  cancelled: 4,
  done: 5,
};

/** The symbols worth a row, most interesting first. */
export function interestingRows(rows: readonly SymbolDownloadStatus[]): SymbolDownloadStatus[] {
  return rows
    .filter((row) => row.state !== 'done')
    .sort((a, b) => INTEREST[a.state] - INTEREST[b.state] || b.ms - a.ms || a.symbol.localeCompare(b.symbol));
}

export interface DownloadsPanelProps {
  readonly downloads: DownloadStatusView;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  /** What to say while there is no round: `watch` says the database does not keep downloads. */
  readonly emptyText?: string;
  /** The selected row (what `Enter` opens), highlighted while the panel has the focus. */
  readonly cursor?: number;
}

/**
 * A panel of fixed height (the layout's): the round's summary, then the most interesting symbols.
 * In one row, one summary line with the progress and the counts.
 */
function DownloadsPanelView({
  downloads,
  scroll,
  width,
  height,
  focused,
  emptyText = 'no downloads yet',
  cursor,
}: DownloadsPanelProps): ReactNode {
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const { round } = downloads;
  const rows = useMemo(() => interestingRows(downloads.rows), [downloads.rows]);
  const visible = downloadRowsVisible(innerHeight);
  const start = Math.min(scroll, Math.max(0, rows.length - visible));
  const summary =
    round === null
      ? [
          <Text key="empty" wrap="truncate" dimColor>
            {emptyText}
          </Text>,
        ]
      : innerHeight === 1
        ? [<RoundSummary key="summary" round={round} width={innerWidth} />]
        : [
            <RoundProgress key="progress" round={round} width={innerWidth} />,
            <RoundCounts key="counts" round={round} width={innerWidth} />,
            <RoundSpeed key="speed" round={round} width={innerWidth} />,
          ].slice(0, innerHeight);
  return (
    <Panel title="Downloads" width={width} height={height} focused={focused}>
      {summary}
      {rows.slice(start, start + visible).map((row, i) => (
        <SymbolRow key={row.symbol} row={row} selected={focused && start + i === cursor} />
      ))}
    </Panel>
  );
}

/** Settled downloads of the round and the fraction they are of it. */
function roundProgress(round: RoundStatus): { settled: number; fraction: number } {
  const settled = round.counts.done + round.counts.failed + round.counts['timed-out'] + round.counts.cancelled;
  return { settled, fraction: round.total > 0 ? Math.min(1, settled / round.total) : 1 };
}

/** The whole round on one line: which, how far, and the counts that matter. */
function RoundSummary({ round, width }: { round: RoundStatus; width: number }): ReactNode {
  const { settled } = roundProgress(round);
  const counts = COUNT_LABELS.filter(([state]) => state !== 'queued' && state !== 'cancelled').map(
    ([state, abbreviation], i): LineSegment => {
      const count = round.counts[state];
      return {
        key: state,
        text: `${abbreviation} ${count}`,
        rank: state === 'done' || state === 'failed' ? 1 : 2 + i,
        color: count > 0 && state !== 'done' ? DOWNLOAD_STATE_COLORS[state] : undefined,
        dim: count === 0,
      };
    },
  );
  return (
    <SegmentLine
      width={width}
      separator=" "
      segments={[
        { key: 'round', text: `${round.kind} #${round.round}`, rank: 0, bold: true },
        { key: 'progress', text: `${settled}/${round.total}${round.finished ? ' ✓' : ''}`, rank: 0 },
        ...counts,
      ]}
    />
  );
}

function RoundProgress({ round, width }: { round: RoundStatus; width: number }): ReactNode {
  const { settled, fraction } = roundProgress(round);
  const head = `${round.kind} #${round.round} `;
  const tail = ` ${settled}/${round.total} ${Math.round(fraction * 100)}%${round.finished ? ' finished' : ''}`;
  const barWidth = Math.max(0, Math.min(40, width - head.length - tail.length));
  const filled = Math.round(fraction * barWidth);
  return (
    <Text wrap="truncate">
      <Text bold>{head}</Text>
      <Text color={GAIN_COLOR}>{'█'.repeat(filled)}</Text>
      <Text dimColor>{'░'.repeat(barWidth - filled)}</Text>
      {tail}
    </Text>
  );
}

const COUNT_LABELS = [
  ['queued', 'q'],
  ['running', 'run'],
  ['retrying', 'retry'],
  ['done', 'done'],
  ['failed', 'fail'],
  ['timed-out', 't/o'],
  ['cancelled', 'cxl'],
] as const;

/** Counts per state; labels shorten when the full ones do not fit. */
function RoundCounts({ round, width }: { round: RoundStatus; width: number }): ReactNode {
  const build = (short: boolean): LineSegment[] =>
    COUNT_LABELS.filter(([state]) => state !== 'cancelled' || round.counts.cancelled > 0).map(
      ([state, abbreviation]) => {
        const count = round.counts[state];
        const alarming = state === 'failed' || state === 'timed-out' || state === 'retrying';
        return {
          key: state,
          text: `${short ? abbreviation : state} ${count}`,
          rank: 0,
          color:
            count > 0 && (alarming || state === 'running' || state === 'done')
              ? DOWNLOAD_STATE_COLORS[state]
              : undefined,
          dim: count === 0,
        };
      },
    );
  const full = build(false);
  return (
    <SegmentLine width={width} segments={segmentsLength(full, '  ') <= width ? full : build(true)} separator=" " />
  );
}

function RoundSpeed({ round, width }: { round: RoundStatus; width: number }): ReactNode {
  return (
    <SegmentLine
      width={width}
      segments={[
        { key: 'rate', text: `${formatWholeMoney(round.barsPerSecond)} bars/s`, rank: 0 },
        { key: 'elapsed', text: `elapsed ${formatDuration(round.elapsedMs)}`, rank: 0 },
        { key: 'concurrency', text: `concurrency ${round.concurrency}`, rank: 1 },
        { key: 'bars', text: `${formatWholeMoney(round.bars)} bars`, rank: 2, dim: true },
      ]}
    />
  );
}

function SymbolRow({ row, selected }: { row: SymbolDownloadStatus; selected: boolean }): ReactNode {
  return (
    <Text wrap="truncate" inverse={selected}>
      {padRight(row.symbol, 8)}
      <Text color={DOWNLOAD_STATE_COLORS[row.state]}>{padRight(row.state, 10)}</Text>
      {padRight(`${Math.round(row.ms)}ms`, 9) + padRight(`#${row.attempt}`, 4)}
      {row.error === undefined ? null : <Text dimColor>{row.error}</Text>}
    </Text>
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const DownloadsPanel = memo(DownloadsPanelView);
