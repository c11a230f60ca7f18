import { PANEL_IDS, type PanelId } from './panel-ids.js';

/** Rows a panel spends on its frame: the title line on top and the border below. */
export const PANEL_FRAME_ROWS = 2;
/** Columns a panel spends on its frame: a border and a space of padding on each side. */
export const PANEL_FRAME_COLUMNS = 4;
/** Terminals at least this wide get two columns. */
export const TWO_COLUMN_MIN_WIDTH = 110;
const TWO_COLUMN_MIN_HEIGHT = 24;
/** In one column at least this wide, Regime and Downloads share a row (saves a frame's rows for the chart). */
const PAIR_MIN_WIDTH = 70;
/** Inner rows of a chart with a y-scale: the stats line, six rows of chart and the time axis. */
export const EQUITY_CHART_INNER_ROWS = 8;

export interface PanelRect {
  readonly id: PanelId;
  /** Outer size, frame included. */
  readonly width: number;
  readonly height: number;
  /** A panel drawn to the right of this one, as tall; the two share the column's width. */
  readonly beside?: PanelRect;
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

/** Every panel of the plan, those beside another included. */
export function planRects(plan: LayoutPlan): PanelRect[] {
  return plan.columns.flatMap((column) =>
    column.panels.flatMap((rect) => (rect.beside === undefined ? [rect] : [rect, rect.beside])),
  );
}

/** Inner rows a panel needs to be worth showing at all. */
const MIN_INNER: Readonly<Record<PanelId, number>> = {
  equity: 2,
  regime: 1,
  downloads: 1,
  positions: 3,
  events: 1,
};

/**
 * The layout for a terminal size. It depends on the size alone, never on what the panels hold, so
 * no panel grows or shrinks while the program runs (a Downloads panel that grew during each round
 * pushed Events down and back every second).
 */
export function planLayout(terminalWidth: number, terminalHeight: number): LayoutPlan {
  const width = Math.max(1, terminalWidth);
  const height = Math.max(1, terminalHeight - 1);
  const bodyHeight = Math.max(0, height - 1);

  const twoColumns = width >= TWO_COLUMN_MIN_WIDTH && terminalHeight >= TWO_COLUMN_MIN_HEIGHT;
  const chartWidth = Math.floor(width * 0.58);
  // The lists on the left, the chart and positions on the right: Ink rewrites a changed line from
  // its first change to the end, so the positions' prices, changing every bar, end their lines and
  // no longer resend the Events rows beside them (tried too: Events over Regime and Downloads, so
  // those two sat beside the positions; it wrote more, as their changes resent the box borders).
  const columns: LayoutColumn[] = twoColumns
    ? [
        { width: width - chartWidth, panels: stackLists(width - chartWidth, bodyHeight) },
        { width: chartWidth, panels: stackChart(chartWidth, bodyHeight) },
      ]
    : [{ width, panels: stackSingle(width, bodyHeight) }];

  const plan = { width, height, bodyHeight, columns, visible: [] };
  const shown = new Set(planRects(plan).map((rect) => rect.id));
  return { ...plan, visible: PANEL_IDS.filter((id) => shown.has(id)) };
}

/** Inner rows per panel, handed out in steps by `grant`; panels without rows are not shown. */
class RowBudget {
  readonly inner = new Map<PanelId, number>();
  constructor(public spare: number) {}

  /** Shows the panel at its minimum if the rows are there. */
  include(id: PanelId, minInner = MIN_INNER[id]): void {
    const need = minInner + PANEL_FRAME_ROWS;
    if (need > this.spare) return;
    this.inner.set(id, minInner);
    this.spare -= need;
  }

  /** Grows a shown panel toward `upTo` inner rows, as far as the spare rows go. */
  grant(id: PanelId, upTo: number): void {
    const current = this.inner.get(id);
    if (current === undefined || this.spare <= 0) return;
    const add = Math.min(this.spare, Math.max(0, upTo - current));
    this.inner.set(id, current + add);
    this.spare -= add;
  }

  /** Grows the panel to exactly `to` inner rows, or not at all (a chart is worth it only whole). */
  grantWhole(id: PanelId, to: number): void {
    const current = this.inner.get(id);
    if (current === undefined || to - current > this.spare) return;
    this.grant(id, to);
  }

  rect(id: PanelId, width: number): PanelRect[] {
    const rows = this.inner.get(id);
    return rows === undefined ? [] : [{ id, width, height: rows + PANEL_FRAME_ROWS }];
  }
}

/** Two columns, right: the chart over the positions. */
function stackChart(width: number, available: number): PanelRect[] {
  const budget = new RowBudget(available);
  budget.include('equity');
  budget.include('positions');
  budget.grantWhole('equity', EQUITY_CHART_INNER_ROWS);
  budget.grant('positions', 12);
  budget.grant('equity', Infinity);
  return [...budget.rect('equity', width), ...budget.rect('positions', width)];
}

/** Two columns, left: regime, downloads (summary, counts, speed and four symbols), events. */
function stackLists(width: number, available: number): PanelRect[] {
  const budget = new RowBudget(available);
  budget.include('regime');
  budget.include('downloads');
  budget.include('events');
  budget.grant('regime', 2);
  budget.grant('downloads', 2);
  budget.grant('events', 3);
  budget.grant('regime', 5);
  budget.grant('downloads', 7);
  budget.grant('events', Infinity);
  return [...budget.rect('regime', width), ...budget.rect('downloads', width), ...budget.rect('events', width)];
}

/**
 * One column, in priority order: chart, regime and downloads, positions, events. From 70 columns,
 * Regime and Downloads sit side by side, so an 80x24 terminal keeps a chart with a y-scale, the
 * positions' summary and the events.
 */
function stackSingle(width: number, available: number): PanelRect[] {
  const paired = width >= PAIR_MIN_WIDTH;
  const budget = new RowBudget(available);
  budget.include('equity');
  // A pair costs one frame for two panels: 'regime' stands for the pair's rows.
  budget.include('regime');
  if (!paired) budget.include('downloads');
  budget.include('positions');
  budget.include('events');
  budget.grantWhole('equity', EQUITY_CHART_INNER_ROWS);
  budget.grant('regime', 2);
  if (!paired) budget.grant('downloads', 2);
  budget.grant('positions', 5);
  budget.grant('events', 4);
  budget.grant('regime', paired ? 5 : 3);
  if (!paired) budget.grant('downloads', 3);
  budget.grant('positions', 12);
  budget.grant('events', 10);
  budget.grant('equity', Infinity);

  const regimeWidth = Math.floor(width / 2);
  const regimeRows = budget.inner.get('regime');
  const pair: PanelRect[] =
    paired && regimeRows !== undefined
      ? [
          {
            id: 'regime',
            width: regimeWidth,
            height: regimeRows + PANEL_FRAME_ROWS,
            beside: { id: 'downloads', width: width - regimeWidth, height: regimeRows + PANEL_FRAME_ROWS },
          },
        ]
      : [...budget.rect('regime', width), ...budget.rect('downloads', width)];
  return [
    ...budget.rect('equity', width),
    ...pair,
    ...budget.rect('positions', width),
    ...budget.rect('events', width),
  ];
}
