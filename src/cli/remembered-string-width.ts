/**
 * `string-width` with its answers remembered, for Ink and the packages it draws with (load-ui.ts loads
 * this in its place). Ink measures the width of every line of every frame, and a line with one
 * character beyond ASCII (a border, `·`, `▲`, the chart's `┤`) takes string-width's slow path: a
 * grapheme segmenter and a few regular expressions per character, about a quarter of the bytes a frame
 * allocates. Most lines are the same from one frame to the next, so their widths are looked up instead.
 * The answers are string-width's own (the module the importer would have had, named in this module's
 * `?of=` query), so nothing drawn changes.
 */
type StringWidth = (text: string, options?: object) => number;

const of = new URL(import.meta.url).searchParams.get('of');
const stringWidth: StringWidth = (
  (of === null ? await import('string-width') : await import(of)) as { default: StringWidth }
).default;

/** Widths kept: a screen's lines and their pieces many times over; the oldest go first. */
export const REMEMBERED_WIDTHS = 2048;

const widths = new Map<string, number>();

export default function rememberedStringWidth(text: string, options?: object): number {
  if (options !== undefined) return stringWidth(text, options);
  let width = widths.get(text);
  if (width === undefined) {
    width = stringWidth(text);
    if (widths.size >= REMEMBERED_WIDTHS) widths.delete(widths.keys().next().value as string);
    widths.set(text, width);
  }
  return width;
}

/** How many widths are remembered now (for tests). */
export function rememberedWidthCount(): number {
  return widths.size;
}
