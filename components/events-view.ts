/**
 * Which Events rows are on screen. The panel is a log: oldest at the top, newest at the bottom. A
 * new row is written on the next empty line under the previous one, and only when the panel is
 * full does the view jump, by half a page at once (the older half scrolls away). So a new event
 * rewrites one line of the terminal, and the whole panel is rewritten once per half page, not at
 * every event (Ink rewrites each changed line, and a list that moves by a row changes them all).
 *
 * Rows are counted newest first (index 0: the newest), as `eventRows` gives them; the view is held
 * as the index of the row on its top line, which new rows push up by their count.
 */

/** Rows the view jumps by when a new row finds the panel full. */
export const halfPage = (page: number): number => Math.max(1, Math.ceil(page / 2));

/**
 * The top row of a view that follows the newest row: `top` (what was on the top line, pushed up by
 * the rows that came), moved down by half pages until the newest row is on screen.
 */
export function followingTop(top: number, page: number): number {
  let at = Math.max(0, top);
  if (page <= 0) return 0;
  while (at >= page) at -= halfPage(page);
  return at;
}

/** A fresh view of `rows` rows (the first events, a new filter): as the log would stand had it followed them all. */
export const freshTop = (rows: number, page: number): number => followingTop(rows - 1, page);

/** The rows on screen: the top row's index and how many (fewer than a page while the log fills down). */
export function eventsWindow(
  rows: number,
  page: number,
  view: { readonly top: number; readonly cursor: number },
): { readonly top: number; readonly count: number } {
  if (rows <= 0 || page <= 0) return { top: 0, count: 0 };
  let top = Math.min(Math.max(0, view.top), rows - 1);
  // Following the newest (a shorter panel after a resize): it stays on screen.
  if (view.cursor <= 0) top = followingTop(top, page);
  return { top, count: Math.min(page, top + 1) };
}

/** `rows 164–188 of 188`: the rows on screen counted from the oldest, as they read top to bottom. */
export function eventsRange(rows: number, window: { readonly top: number; readonly count: number }): string {
  const first = rows - window.top;
  return `rows ${first}–${first + window.count - 1} of ${rows}`;
}
