import { memo, useMemo, type ReactNode } from 'react';
import { Text } from 'ink';
import type { PositionView } from '../src/engine/snapshot.js';
import { SORT_LABELS, type PositionSort } from './list-views.js';
import { rowRange } from './row-range.js';
import { formatMoney, formatSignedMoney } from '../src/core/format.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { SegmentLine } from './segment-line.js';
import { TextTable, type TableCell, type TableColumn } from './text-table.js';
import { signColor } from './theme.js';

const COLUMNS: readonly TableColumn[] = [
  { key: 'symbol', header: 'Symbol', align: 'left', rank: 0 },
  { key: 'qty', header: 'Qty', align: 'right', rank: 2 },
  { key: 'avg', header: 'Avg', align: 'right', rank: 6 },
  { key: 'last', header: 'Last', align: 'right', rank: 5 },
  { key: 'value', header: 'Value', align: 'right', rank: 3 },
  { key: 'pnl', header: 'Unreal P&L', align: 'right', rank: 1 },
  { key: 'weight', header: 'Wt%', align: 'right', rank: 4 },
];

/** With room, a summary line (cash, realized, trades) sits above the table header. */
function hasSummary(innerHeight: number): boolean {
  return innerHeight >= 3;
}

/** Position rows that fit under the summary and header. */
export function positionRowsVisible(innerHeight: number): number {
  return Math.max(0, innerHeight - (hasSummary(innerHeight) ? 2 : 1));
}

function formatQty(qty: number): string {
  return Number.isInteger(qty) ? String(qty) : qty.toFixed(4);
}

function toCells(p: PositionView): TableCell[] {
  return [
    { text: p.symbol },
    { text: formatQty(p.qty) },
    { text: formatMoney(p.avgPrice) },
    { text: formatMoney(p.lastPrice) },
    { text: formatMoney(p.marketValue) },
    { text: formatSignedMoney(p.unrealizedPnl), color: signColor(p.unrealizedPnl) },
    { text: `${(p.weight * 100).toFixed(1)}%` },
  ];
}

/** The columns, the one sorted on marked `↓` (`↑` for symbols, A to Z). */
function sortedColumns(sort: PositionSort): readonly TableColumn[] {
  return COLUMNS.map((c) => (c.key === sort ? { ...c, header: `${c.header}${sort === 'symbol' ? '↑' : '↓'}` } : c));
}

export interface PositionsPanelProps {
  /** In the order shown (sorted by `sort`). */
  readonly positions: readonly PositionView[];
  readonly sort?: PositionSort;
  /** The selected row, highlighted while the panel has the focus. */
  readonly cursor?: number;
  readonly cash: number;
  readonly realizedPnl: number;
  readonly trades: number;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

function PositionsPanelView(props: PositionsPanelProps): ReactNode {
  const { positions, scroll, width, height, focused, sort = 'value', cursor } = props;
  const columns = useMemo(() => sortedColumns(sort), [sort]);
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const rows = useMemo(() => positions.map(toCells), [positions]);
  const visible = positionRowsVisible(innerHeight);
  const first = Math.min(scroll, Math.max(0, rows.length - visible));
  return (
    <Panel title="Positions" width={width} height={height} focused={focused}>
      {hasSummary(innerHeight) && (
        <SegmentLine
          width={innerWidth}
          segments={[
            { key: 'count', text: `${positions.length} open`, rank: 0 },
            { key: 'cash', text: `cash ${formatMoney(props.cash)}`, rank: 1 },
            {
              key: 'realized',
              text: `realized ${formatSignedMoney(props.realizedPnl)}`,
              rank: 2,
              color: signColor(props.realizedPnl),
            },
            { key: 'trades', text: `${props.trades} trades`, rank: 3, dim: true },
            { key: 'sort', text: `by ${SORT_LABELS[sort]}`, rank: 5, dim: true },
            ...(rows.length > visible
              ? [{ key: 'range', text: rowRange(first, visible, rows.length), rank: 4, dim: true }]
              : []),
          ]}
        />
      )}
      {rows.length === 0 ? (
        <Text wrap="truncate" dimColor>
          no open positions
        </Text>
      ) : (
        <TextTable
          columns={columns}
          rows={rows}
          firstRow={first}
          rowCount={visible}
          width={innerWidth}
          selected={focused ? cursor : undefined}
        />
      )}
    </Panel>
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const PositionsPanel = memo(PositionsPanelView);
