/**
 * A time axis under a chart whose columns each stand for a share of a window of points, and the marks
 * of happenings (fills) along it. Times are UTC, as everywhere on the screen.
 */
import { DAY_MS } from '../src/core/units.js';

const pad2 = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const dayOf = (time: number): number => Math.floor(time / DAY_MS);
const dateLabel = (time: number): string => {
  const d = new Date(time);
  return `${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())}`;
};

/**
 * A label for each time, given the one labelled before it (NaN for the first): times of day within two
 * days (the date where the day changes), dates beyond, months beyond 300 days.
 */
export function axisLabelFormat(spanMs: number): (time: number, previous: number) => string {
  if (spanMs < 2 * DAY_MS) {
    return (time, previous) => {
      if (!Number.isNaN(previous) && dayOf(previous) !== dayOf(time)) return dateLabel(time);
      const d = new Date(time);
      return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
    };
  }
  if (spanMs < 300 * DAY_MS) return (time) => dateLabel(time);
  return (time) => {
    const d = new Date(time);
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}`;
  };
}

/** The point of the window (index into `times`) a column stands for. */
export function pointOfColumn(column: number, columns: number, points: number): number {
  if (columns <= 1 || points <= 1) return Math.max(0, points - 1);
  return Math.round((column / (columns - 1)) * (points - 1));
}

/** The column a time falls in, or −1 outside the window. */
export function columnOfTime(time: number, times: ArrayLike<number>, columns: number): number {
  const n = times.length;
  if (n === 0 || columns <= 0) return -1;
  const first = times[0] as number;
  const last = times[n - 1] as number;
  if (time < first || time > last) return -1;
  if (n === 1) return 0;
  // The first point at or after the time.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < time) lo = mid + 1;
    else hi = mid;
  }
  return Math.round((lo / (n - 1)) * (columns - 1));
}

/**
 * `columns` characters of labels: the first at the left edge, then as many as fit with at least two
 * spaces between, each starting at the column of the time it names.
 */
export function timeAxisLine(times: ArrayLike<number>, columns: number): string {
  const n = times.length;
  if (n < 2 || columns < 5) return ''.padEnd(Math.max(0, columns));
  const label = axisLabelFormat((times[n - 1] as number) - (times[0] as number));
  const line = new Array<string>(columns).fill(' ');
  // Room for the widest label (a date, `Mar 04`) and two spaces.
  const step = 9;
  let lastEnd = -Infinity;
  let lastText = '';
  let previous = Number.NaN;
  for (let column = 0; column + 5 <= columns; column += step) {
    const time = times[pointOfColumn(column, columns, n)] as number;
    const text = label(time, previous);
    if (text === lastText || column < lastEnd + 2 || column + text.length > columns) continue;
    [...text].forEach((ch, i) => (line[column + i] = ch));
    lastEnd = column + text.length;
    lastText = text;
    previous = time;
  }
  return line.join('');
}

export interface AxisMark {
  readonly time: number;
  /** One character: `▲` a buy, `▼` a sell. */
  readonly glyph: string;
}

/** `columns` characters with each mark at its time's column; two marks in one column show `◆`. */
export function marksLine(marks: readonly AxisMark[], times: ArrayLike<number>, columns: number): string {
  const line = new Array<string>(Math.max(0, columns)).fill(' ');
  for (const mark of marks) {
    const column = columnOfTime(mark.time, times, columns);
    if (column < 0) continue;
    const there = line[column];
    line[column] = there === ' ' || there === mark.glyph ? mark.glyph : '◆';
  }
  return line.join('');
}
