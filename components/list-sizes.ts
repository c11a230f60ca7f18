import type { SymbolDownloadStatus } from '../src/engine/download-status.js';
import type { EngineEvent, EngineSnapshot, PositionView } from '../src/engine/snapshot.js';
import { downloadRowsVisible } from './downloads-panel.js';
import { eventRowsVisible, rowHolds, type EventRow } from './events-panel.js';
import { PANEL_FRAME_ROWS, planRects, type LayoutPlan } from './layout-plan.js';
import { positionRowsVisible } from './positions-panel.js';
import type { ListPanel, ListSize, OpenRow } from './ui-state.js';

/** The lists as shown: events after the filter (with their date rows), positions in their sort order, downloads most interesting first. */
export interface ShownLists {
  readonly downloads: readonly SymbolDownloadStatus[];
  readonly events: readonly EngineEvent[];
  readonly eventRows: readonly EventRow[];
  readonly positions: readonly PositionView[];
}

/** Each shown list's rows and page (rows on screen at once) at its planned height. */
export function listSizes(
  plan: LayoutPlan,
  snapshot: EngineSnapshot,
  shown: ShownLists,
): Partial<Record<ListPanel, ListSize>> {
  const sizes: Partial<Record<ListPanel, ListSize>> = {};
  for (const rect of planRects(plan)) {
    const inner = rect.height - PANEL_FRAME_ROWS;
    if (rect.id === 'downloads') sizes.downloads = { rows: shown.downloads.length, page: downloadRowsVisible(inner) };
    if (rect.id === 'positions') sizes.positions = { rows: shown.positions.length, page: positionRowsVisible(inner) };
    if (rect.id === 'events') sizes.events = { rows: shown.eventRows.length, page: eventRowsVisible(inner) };
  }
  return sizes;
}

/** The row the cursor is on, as something `Enter` can open (a date row opens the event under it). */
export function rowAt(panel: ListPanel, cursor: number, snapshot: EngineSnapshot, shown: ShownLists): OpenRow | null {
  switch (panel) {
    case 'downloads': {
      const row = shown.downloads[cursor];
      return row === undefined ? null : { panel, key: row.symbol };
    }
    case 'positions': {
      const position = shown.positions[cursor];
      return position === undefined ? null : { panel, key: position.symbol };
    }
    case 'events': {
      for (let i = cursor; i < shown.eventRows.length; i++) {
        const row = shown.eventRows[i] as EventRow;
        if (row.kind === 'event') return { panel, key: String(row.event.seq) };
        if (row.kind === 'fills') return { panel, key: row.key };
      }
      return null;
    }
  }
}

/** Rows that arrived above the row with the previous newest event (0 when it is gone: filtered out or dropped). */
export function rowsAbove(rows: readonly EventRow[], previousNewestSeq: number | null): number {
  if (previousNewestSeq === null) return 0;
  const at = rows.findIndex((row) => rowHolds(row, previousNewestSeq));
  return at < 0 ? 0 : at;
}
