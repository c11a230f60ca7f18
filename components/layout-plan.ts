import { PANEL_IDS, type PanelId } from './panel-ids.js';

/** Rows a panel spends on its frame: the title line on top and the border below. */
export const PANEL_FRAME_ROWS = 2;
/** Columns a panel spends on its frame: a border and a space of padding on each side. */
export const PANEL_FRAME_COLUMNS = 4;
/** Terminals at least this wide get two columns. */
export const TWO_COLUMN_MIN_WIDTH = 110;
const TWO_COLUMN_MIN_HEIGHT = 24;

/** Inner rows each panel would like for the current snapshot. */
export type PanelWants = Readonly<Record<PanelId, number>>;

export interface PanelRect {
  readonly id: PanelId;
  /** Outer size, frame included. */
  readonly width: number;
  readonly height: number;
}

export interface LayoutColumn {
  readonly width: number;
  /** Top to bottom. */
  readonly panels: readonly PanelRect[];
}

export interface LayoutPlan {
  /** Root size: never as tall as the terminal (Ink clears the screen every frame if it is). */
  readonly width: number;
  readonly height: number;
  /** Rows above the status bar. */
  readonly bodyHeight: number;
  readonly columns: readonly LayoutColumn[];
  /** Panels shown, in focus order. */
  readonly visible: readonly PanelId[];
}

/** Inner rows a panel needs to be worth showing at all. */
const MIN_INNER: Readonly<Record<PanelId, number>> = {
  equity: 2,
  regime: 1,
  downloads: 2,
  positions: 2,
  events: 2,
};

export function planLayout(terminalWidth: number, terminalHeight: number, wants: PanelWants): LayoutPlan {
  const width = Math.max(1, terminalWidth);
  const height = Math.max(1, terminalHeight - 1);
  const bodyHeight = Math.max(0, height - 1);

  const twoColumns = width >= TWO_COLUMN_MIN_WIDTH && terminalHeight >= TWO_COLUMN_MIN_HEIGHT;
  const leftWidth = Math.floor(width * 0.58);
  const columns: LayoutColumn[] = twoColumns
    ? [
        { width: leftWidth, panels: stackColumn(['equity', 'positions'], leftWidth, bodyHeight, wants, 'equity') },
        {
          width: width - leftWidth,
          panels: stackColumn(['regime', 'downloads', 'events'], width - leftWidth, bodyHeight, wants, 'events'),
        },
      ]
    : [{ width, panels: stackColumn(PANEL_IDS, width, bodyHeight, wants, 'equity') }];

  const shown = new Set(columns.flatMap((column) => column.panels.map((rect) => rect.id)));
  return { width, height, bodyHeight, columns, visible: PANEL_IDS.filter((id) => shown.has(id)) };
}

/**
 * Stacks panels (given in priority order) in `available` rows: every panel that fits gets its minimum,
 * then extra rows go out in steps so the small essentials are complete before the chart and lists grow;
 * whatever is left goes to `grower`.
 */
function stackColumn(
  ids: readonly PanelId[],
  width: number,
  available: number,
  wants: PanelWants,
  grower: PanelId,
): PanelRect[] {
  const inner = new Map<PanelId, number>();
  let used = 0;
  for (const id of ids) {
    const need = MIN_INNER[id] + PANEL_FRAME_ROWS;
    if (used + need <= available) {
      inner.set(id, MIN_INNER[id]);
      used += need;
    }
  }
  let spare = available - used;
  const grant = (id: PanelId, upTo: number): void => {
    const current = inner.get(id);
    if (current === undefined || spare <= 0) return;
    const add = Math.min(spare, Math.max(0, upTo - current));
    inner.set(id, current + add);
    spare -= add;
  };

  grant('regime', 3);
  grant('downloads', 3);
  grant('equity', Math.max(7, Math.floor(available * 0.45)));
  grant('positions', Math.min(wants.positions, 12));
  grant('downloads', Math.min(wants.downloads, 10));
  grant('events', Math.min(wants.events, 10));
  grant('regime', wants.regime);
  grant(grower, Infinity);

  return ids.flatMap((id) => {
    const rows = inner.get(id);
    return rows === undefined ? [] : [{ id, width, height: rows + PANEL_FRAME_ROWS }];
  });
}
