/**
 * A line chart over time: the asciichart plot, a row of marks (fills) where any fall in the window,
 * and a time axis under it.
 */
import { downsampleMinMaxAnchored } from './downsample.js';
import { chartLayout, renderEquityChart } from './equity-chart.js';
import { marksLine, timeAxisLine, type AxisMark } from './time-axis.js';

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
): string[] {
  if (values.length < 2 || times.length !== values.length) return [];
  const { labelWidth } = chartLayout(values);
  const lastIndex = values.length - 1;
  const columns = downsampleMinMaxAnchored(values, width - labelWidth - 1, lastIndex).length;
  const indent = ' '.repeat(labelWidth + 1);
  const marked = marks.length === 0 ? '' : marksLine(marks, times, columns);
  const withMarks = marked.trim() !== '' && rows >= 5;
  const axisRows = rows >= 4 ? 1 : 0;
  const plotRows = rows - axisRows - (withMarks ? 1 : 0);
  const plot = renderEquityChart(values, width, plotRows, lastIndex);
  if (plot.length === 0) return [];
  const under: string[] = [];
  if (withMarks) under.push((indent + marked).trimEnd());
  if (axisRows > 0) under.push((indent + timeAxisLine(times, columns)).trimEnd().slice(0, width));
  return [...plot, ...under];
}
