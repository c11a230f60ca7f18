import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { downloadRowsVisible, downloadsWantedRows } from './downloads-panel.js';
import { eventRowCount, eventRowsVisible } from './events-panel.js';
import { PANEL_FRAME_ROWS, type LayoutPlan, type PanelWants } from './layout-plan.js';
import { PANEL_IDS, type PanelId } from './panel-ids.js';
import { positionRowsVisible, positionsWantedRows } from './positions-panel.js';
import { REGIME_CONTENT_ROWS } from './regime-panel.js';

/** Inner rows each panel would fill with this snapshot (the chart takes whatever is left). */
export function panelWants(snapshot: EngineSnapshot): PanelWants {
  return {
    equity: 0,
    regime: REGIME_CONTENT_ROWS,
    downloads: downloadsWantedRows(snapshot.downloads),
    positions: positionsWantedRows(snapshot.positions),
    events: Math.max(1, eventRowCount(snapshot.events)),
  };
}

/** How far the panel's list can scroll at its planned size (0 when it does not scroll or is hidden). */
export function scrollLimit(panel: PanelId, plan: LayoutPlan, snapshot: EngineSnapshot): number {
  const rect = plan.columns.flatMap((column) => column.panels).find((p) => p.id === panel);
  if (rect === undefined) return 0;
  const inner = rect.height - PANEL_FRAME_ROWS;
  switch (panel) {
    case 'downloads':
      return Math.max(0, snapshot.downloads.rows.length - downloadRowsVisible(inner));
    case 'positions':
      return Math.max(0, snapshot.positions.length - positionRowsVisible(inner));
    case 'events':
      return Math.max(0, eventRowCount(snapshot.events) - eventRowsVisible(inner));
    case 'equity':
    case 'regime':
      return 0;
  }
}

export function scrollLimits(plan: LayoutPlan, snapshot: EngineSnapshot): Record<PanelId, number> {
  return Object.fromEntries(PANEL_IDS.map((id) => [id, scrollLimit(id, plan, snapshot)])) as Record<PanelId, number>;
}
