// Widths are counted in UTF-16 units: everything this UI draws is single-width (ASCII, box drawing,
// block elements). Symbols come from the market and are ASCII.

/** Cuts `text` to `width` columns, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  if (width === 1) return text.slice(0, 1);
  return text.slice(0, width - 1) + '…';
}

export function padRight(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - cut.length));
}

export function padLeft(text: string, width: number): string {
  const cut = truncate(text, width);
  return ' '.repeat(Math.max(0, width - cut.length)) + cut;
}

/** A piece of a one-line summary; `rank` 0 is kept longest when the line is too wide. */
export interface LineSegment {
  readonly key: string;
  readonly text: string;
  readonly rank: number;
  readonly color?: string | undefined;
  readonly backgroundColor?: string | undefined;
  readonly bold?: boolean;
  readonly dim?: boolean;
}

/** Drops the highest-ranked segments (the later one on ties) until the joined line fits `width`. */
export function fitSegments(segments: readonly LineSegment[], width: number, separator: string): LineSegment[] {
  const kept = [...segments];
  const lineLength = (list: readonly LineSegment[]): number =>
    list.reduce((sum, s, i) => sum + s.text.length + (i > 0 ? separator.length : 0), 0);
  while (kept.length > 1 && lineLength(kept) > width) {
    let worst = 0;
    kept.forEach((segment, i) => {
      if (segment.rank >= (kept[worst] as LineSegment).rank) worst = i;
    });
    kept.splice(worst, 1);
  }
  return kept;
}

export function segmentsLength(segments: readonly LineSegment[], separator: string): number {
  return segments.reduce((sum, s, i) => sum + s.text.length + (i > 0 ? separator.length : 0), 0);
}
