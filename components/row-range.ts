/** `rows 21–30 of 188`: the rows on screen of a list, counted from 1. */
export function rowRange(first: number, visible: number, total: number): string {
  return `rows ${Math.min(total, first + 1)}–${Math.min(total, first + visible)} of ${total}`;
}
