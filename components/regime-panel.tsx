import { memo, type ReactNode } from 'react';
import { Text } from 'ink';
import { REGIME_NAMES, type StrategyParams } from '../src/core/regime-types.js';
import type { RegimeView } from '../src/engine/snapshot.js';
import { formatDuration, formatPercent, formatTimeOfDay } from '../src/core/format.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { SegmentLine } from './segment-line.js';
import { REGIME_COLORS, REGIME_LETTERS } from './theme.js';

/** Inner rows the panel can fill: current, history strip, parameters, last change, legend. */
export const REGIME_CONTENT_ROWS = 5;

export interface RegimePanelProps {
  readonly regime: RegimeView;
  readonly marketTime: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

function RegimePanelView({ regime, marketTime, width, height, focused }: RegimePanelProps): ReactNode {
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const lines: ReactNode[] = [
    <CurrentRegime key="current" regime={regime} marketTime={marketTime} width={innerWidth} />,
    <RegimeStrip key="strip" regime={regime} width={innerWidth} />,
    <ParamsLine key="params" params={regime.params} width={innerWidth} />,
    <LastChange key="last" regime={regime} width={innerWidth} />,
    <RegimeLegend key="legend" width={innerWidth} />,
  ];
  return (
    <Panel title="Regime" width={width} height={height} focused={focused}>
      {lines.slice(0, innerHeight)}
    </Panel>
  );
}

function CurrentRegime({
  regime,
  marketTime,
  width,
}: {
  regime: RegimeView;
  marketTime: number;
  width: number;
}): ReactNode {
  return (
    <SegmentLine
      width={width}
      segments={[
        { key: 'name', text: regime.current.toUpperCase(), rank: 0, bold: true, color: REGIME_COLORS[regime.current] },
        { key: 'confidence', text: formatPercent(regime.confidence), rank: 0 },
        {
          key: 'for',
          text:
            marketTime - regime.since < 1000 ? 'since this bar' : `for ${formatDuration(marketTime - regime.since)}`,
          rank: 1,
        },
        { key: 'bars', text: `${regime.bars} bar${regime.bars === 1 ? '' : 's'}`, rank: 2, dim: true },
      ]}
    />
  );
}

/** One cell per regime change, newest on the right; as many as fit. */
function RegimeStrip({ regime, width }: { regime: RegimeView; width: number }): ReactNode {
  const prefix = 'recent ';
  const cells = regime.history.slice(-Math.max(0, width - prefix.length));
  if (cells.length === 0) {
    return (
      <Text wrap="truncate" dimColor>
        no regime changes yet
      </Text>
    );
  }
  return (
    <Text wrap="truncate">
      <Text dimColor>{prefix}</Text>
      {cells.map((change, i) => (
        <Text key={i} color="black" backgroundColor={REGIME_COLORS[change.to]}>
          {REGIME_LETTERS[change.to]}
        </Text>
      ))}
    </Text>
  );
}

function ParamsLine({ params, width }: { params: StrategyParams; width: number }): ReactNode {
  return (
    <SegmentLine
      width={width}
      segments={[
        { key: 'style', text: params.style, rank: 0, bold: true },
        { key: 'gross', text: `gross≤${formatPercent(params.maxGrossExposure)}`, rank: 0 },
        { key: 'entry', text: `entry ${params.entryThreshold.toFixed(2)}σ`, rank: 1 },
        { key: 'exit', text: `exit ${params.exitThreshold.toFixed(2)}σ`, rank: 1 },
      ]}
    />
  );
}

function LastChange({ regime, width }: { regime: RegimeView; width: number }): ReactNode {
  const last = regime.history[regime.history.length - 1];
  if (last === undefined) return <Text> </Text>;
  return (
    <SegmentLine
      width={width}
      segments={[
        { key: 'label', text: 'last change', rank: 1, dim: true },
        { key: 'time', text: formatTimeOfDay(last.time), rank: 0 },
        { key: 'from', text: last.from, rank: 0, color: REGIME_COLORS[last.from] },
        { key: 'arrow', text: '→', rank: 0 },
        { key: 'to', text: last.to, rank: 0, color: REGIME_COLORS[last.to] },
        { key: 'confidence', text: `(${formatPercent(last.confidence)})`, rank: 2 },
      ]}
      separator=" "
    />
  );
}

function RegimeLegend({ width }: { width: number }): ReactNode {
  return (
    <SegmentLine
      width={width}
      separator=" "
      segments={REGIME_NAMES.map((name, i) => ({
        key: name,
        text: `${REGIME_LETTERS[name]}=${name}`,
        rank: i,
        color: REGIME_COLORS[name],
      }))}
    />
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const RegimePanel = memo(RegimePanelView);
