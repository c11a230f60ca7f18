import { Fragment, memo, type ReactNode } from 'react';
import { Text } from 'ink';
import { REGIME_NAMES, type StrategyParams } from '../src/core/regime-types.js';
import type { RegimeTruthView, RegimeView } from '../src/engine/snapshot.js';
import { formatMarketMinutes, formatPercent, formatTimeOfDay } from '../src/core/format.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { SegmentLine } from './segment-line.js';
import { segmentsLength, type LineSegment } from './text-fit.js';
import { REGIME_COLORS, REGIME_LETTERS } from './theme.js';

/**
 * Inner rows the panel can fill: current, the four posteriors as bars (the legend where there are
 * none, e.g. an older run in watch), history strip, parameters, then the score against the
 * simulator's truth (else the last change).
 */
export const REGIME_CONTENT_ROWS = 5;

/** Between the segments of a line. */
const SEPARATOR = '  ';

/** A regime held with less probability than this is shown as `low confidence`. */
export const LOW_CONFIDENCE = 0.5;

export interface RegimePanelProps {
  readonly regime: RegimeView;
  /** Market minutes per bar: durations are counted in bars and shown as the market time they span. */
  readonly barMinutes: number | undefined;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

function RegimePanelView({ regime, barMinutes, width, height, focused }: RegimePanelProps): ReactNode {
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const innerHeight = Math.max(0, height - PANEL_FRAME_ROWS);
  const lines: ReactNode[] = [
    <CurrentRegime key="current" regime={regime} barMinutes={barMinutes} width={innerWidth} />,
    regime.posterior === undefined ? (
      <RegimeLegend key="legend" width={innerWidth} />
    ) : (
      <PosteriorBars key="posterior" posterior={regime.posterior} width={innerWidth} />
    ),
    <RegimeStrip key="strip" regime={regime} width={innerWidth} />,
    <ParamsLine key="params" params={regime.params} width={innerWidth} />,
    regime.truth === undefined ? (
      <LastChange key="last" regime={regime} width={innerWidth} />
    ) : (
      <TruthLine key="truth" truth={regime.truth} width={innerWidth} />
    ),
  ];
  return (
    <Panel title="Regime" width={width} height={height} focused={focused}>
      {lines.slice(0, innerHeight)}
    </Panel>
  );
}

/**
 * `16 bars · 4h`: a count of bars and the market time they span (nights and weekends do not count, as
 * they would in the clock time between two bars), or the count alone where the bar length is unknown.
 */
export function barsInMarketTime(bars: number, barMinutes: number | undefined): string {
  const whole = Math.round(bars);
  const count = `${whole.toLocaleString('en-US')} bar${whole === 1 ? '' : 's'}`;
  return barMinutes === undefined ? count : `${count} · ${formatMarketMinutes(whole * barMinutes)}`;
}

/** The expected bars left as the market time they span (`3h`), or as bars where the bar length is unknown. */
function remainingText(bars: number, barMinutes: number | undefined): string {
  if (barMinutes === undefined) return barsInMarketTime(bars, undefined);
  return formatMarketMinutes(Math.round(bars) * barMinutes);
}

function CurrentRegime({
  regime,
  barMinutes,
  width,
}: {
  regime: RegimeView;
  barMinutes: number | undefined;
  width: number;
}): ReactNode {
  if (regime.learning === true) {
    return (
      <SegmentLine
        width={width}
        segments={[
          { key: 'name', text: 'LEARNING', rank: 0, bold: true },
          { key: 'what', text: 'too little history for a model; prior in use', rank: 1, dim: true },
        ]}
      />
    );
  }
  const remaining = regime.expectedRemainingBars;
  const segments: LineSegment[] = [
    { key: 'name', text: regime.current.toUpperCase(), rank: 0, bold: true, color: REGIME_COLORS[regime.current] },
    { key: 'confidence', text: formatPercent(regime.confidence), rank: 0 },
    // Below this the regime is the likeliest of four, not a verdict: say so.
    ...(regime.confidence < LOW_CONFIDENCE
      ? [{ key: 'unsure', text: 'low confidence', rank: 0, color: 'yellow' }]
      : []),
    {
      key: 'for',
      text: regime.bars <= 1 ? 'since this bar' : `for ${barsInMarketTime(regime.bars, barMinutes)}`,
      rank: 1,
    },
    ...(remaining === undefined || !Number.isFinite(remaining)
      ? []
      : [{ key: 'left', text: `~${remainingText(remaining, barMinutes)} left`, rank: 2 }]),
  ];
  // Short of room, the time in the regime without its count of bars keeps the time left on the line.
  const forIndex = segments.findIndex((s) => s.key === 'for');
  const compact = segments.map((s, i) =>
    i === forIndex && regime.bars > 1 && barMinutes !== undefined
      ? { ...s, text: `for ${formatMarketMinutes(regime.bars * barMinutes)}` }
      : s,
  );
  const fits = (list: readonly LineSegment[]): boolean => segmentsLength(list, SEPARATOR) <= width;
  return (
    <SegmentLine width={width} separator={SEPARATOR} segments={fits(segments) || !fits(compact) ? segments : compact} />
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

const BAR_EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `fraction` × `cells` character cells, in eighths. */
function bar(fraction: number, cells: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * cells * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + (BAR_EIGHTHS[eighths % 8] as string);
}

/** P(regime) for the four regimes: letter, bar, percent; the bars share what width is left. */
function PosteriorBars({ posterior, width }: { posterior: readonly number[]; width: number }): ReactNode {
  // Per regime: letter, space, bar, space, "100%", gap.
  const cells = Math.max(1, Math.floor(width / REGIME_NAMES.length) - 8);
  return (
    <Text wrap="truncate">
      {REGIME_NAMES.map((name, i) => {
        const p = posterior[i] ?? 0;
        return (
          <Fragment key={name}>
            <Text color={REGIME_COLORS[name]} bold>
              {REGIME_LETTERS[name]}
            </Text>
            <Text color={REGIME_COLORS[name]}>{` ${bar(p, cells).padEnd(cells)}`}</Text>
            {` ${formatPercent(p).padStart(4)}${i < REGIME_NAMES.length - 1 ? ' ' : ''}`}
          </Fragment>
        );
      })}
    </Text>
  );
}

/** The simulator's true regime now and how often the regime in force has been right. */
function TruthLine({ truth, width }: { truth: RegimeTruthView; width: number }): ReactNode {
  return (
    <SegmentLine
      width={width}
      separator=" "
      segments={[
        { key: 'label', text: 'truth:', rank: 0, dim: true },
        { key: 'now', text: truth.current, rank: 0, color: REGIME_COLORS[truth.current] },
        {
          key: 'score',
          text:
            truth.bars === 0
              ? '· not scored yet'
              : `· ${formatPercent(truth.right / truth.bars)} right over ${truth.bars.toLocaleString('en-US')} bars`,
          rank: 0,
        },
      ]}
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
