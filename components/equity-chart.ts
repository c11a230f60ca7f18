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
  // One row step cannot hold data on both sides of zero from a multiple of itself: the search below would never end.
  if (!(max > min) || rowIntervals < 1 || (rowIntervals === 1 && min < 0 && max > 0)) return chartBounds(min, max);
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

/** The smallest difference labels show: a dollar when they are whole money, a cent otherwise. */
function labelStep(wide: boolean): number {
  return wide ? 1 : 0.01;
}

function axisLabel(value: number, wide: boolean): string {
  // A label that rounds to zero reads 0, not -0 (asciichart's labels of a scale from 0 can come out at -1e-17).
  const shown = Math.abs(value) < labelStep(wide) / 2 ? 0 : value;
  return wide ? formatWholeMoney(shown) : shown.toFixed(2);
}

/** The tallest chart (rows) a flat series' labels are sure to fit the width chartLayout gives them. */
const FLAT_SCALE_ROWS = 200;

/** A flat series is drawn at the middle of a scale of about its value ± 0.1%. */
const FLAT_HALF_SPAN = 0.001;

/**
 * How far a flat series' scale can reach from its value at any chart height up to FLAT_SCALE_ROWS
 * (see flatScale: its row step is at most twice the raw one or the labels' smallest step), and whether
 * its labels are whole money.
 */
function flatReach(value: number): { reach: number; wide: boolean } {
  const half = Math.abs(value) * FLAT_HALF_SPAN;
  const narrow = Math.max(4 * half, labelStep(false) * FLAT_SCALE_ROWS);
  const wide = Math.abs(value) + narrow >= 1000;
  return { reach: Math.max(4 * half, labelStep(wide) * FLAT_SCALE_ROWS), wide };
}

/**
 * The scale of a chart of `rowIntervals` (rows - 1) rows over a flat series at `value`: about the value
 * ± 0.1%, each row a round step (as rowScale's) and a whole number of the labels' smallest step (so no
 * two read the same and they read evenly spaced), with `level`, the value as its label shows it, on
 * the middle row. A series not below zero (prices) gets no negative labels.
 */
function flatScale(value: number, rowIntervals: number, wide: boolean): { min: number; max: number; level: number } {
  const resolution = labelStep(wide);
  const raw = Math.max((2 * Math.abs(value) * FLAT_HALF_SPAN) / rowIntervals, resolution);
  let step = Infinity;
  for (let power = 10 ** Math.floor(Math.log10(raw)); step === Infinity; power *= 10)
    for (const multiple of ROW_STEPS) {
      const candidate = multiple * power;
      const labelSteps = candidate / resolution;
      // Whole label steps, so the labels are evenly spaced as they read.
      if (candidate >= raw * (1 - 1e-9) && Math.abs(labelSteps - Math.round(labelSteps)) < 1e-6) {
        step = Math.round(labelSteps) * resolution;
        break;
      }
    }
  const level = Math.round(value / resolution) * resolution;
  let min = level - Math.floor(rowIntervals / 2) * step;
  if (value >= 0 && min < 0) min = level - Math.floor(level / step) * step;
  return { min, max: min + rowIntervals * step, level };
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
  if (min === max) {
    // A flat series: its own scale (flatScale), as far as it can reach.
    const { reach, wide } = flatReach(min);
    const low = min >= 0 ? Math.max(0, min - reach) : min - reach;
    const labelWidth = Math.max(axisLabel(low, wide).length, axisLabel(min + reach, wide).length);
    return { labelWidth, wide, bounds, dataMin: min, dataMax: max };
  }
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
  let scale: { min: number; max: number };
  if (dataMin === dataMax) {
    // Drawn at the level its row's label names, so rounding cannot put the line a row off it.
    const flat = flatScale(dataMin, rows - 1, wide);
    points.fill(flat.level);
    scale = flat;
  } else scale = rowScale(dataMin, dataMax, rows - 1);
  const chart = plot(points, {
    min: scale.min,
    max: scale.max,
    height: rows - 1,
    offset: 2,
    format: (x: number) => axisLabel(x, wide).padStart(labelWidth),
  });
  const lines = chart.split('\n').map((line) => line.trimEnd().slice(0, width));
  // Every scale has `rows` rows; pad should asciichart ever draw fewer, so the panel keeps its shape.
  while (lines.length < rows) lines.unshift('');
  return lines.slice(-rows);
}

export function renderEquitySparkline(window: Float64Array, width: number): string {
  return sparkline(downsampleMinMax(window, width));
}
