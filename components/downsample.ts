/** Where each value drawn comes from: the point it is, and the first point of the span it stands for. */
export interface PlottedPoints {
  /** The index in `values` of each value returned. */
  readonly sources: number[];
  /**
   * The first point each value returned stands for: a value stands for the points from its start to
   * the next one's (the last to the end). Points before the first start are not drawn.
   */
  readonly starts: number[];
}

/**
 * Pushes a bucket's minimum and maximum in the order they occur (one value if they are one point);
 * the first stands for the bucket's points up to itself, the second for the rest.
 */
function emitMinMax(
  values: ArrayLike<number>,
  from: number,
  minIndex: number,
  maxIndex: number,
  out: number[],
  plotted?: PlottedPoints,
): void {
  const first = Math.min(minIndex, maxIndex);
  const second = Math.max(minIndex, maxIndex);
  out.push(values[first] as number);
  plotted?.sources.push(first);
  plotted?.starts.push(from);
  if (second === first) return;
  out.push(values[second] as number);
  plotted?.sources.push(second);
  plotted?.starts.push(first + 1);
}

/**
 * Reduces `values` to at most `maxPoints` points for drawing, keeping spikes: the values are cut into
 * buckets and each bucket contributes its minimum and its maximum, in the order they occur. `plotted`,
 * when given, receives where each value returned comes from.
 */
export function downsampleMinMax(values: ArrayLike<number>, maxPoints: number, plotted?: PlottedPoints): number[] {
  const length = values.length;
  const limit = Math.max(0, Math.floor(maxPoints));
  if (length <= limit) {
    for (let i = 0; i < length; i++) {
      plotted?.sources.push(i);
      plotted?.starts.push(i);
    }
    return Array.from(values);
  }
  if (limit === 0) return [];
  if (limit === 1) {
    plotted?.sources.push(length - 1);
    plotted?.starts.push(0);
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
    emitMinMax(values, from, minIndex, maxIndex, out, plotted);
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
  plotted?: PlottedPoints,
): number[] {
  const length = values.length;
  const limit = Math.max(0, Math.floor(maxPoints));
  if (length <= limit) return downsampleMinMax(values, maxPoints, plotted);
  const buckets = Math.floor(limit / 2);
  if (buckets < 2) return downsampleMinMax(values, maxPoints, plotted);

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
    emitMinMax(values, from, minIndex, maxIndex, out, plotted);
  }
  return out;
}
