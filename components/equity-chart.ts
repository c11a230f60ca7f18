import { plot } from 'asciichart';
import { downsampleMinMax } from './downsample.js';
import { formatWholeMoney } from '../src/core/format.js';
import { sparkline } from './sparkline.js';

/** Charts need at least this many rows; below it the panel draws a sparkline. */
export const MIN_CHART_ROWS = 5;

/** The newest `points` (Infinity: all; a view, not a copy), finite values only. */
export function zoomWindow(values: Float64Array, points: number): Float64Array {
  const count = Math.min(values.length, points);
  const window = values.subarray(values.length - count);
  return window.every(Number.isFinite) ? window : window.filter(Number.isFinite);
}

function axisLabel(value: number, wide: boolean): string {
  return wide ? formatWholeMoney(value) : value.toFixed(2);
}

/** Where a chart of `window` puts its data: after the y-axis labels, one column per plotted point. */
export function chartLayout(window: ArrayLike<number>): { labelWidth: number; wide: boolean } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < window.length; i++) {
    const v = window[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const wide = Math.max(Math.abs(min), Math.abs(max)) >= 1000;
  const labelWidth = Math.max(axisLabel(min, wide).length, axisLabel(max, wide).length);
  return { labelWidth, wide };
}

/** Lines of an asciichart line chart at most `width` columns wide and exactly `rows` tall (or empty). */
export function renderEquityChart(window: Float64Array, width: number, rows: number): string[] {
  if (window.length < 2 || rows < 2) return [];
  const { labelWidth, wide } = chartLayout(window);
  // Each row is label, axis, then one column per point.
  const points = downsampleMinMax(window, width - labelWidth - 1);
  if (points.length < 2) return [];
  const chart = plot(points, {
    height: rows - 1,
    offset: 2,
    format: (x: number) => axisLabel(x, wide).padStart(labelWidth),
  });
  const lines = chart.split('\n').map((line) => line.trimEnd().slice(0, width));
  // A flat series is drawn on one row; pad so the panel keeps its shape.
  while (lines.length < rows) lines.unshift('');
  return lines.slice(-rows);
}

export function renderEquitySparkline(window: Float64Array, width: number): string {
  return sparkline(downsampleMinMax(window, width));
}
