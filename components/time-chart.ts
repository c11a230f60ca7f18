/**
 * A line chart over time: the asciichart plot, a row of marks (fills) where any fall in the window,
 * and a time axis under it.
 */
import { downsampleMinMaxAnchored, type PlottedPoints } from './downsample.js';
import { chartLayout, MIN_CHART_ROWS, renderEquityChart } from './equity-chart.js';
import { FILL_BUY, FILL_SELL } from '../src/engine/equity-series.js';
import { marksLine, timeAxisLine, type AxisMark } from './time-axis.js';

/** Buys, sells, both in one column's span. */
export const BUY_MARK = '▲';
export const SELL_MARK = '▼';
export const BOTH_MARK = '◆';

/** What the marks row shows. */
export type ChartMarks =
  /** Marks at times (a symbol's fills): the row is drawn only when one falls in the window. */
  | readonly AxisMark[]
  /**
   * Per point of the window, the sides filled in its span (the equity chart's fills): the row is
   * drawn whenever the plot keeps a y-scale of MIN_CHART_ROWS + 1 rows above it and the axis, so
   * the chart does not change height as fills come and go.
   */
  | { readonly fillSides: Uint8Array };

/** Where each column of a chart of `values` at most `width` wide comes from (the same downsampling as the plot). */
function plottedPoints(values: Float64Array, width: number, lastIndex: number): PlottedPoints {
  const { labelWidth } = chartLayout(values);
  const plotted: PlottedPoints = { sources: [], starts: [] };
  downsampleMinMaxAnchored(values, width - labelWidth - 1, lastIndex, plotted);
  return plotted;
}

/**
 * The time of the point each column of a chart of `values` at most `width` wide plots (the same
 * downsampling as the plot, so the axis names the points drawn above it). `lastIndex` numbers the
 * newest point, as for `renderEquityChart`.
 */
export function plottedTimes(
  times: ArrayLike<number>,
  values: Float64Array,
  width: number,
  lastIndex: number = values.length - 1,
): number[] {
  if (values.length < 2 || times.length !== values.length) return [];
  return plottedPoints(values, width, lastIndex).sources.map((i) => times[i] as number);
}

/**
 * One character per column: `▲` where the points the column stands for hold a buy, `▼` a sell, `◆`
 * both, a space none.
 */
export function fillSidesLine(fillSides: Uint8Array, starts: readonly number[]): string {
  let line = '';
  for (let column = 0; column < starts.length; column++) {
    const end = starts[column + 1] ?? fillSides.length;
    let sides = 0;
    for (let point = starts[column] as number; point < end; point++) sides |= fillSides[point] as number;
    line +=
      sides === (FILL_BUY | FILL_SELL)
        ? BOTH_MARK
        : sides === FILL_BUY
          ? BUY_MARK
          : sides === FILL_SELL
            ? SELL_MARK
            : ' ';
  }
  return line;
}

/** `fills` in the y-labels' gutter of the marks row, where it fits. */
function marksGutter(labelWidth: number): string {
  return (labelWidth >= 5 ? 'fills'.padStart(labelWidth) : '').padEnd(labelWidth + 1);
}

/**
 * Exactly `rows` lines at most `width` wide (or none when there is too little to draw): the plot, the
 * marks row (see ChartMarks), the axis. `times[i]` is the time of `values[i]`.
 */
export function renderTimeChart(
  times: ArrayLike<number>,
  values: Float64Array,
  width: number,
  rows: number,
  marks: ChartMarks = [],
  lastIndex: number = values.length - 1,
): string[] {
  if (values.length < 2 || times.length !== values.length) return [];
  const { labelWidth } = chartLayout(values);
  const plotted = plottedPoints(values, width, lastIndex);
  const columnTimes = plotted.sources.map((i) => times[i] as number);
  const columns = columnTimes.length;
  const axisRows = rows >= 4 ? 1 : 0;
  let marked: string;
  let withMarks: boolean;
  if ('fillSides' in marks) {
    withMarks = marks.fillSides.length === values.length && rows - axisRows - 1 > MIN_CHART_ROWS;
    marked = withMarks ? marksGutter(labelWidth) + fillSidesLine(marks.fillSides, plotted.starts) : '';
  } else {
    const line = marks.length === 0 ? '' : marksLine(marks, times, columns);
    withMarks = line.trim() !== '' && rows >= 5;
    marked = ' '.repeat(labelWidth + 1) + line;
  }
  const plotRows = rows - axisRows - (withMarks ? 1 : 0);
  const plot = renderEquityChart(values, width, plotRows, lastIndex);
  if (plot.length === 0) return [];
  const under: string[] = [];
  if (withMarks) under.push(marked.trimEnd().slice(0, width));
  if (axisRows > 0)
    under.push((' '.repeat(labelWidth + 1) + timeAxisLine(columnTimes, columns)).trimEnd().slice(0, width));
  return [...plot, ...under];
}
