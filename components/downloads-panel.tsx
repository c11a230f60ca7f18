import type { ReactNode } from 'react';
import { Text } from 'ink';
import type { DownloadStatusView, RoundStatus, SymbolDownloadStatus } from '../src/engine/download-status.js';
import { formatDuration, formatWholeMoney } from '../src/core/format.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { SegmentLine } from './segment-line.js';
import { padRight, segmentsLength, type LineSegment } from './text-fit.js';
import { DOWNLOAD_STATE_COLORS, GAIN_COLOR } from './theme.js';

const SUMMARY_ROWS = 3;

/** Symbol rows that fit under the round summary. */
export function downloadRowsVisible(innerHeight: number): number {
  return Math.max(0, innerHeight - SUMMARY_ROWS);
}

/** Inner rows the panel would like: the summary and one row per symbol. */
export function downloadsWantedRows(downloads: DownloadStatusView): number {
  return downloads.round === null ? 1 : SUMMARY_ROWS + downloads.rows.length;
}

export interface DownloadsPanelProps {
  readonly downloads: DownloadStatusView;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  /** What to say while there is no round: `watch` says the database does not keep downloads. */
  readonly emptyText?: string;
}

export function DownloadsPanel({
  downloads,
  scroll,
  width,
  height,
  focused,
  emptyText = 'no downloads yet',
}: DownloadsPanelProps): ReactNode {
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const { round } = downloads;
  const visible = downloadRowsVisible(innerHeight);
  const start = Math.min(scroll, Math.max(0, downloads.rows.length - visible));
  return (
    <Panel title="Downloads" width={width} height={height} focused={focused}>
      {round === null ? (
        <Text wrap="truncate" dimColor>
          {emptyText}
        </Text>
      ) : (
        [
          <RoundProgress key="progress" round={round} width={innerWidth} />,
          <RoundCounts key="counts" round={round} width={innerWidth} />,
          <RoundSpeed key="speed" round={round} width={innerWidth} />,
        ].slice(0, innerHeight)
      )}
      {downloads.rows.slice(start, start + visible).map((row) => (
        <SymbolRow key={row.symbol} row={row} />
      ))}
    </Panel>
  );
}

function RoundProgress({ round, width }: { round: RoundStatus; width: number }): ReactNode {
  const settled = round.counts.done + round.counts.failed + round.counts['timed-out'] + round.counts.cancelled;
  const fraction = round.total > 0 ? Math.min(1, settled / round.total) : 1;
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

function SymbolRow({ row }: { row: SymbolDownloadStatus }): ReactNode {
  return (
    <Text wrap="truncate">
      {padRight(row.symbol, 8)}
      <Text color={DOWNLOAD_STATE_COLORS[row.state]}>{padRight(row.state, 10)}</Text>
      {padRight(`${Math.round(row.ms)}ms`, 9)}
      {padRight(`#${row.attempt}`, 4)}
      <Text dimColor>{row.error ?? ''}</Text>
    </Text>
  );
}
