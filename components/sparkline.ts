const LEVELS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled between the values' own minimum and maximum. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const top = LEVELS.length - 1;
  let out = '';
  for (const v of values) {
    const level = range > 0 ? Math.round(((v - min) / range) * top) : Math.floor(top / 2);
    out += LEVELS[level] ?? '';
  }
  return out;
}
