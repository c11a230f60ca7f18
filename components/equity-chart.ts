import { plot } from 'asciichart';
import { downsampleMinMax, downsampleMinMaxAnchored } from './downsample.js';
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

/** 1, 2, 2.5 or 5 times a power of ten: the smallest at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const multiple of [1, 2, 2.5, 5]) if (multiple * power >= raw) return multiple * power;
  return 10 * power;
}

/**
 * The y-scale: the data's range widened to a grid of about a quarter of it. A new high or low moves
 * the scale (and so every row of the chart) only when it crosses a grid line, not at every point.
 */
export function chartBounds(min: number, max: number): { min: number; max: number } {
  if (!(max > min)) return { min, max };
  const step = niceStep((max - min) / 4);
  return { min: Math.floor(min / step) * step, max: Math.ceil(max / step) * step };
}

const ROW_STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/**
 * The scale of a chart of `rowIntervals` (rows - 1) rows over data from `min` to `max`: each row a
 * round step (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) and the bottom a multiple of
 * it, so every label is round; the smallest such step that holds the data, so the data fills the chart.
 */
export function rowScale(min: number, max: number, rowIntervals: number): { min: number; max: number } {
  if (!(max > min) || rowIntervals < 1) return chartBounds(min, max);
  const raw = (max - min) / rowIntervals;
  let power = 10 ** Math.floor(Math.log10(raw));
  for (;;) {
    for (const multiple of ROW_STEPS) {
      const step = multiple * power;
      if (step < raw) continue;
      const low = Math.floor(min / step) * step;
      if (low + step * rowIntervals >= max) return { min: low, max: low + step * rowIntervals };
    }
    power *= 10;
  }
}

function axisLabel(value: number, wide: boolean): string {
  return wide ? formatWholeMoney(value) : value.toFixed(2);
}

/** Where a chart of `window` puts its data: after the y-axis labels, one column per plotted point. */
export function chartLayout(window: ArrayLike<number>): {
  labelWidth: number;
  wide: boolean;
  bounds: { min: number; max: number };
  dataMin: number;
  dataMax: number;
} {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < window.length; i++) {
    const v = window[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const bounds = chartBounds(min, max);
  // The widest top a chart of any height can get (a nice row step is under twice the raw one), so
  // the labels' width, and where the data starts, do not depend on the chart's rows.
  const top = bounds.min + 2 * (bounds.max - bounds.min);
  const wide = Math.max(Math.abs(bounds.min), Math.abs(top)) >= 1000;
  const labelWidth = Math.max(axisLabel(bounds.min, wide).length, axisLabel(top, wide).length);
  return { labelWidth, wide, bounds, dataMin: min, dataMax: max };
}

/**
 * Lines of an asciichart line chart at most `width` columns wide and exactly `rows` tall (or empty).
 * `lastIndex` numbers the newest point (the iteration): buckets stay put as points come and go.
 */
export function renderEquityChart(window: Float64Array, width: number, rows: number, lastIndex: number): string[] {
  if (window.length < 2 || rows < 2) return [];
  const { labelWidth, wide, dataMin, dataMax } = chartLayout(window);
  // Each row is label, axis, then one column per point.
  const points = downsampleMinMaxAnchored(window, width - labelWidth - 1, lastIndex);
  if (points.length < 2) return [];
  const scale = rowScale(dataMin, dataMax, rows - 1);
  const chart = plot(points, {
    min: scale.min,
    max: scale.max,
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
