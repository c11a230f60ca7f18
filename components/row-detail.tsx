import type { ReactNode } from 'react';
import { Text } from 'ink';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import type { SymbolHistoryView } from '../src/engine/symbol-history.js';
import { formatDuration, formatMoney, formatSignedMoney } from '../src/core/format.js';
import { EVENT_CAPACITY } from '../src/core/limits.js';
import { formatDayLabel, parseFillsKey } from './events-panel.js';
import { parseFillText } from '../src/engine/event-text.js';
import { formatCount } from '../src/core/plural.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { padRight } from './text-fit.js';
import { wrapText } from './text-wrap.js';
import { renderTimeChart } from './time-chart.js';
import { EVENT_COLORS, GAIN_COLOR, LOSS_COLOR, signColor } from './theme.js';
import type { OpenRow } from './ui-state.js';

export interface RowDetailProps {
  readonly row: OpenRow;
  readonly snapshot: EngineSnapshot;
  /** The symbol's recent closes and fills (positions), null where they are not kept (`watch`). */
  readonly history: SymbolHistoryView | null;
  readonly width: number;
  readonly height: number;
}

interface Line {
  readonly text: string;
  readonly color?: string | undefined;
  readonly dim?: boolean;
  readonly bold?: boolean;
}

const BACK = 'Esc back';
/** Rows of the price chart at most (plot, marks, axis). */
const CHART_ROWS = 12;

const clock = (time: number): string => new Date(time).toISOString().slice(11, 19);
const stamp = (time: number): string => `${formatDayLabel(time)} ${clock(time)} UTC`;

/** An iteration's fills, every one with its price, as far as the events ring still holds them. */
function fillLines(
  range: { first: number; last: number },
  snapshot: EngineSnapshot,
  width: number,
  height: number,
): { title: string; lines: Line[] } {
  const fills = snapshot.events.filter((e) => e.kind === 'fill' && e.seq >= range.first && e.seq <= range.last);
  const first = fills[0];
  const gone = { text: `no longer held: the newest ${EVENT_CAPACITY} events are kept`, dim: true };
  if (first === undefined) return { title: 'Fills', lines: [gone] };
  const sides = fills.map((e) => parseFillText(e.message)?.side);
  const buys = sides.filter((side) => side === 'buy').length;
  const head: Line[] = [
    { text: `${stamp(first.time)}  ${formatCount(buys, 'buy')} · ${formatCount(fills.length - buys, 'sell')}` },
    ...(first.seq === range.first ? [] : [gone]),
    { text: '' },
  ];
  const rows = height - 1 - head.length;
  const title = `${formatCount(fills.length, 'fill')} at ${clock(first.time)}`;
  if (fills.length <= rows)
    return {
      title,
      lines: [
        ...head,
        ...fills.map((e, i) => ({ text: e.message, color: sides[i] === 'sell' ? LOSS_COLOR : GAIN_COLOR })),
      ],
    };
  // More fills than rows: side by side in columns, so every one still shows.
  const cell = Math.max(...fills.map((e) => e.message.length)) + 3;
  const perRow = Math.max(1, Math.floor((width + 3) / cell));
  const packed: Line[] = [];
  for (let i = 0; i < fills.length; i += perRow)
    packed.push({
      text: fills
        .slice(i, i + perRow)
        .map((e) => padRight(e.message, cell - 3))
        .join('   ')
        .trimEnd(),
    });
  return { title, lines: [...head, ...packed] };
}

function eventLines(
  row: OpenRow,
  snapshot: EngineSnapshot,
  width: number,
  height: number,
): { title: string; lines: Line[] } {
  const range = parseFillsKey(row.key);
  if (range !== null) return fillLines(range, snapshot, width, height);
  const event = snapshot.events.find((e) => String(e.seq) === row.key);
  if (event === undefined)
    return {
      title: 'Event',
      lines: [{ text: `no longer held: the newest ${EVENT_CAPACITY} events are kept`, dim: true }],
    };
  return {
    title: `Event #${event.seq}`,
    lines: [
      { text: `${stamp(event.time)}  ${event.kind}`, color: EVENT_COLORS[event.kind] },
      { text: '' },
      ...wrapText(event.message, width).map((text) => ({ text })),
    ],
  };
}

