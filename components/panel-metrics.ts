import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { downloadRowsVisible } from './downloads-panel.js';
import { eventRowCount, eventRowsVisible } from './events-panel.js';
import { PANEL_FRAME_ROWS, planRects, type LayoutPlan } from './layout-plan.js';
import type { PanelId } from './panel-ids.js';
import { positionRowsVisible } from './positions-panel.js';

/** How far the panel's list can scroll at its planned size (0 when it does not scroll or is hidden). */
export function scrollLimit(panel: PanelId, plan: LayoutPlan, snapshot: EngineSnapshot): number {
  const rect = planRects(plan).find((p) => p.id === panel);
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
