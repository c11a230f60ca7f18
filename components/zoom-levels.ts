/** The chart never shows fewer of the newest points than this. */
export const MIN_CHART_POINTS = 10;

/**
 * The points shown after `+` (in) or `-` (out), from those shown now out of those held: every press
 * halves or doubles what is on screen, so none is lost on a short history (Infinity: all of them).
 */
export function zoomedPoints(points: number, available: number, direction: 1 | -1): number {
  const shown = Math.min(points, available);
  if (direction > 0) return shown <= MIN_CHART_POINTS ? points : Math.max(MIN_CHART_POINTS, Math.floor(shown / 2));
  const wider = shown * 2;
  return wider >= available ? Infinity : wider;
}
