/** Pushes a bucket's minimum and maximum in the order they occur (one value if they are one point). */
function emitMinMax(
  values: ArrayLike<number>,
  minIndex: number,
  maxIndex: number,
  out: number[],
  sources?: number[],
): void {
  const first = Math.min(minIndex, maxIndex);
  const second = Math.max(minIndex, maxIndex);
  out.push(values[first] as number);
  sources?.push(first);
  if (second === first) return;
  out.push(values[second] as number);
  sources?.push(second);
}

/**
 * Reduces `values` to at most `maxPoints` points for drawing, keeping spikes: the values are cut into
 * buckets and each bucket contributes its minimum and its maximum, in the order they occur. `sources`,
 * when given, receives the index in `values` of each value returned.
 */
export function downsampleMinMax(values: ArrayLike<number>, maxPoints: number, sources?: number[]): number[] {
  const length = values.length;
  const limit = Math.max(0, Math.floor(maxPoints));
  if (length <= limit) {
    sources?.push(...Array.from({ length }, (_, i) => i));
    return Array.from(values);
  }
  if (limit === 0) return [];
  if (limit === 1) {
    sources?.push(length - 1);
    return [values[length - 1] as number];
  }

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
    emitMinMax(values, minIndex, maxIndex, out, sources);
  }
  return out;
}

/**
 * Like `downsampleMinMax`, with buckets anchored to the points' absolute numbers (`lastIndex` is the
 * number of the newest point) rather than to the window: when a point is added and the oldest drops
 * out, only the newest bucket changes, and the chart moves left by one bucket only when a bucket
 * fills. A sliding window cut into buckets afresh shifts every bucket's content by a point each time,
 * so every column of the chart changes and the whole chart is sent to the terminal again. The
 * oldest bucket, when the window holds only part of it, is left out.
 */
export function downsampleMinMaxAnchored(
  values: ArrayLike<number>,
  maxPoints: number,
  lastIndex: number,
  sources?: number[],
): number[] {
  const length = values.length;
  const limit = Math.max(0, Math.floor(maxPoints));
  if (length <= limit) return downsampleMinMax(values, maxPoints, sources);
  const buckets = Math.floor(limit / 2);
  if (buckets < 2) return downsampleMinMax(values, maxPoints, sources);

  const size = Math.ceil(length / (buckets - 1));
  const firstIndex = lastIndex - length + 1;
  const out: number[] = [];
  for (let start = Math.ceil(firstIndex / size) * size; start <= lastIndex; start += size) {
    const from = start - firstIndex;
    const to = Math.min(start + size, lastIndex + 1) - firstIndex;
    let minIndex = from;
    let maxIndex = from;
    for (let i = from + 1; i < to; i++) {
      const v = values[i] as number;
      if (v < (values[minIndex] as number)) minIndex = i;
      if (v > (values[maxIndex] as number)) maxIndex = i;
    }
    emitMinMax(values, minIndex, maxIndex, out, sources);
  }
  return out;
}