function downloadLines(row: OpenRow, snapshot: EngineSnapshot, width: number): { title: string; lines: Line[] } {
  const download = snapshot.downloads.rows.find((d) => d.symbol === row.key);
  if (download === undefined)
    return { title: `Download ${row.key}`, lines: [{ text: 'not in the current round', dim: true }] };
  const lines: Line[] = [
    {
      text: `${download.state} · attempt ${download.attempt} · ${download.bars} bars · ${formatDuration(download.ms)}`,
    },
  ];
  if (download.error !== undefined) {
    lines.push({ text: '' }, { text: 'error', bold: true });
    lines.push(...wrapText(download.error, width).map((text) => ({ text, color: 'red' })));
  }
  return { title: `Download ${download.symbol}`, lines };
}

function positionLines(
  row: OpenRow,
  snapshot: EngineSnapshot,
  history: SymbolHistoryView | null,
  width: number,
  height: number,
): { title: string; lines: Line[] } {
  const position = snapshot.positions.find((p) => p.symbol === row.key);
  const lines: Line[] = [];
  if (position === undefined) lines.push({ text: 'not held now', dim: true });
  else
    lines.push(
      {
        text: `${position.qty} @ avg ${formatMoney(position.avgPrice)} · last ${formatMoney(position.lastPrice)} · value ${formatMoney(position.marketValue)} · Wt ${(position.weight * 100).toFixed(1)}%`,
      },
      {
        text: `unrealized P&L ${formatSignedMoney(position.unrealizedPnl)}`,
        color: signColor(position.unrealizedPnl),
      },
    );
  if (history === null) {
    lines.push({ text: '' }, { text: 'prices and fills are kept by the running bot only', dim: true });
    return { title: row.key, lines };
  }
  const chartRows = Math.min(CHART_ROWS, Math.max(0, height - lines.length - 6));
  const marks = history.fills.map((f) => ({ time: f.time, glyph: f.side === 'buy' ? '▲' : '▼' }));
  const chart = chartRows >= 5 ? renderTimeChart(history.times, history.closes, width, chartRows, marks) : [];
  if (chart.length > 0) {
    lines.push({ text: '' });
    lines.push(...chart.map((text) => ({ text })));
    lines.push({ text: `${history.closes.length} closes · ▲ buy ▼ sell`, dim: true });
  }
  lines.push({ text: '' }, { text: `Fills (newest first, ${history.fills.length} kept)`, bold: true });
  if (history.fills.length === 0) lines.push({ text: 'none yet', dim: true });
  for (let i = history.fills.length - 1; i >= 0; i--) {
    const f = history.fills[i];
    if (f === undefined) continue;
    lines.push({
      text: `${formatDayLabel(f.time)} ${clock(f.time).slice(0, 5)}  ${f.side === 'buy' ? 'BUY ' : 'SELL'} ${f.qty} @ ${f.price.toFixed(2)}  fee ${f.fee.toFixed(2)}`,
      color: f.side === 'buy' ? 'green' : 'red',
    });
  }
  return { title: `${row.key} position`, lines };
}

/** A row opened whole (`Enter`), over the panels: an event's or a download's full text, a position's chart and fills. */
export function RowDetail({ row, snapshot, history, width, height }: RowDetailProps): ReactNode {
  const innerWidth = Math.max(1, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const { title, lines } =
    row.panel === 'events'
      ? eventLines(row, snapshot, innerWidth, innerHeight)
      : row.panel === 'downloads'
        ? downloadLines(row, snapshot, innerWidth)
        : positionLines(row, snapshot, history, innerWidth, innerHeight);
  const shown = lines.slice(0, Math.max(0, innerHeight - 1));
  return (
    <Panel title={`${title}  ${BACK}`} width={width} height={height} focused>
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate" color={line.color} dimColor={line.dim ?? false} bold={line.bold ?? false}>
          {line.text === '' ? ' ' : line.text}
        </Text>
      ))}
    </Panel>
  );
}
