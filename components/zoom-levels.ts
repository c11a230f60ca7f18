/** How many of the newest equity points the chart shows; index 0 shows all of them. */
export const ZOOM_LEVELS: readonly number[] = [Infinity, 720, 360, 180, 90, 45];

export function zoomPointCount(zoom: number): number {
  return ZOOM_LEVELS[Math.min(Math.max(0, zoom), ZOOM_LEVELS.length - 1)] ?? Infinity;
}

export function clampZoom(zoom: number): number {
  return Math.min(Math.max(0, zoom), ZOOM_LEVELS.length - 1);
}
