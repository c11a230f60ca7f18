/**
 * A line chart over time: the asciichart plot, a row of marks (fills) where any fall in the window,
 * and a time axis under it.
 */
import { downsampleMinMaxAnchored } from './downsample.js';
import { chartLayout, renderEquityChart } from './equity-chart.js';
import { marksLine, timeAxisLine, type AxisMark } from './time-axis.js';

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
  const { labelWidth } = chartLayout(values);
  const sources: number[] = [];
  downsampleMinMaxAnchored(values, width - labelWidth - 1, lastIndex, sources);
  return sources.map((i) => times[i] as number);
}

/**
 * Exactly `rows` lines at most `width` wide (or none when there is too little to draw): the plot, the
 * marks row when a mark falls in the window, the axis. `times[i]` is the time of `values[i]`.
 */
export function renderTimeChart(
  times: ArrayLike<number>,
  values: Float64Array,
  width: number,
  rows: number,
  marks: readonly AxisMark[] = [],
  lastIndex: number = values.length - 1,
): string[] {
  if (values.length < 2 || times.length !== values.length) return [];
  const { labelWidth } = chartLayout(values);
  const columnTimes = plottedTimes(times, values, width, lastIndex);
  const columns = columnTimes.length;
  const indent = ' '.repeat(labelWidth + 1);
  const marked = marks.length === 0 ? '' : marksLine(marks, times, columns);
  const withMarks = marked.trim() !== '' && rows >= 5;
  const axisRows = rows >= 4 ? 1 : 0;
  const plotRows = rows - axisRows - (withMarks ? 1 : 0);
  const plot = renderEquityChart(values, width, plotRows, lastIndex);
  if (plot.length === 0) return [];
  const under: string[] = [];
  if (withMarks) under.push((indent + marked).trimEnd());
  if (axisRows > 0) under.push((indent + timeAxisLine(columnTimes, columns)).trimEnd().slice(0, width));
  return [...plot, ...under];
}
