/**
 * Reduces `values` to at most `maxPoints` points for drawing, keeping spikes: the values are cut into
 * buckets and each bucket contributes its minimum and its maximum, in the order they occur.
 */
export function downsampleMinMax(values: ArrayLike<number>, maxPoints: number): number[] {
  const length = values.length;
  const limit = Math.max(0, Math.floor(maxPoints));
  if (length <= limit) return Array.from(values);
  if (limit === 0) return [];
  if (limit === 1) return [values[length - 1] as number];

  const buckets = Math.floor(limit / 2);
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * length) / buckets);
    const to = Math.floor(((b + 1) * length) / buckets);
    let minIndex = from;
    let maxIndex = from;
    for (let i = from + 1; i < to; i++) {
      const v = values[i] as number;
      if (v < (values[minIndex] as number)) minIndex = i;
      if (v > (values[maxIndex] as number)) maxIndex = i;
    }
    if (minIndex === maxIndex) {
      out.push(values[minIndex] as number);
    } else if (minIndex < maxIndex) {
      out.push(values[minIndex] as number, values[maxIndex] as number);
    } else {
      out.push(values[maxIndex] as number, values[minIndex] as number);
    }
  }
  return out;
}
