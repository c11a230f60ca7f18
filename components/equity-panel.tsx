import { memo, useMemo, type ReactNode } from 'react';
import { Text } from 'ink';
import type { EquityView } from '../src/engine/snapshot.js';
import { MIN_CHART_ROWS, renderEquityChart, renderEquitySparkline, zoomWindow } from './equity-chart.js';
import { formatDuration, formatMoney, formatSignedMoney, formatSignedPercent } from '../src/core/format.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { SegmentLine } from './segment-line.js';
import { plottedTimes, renderTimeChart } from './time-chart.js';
import { LOSS_COLOR, signColor } from './theme.js';

export interface EquityPanelProps {
  readonly equity: EquityView;
  /** The number of the newest point (the iteration), which anchors the chart's buckets. */
  readonly lastIndex: number;
  /** Newest points shown (Infinity: all). */
  readonly points: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

function EquityPanelView({ equity, lastIndex, points, width, height, focused }: EquityPanelProps): ReactNode {
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const graphRows = innerHeight - 1;
  const asChart = graphRows >= MIN_CHART_ROWS;

  const window = useMemo(() => zoomWindow(equity.values, points), [equity.values, points]);
  // The points' times, when every point in the window has one (non-finite values are left out of it).
  const windowTimes = useMemo(
    () =>
      equity.times.length === equity.values.length
        ? equity.times.subarray(equity.times.length - Math.min(equity.times.length, points))
        : undefined,
    [equity.times, equity.values.length, points],
  );
  // Which sides were filled in each point's span, where the snapshot knows.
  const windowFillSides = useMemo(
    () =>
      equity.fillSides !== undefined && equity.fillSides.length === equity.values.length
        ? equity.fillSides.subarray(equity.fillSides.length - Math.min(equity.fillSides.length, points))
        : undefined,
    [equity.fillSides, equity.values.length, points],
  );
  const timed = windowTimes !== undefined && windowTimes.length === window.length;
  // The axis takes a row only when the plot keeps a y-scale of MIN_CHART_ROWS + 1 rows above it.
  const withAxis = timed && graphRows - 1 > MIN_CHART_ROWS;
  const graph = useMemo(
    () =>
      withAxis
        ? renderTimeChart(
            windowTimes,
            window,
            innerWidth,
            graphRows,
            windowFillSides === undefined ? [] : { fillSides: windowFillSides },
            lastIndex,
          )
        : asChart
          ? renderEquityChart(window, innerWidth, graphRows, lastIndex)
          : graphRows >= 1
            ? [renderEquitySparkline(window, innerWidth)]
            : [],
    [window, windowTimes, windowFillSides, withAxis, innerWidth, graphRows, asChart, lastIndex],
  );
  // The span named in the title: from the first point plotted to the newest, in market time.
  const shownTimes = useMemo(
    () =>
      !timed || window.length < 2
        ? []
        : asChart
          ? plottedTimes(windowTimes, window, innerWidth, lastIndex)
          : [windowTimes[0] as number, windowTimes[windowTimes.length - 1] as number],
    [timed, windowTimes, window, innerWidth, asChart, lastIndex],
  );

  return (
    <Panel title="Equity" width={width} height={height} focused={focused}>
      <EquityStats equity={equity} points={points} shown={window.length} shownTimes={shownTimes} width={innerWidth} />
      {graph.length === 0 && graphRows >= 1 ? (
        <Text wrap="truncate" dimColor>
          waiting for equity points…
        </Text>
      ) : (
        graph.map((line, i) => (
          <Text key={i} wrap="truncate" color={asChart ? undefined : signColor(equity.current - equity.start)}>
            {line}
          </Text>
        ))
      )}
    </Panel>
  );
}

interface EquityStatsProps {
  readonly equity: EquityView;
  readonly points: number;
  readonly shown: number;
  /** Times of the points plotted, oldest first. */
  readonly shownTimes: readonly number[];
  readonly width: number;
}

function EquityStats({ equity, points, shown, shownTimes, width }: EquityStatsProps): ReactNode {
  const change = equity.current - equity.start;
  const changeFraction = equity.start !== 0 ? change / equity.start : 0;
  const first = shownTimes[0];
  const last = shownTimes[shownTimes.length - 1];
  const span = first !== undefined && last !== undefined && last > first ? ` ${formatDuration(last - first)}` : '';
  const view = Number.isFinite(points) ? `view ${shown}/${equity.values.length}${span}` : `view all ${shown}${span}`;

  return (
    <SegmentLine
      width={width}
      segments={[
        { key: 'current', text: formatMoney(equity.current), rank: 0, bold: true },
        { key: 'pct', text: formatSignedPercent(changeFraction), rank: 0, color: signColor(change) },
        { key: 'money', text: `(${formatSignedMoney(change)})`, rank: 3, color: signColor(change) },
        { key: 'dd', text: `maxDD ${formatSignedPercent(-Math.abs(equity.maxDrawdown))}`, rank: 2, color: LOSS_COLOR },
        { key: 'view', text: view, rank: 1, dim: true },
      ]}
    />
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const EquityPanel = memo(EquityPanelView);
