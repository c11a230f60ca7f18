import { eventsWindow, followingTop, freshTop } from './events-view.js';
import { nextSort, type PositionSort } from './list-views.js';
import { PANEL_IDS, type PanelId } from './panel-ids.js';
import { zoomedPoints } from './zoom-levels.js';

/** The panels with a list of rows to move in, select and open. */
export type ListPanel = 'downloads' | 'positions' | 'events';
export const LIST_PANELS: readonly ListPanel[] = ['downloads', 'positions', 'events'];
export const isListPanel = (panel: PanelId): panel is ListPanel => (LIST_PANELS as readonly string[]).includes(panel);

/** A row opened whole (`Enter`): which list, and the row's key (an event's seq, a symbol). */
export interface OpenRow {
  readonly panel: ListPanel;
  readonly key: string;
}

/** A list's size at the panel's current height: its rows, and how many are shown at once. */
export interface ListSize {
  readonly rows: number;
  readonly page: number;
}

/** What the UI itself remembers; everything else comes from the engine snapshot. */
export interface UiState {
  readonly focus: PanelId;
  /** Newest equity points the chart shows (Infinity: all it holds). */
  readonly chartPoints: number;
  readonly helpOpen: boolean;
  readonly quitting: boolean;
  /** The first row shown of each panel's list; for Events, the row on the top line counted from the newest (see events-view). */
  readonly scroll: Readonly<Record<PanelId, number>>;
  /** The selected row of each list (what `Enter` opens), always among those shown. */
  readonly cursor: Readonly<Record<ListPanel, number>>;
  /** The events filter (`/`): its text, and whether keys are going into it. */
  readonly filter: { readonly text: string; readonly editing: boolean };
  readonly sort: PositionSort;
  /** A row opened whole, over the panels; null: none. */
  readonly open: OpenRow | null;
  /** The kill switch waiting for its `y`; any other key cancels it. */
  readonly confirm: 'close-all' | null;
}

/** Where a move goes: rows up (< 0) or down, a page, or an end of the list. */
export type MoveStep = number | 'page-up' | 'page-down' | 'home' | 'end';

export type UiAction =
  | { readonly type: 'focus-step'; readonly step: 1 | -1; readonly visible: readonly PanelId[] }
  | {
      readonly type: 'move';
      readonly step: MoveStep;
      readonly visible: readonly PanelId[];
      /** Each list's size at its planned height (absent: the panel is not a list or is hidden). */
      readonly lists: Readonly<Partial<Record<ListPanel, ListSize>>>;
    }
  /**
   * New Events rows (`page`: the rows the panel shows). Following the newest, the log fills down and
   * jumps by half a page when full; moved away from it, the view stays on its rows.
   */
  | { readonly type: 'events-added'; readonly count: number; readonly page: number }
  /** Events shown anew (the first ones, a new filter): the log as it would stand, the newest selected. */
  | { readonly type: 'events-reset'; readonly rows: number; readonly page: number }
  | { readonly type: 'zoom'; readonly direction: 1 | -1; readonly available: number }
  | { readonly type: 'toggle-help' }
  /** Esc: closes what is open, innermost first (the filter being typed, an opened row, the help, the filter). */
  | { readonly type: 'back' }
  | { readonly type: 'open'; readonly row: OpenRow }
  | { readonly type: 'filter-start' }
  | { readonly type: 'filter-type'; readonly text: string }
  | { readonly type: 'filter-erase' }
  | { readonly type: 'filter-done' }
  | { readonly type: 'sort-next' }
  | { readonly type: 'confirm-close-all' }
  | { readonly type: 'confirm-done' }
  | { readonly type: 'quitting' };

export const INITIAL_UI_STATE: UiState = {
  focus: 'equity',
  chartPoints: Infinity,
  helpOpen: false,
  quitting: false,
  scroll: { equity: 0, regime: 0, downloads: 0, positions: 0, events: 0 },
  cursor: { downloads: 0, positions: 0, events: 0 },
  filter: { text: '', editing: false },
  sort: 'value',
  open: null,
  confirm: null,
};

/** The focused panel among those shown: the remembered one, or the first shown if it was dropped. */
export function effectiveFocus(state: UiState, visible: readonly PanelId[]): PanelId {
  return visible.includes(state.focus) ? state.focus : (visible[0] ?? state.focus);
}

/** The list's cursor and first row after a move, both within the list and the cursor on screen. */
export function moveInList(
  at: { readonly cursor: number; readonly top: number },
  step: MoveStep,
  size: ListSize,
): { cursor: number; top: number } {
  const last = Math.max(0, size.rows - 1);
  const page = Math.max(1, size.page);
  const cursor = Math.min(Math.max(0, at.cursor), last);
  const target =
    step === 'home'
      ? 0
      : step === 'end'
        ? last
        : step === 'page-up'
          ? cursor - page
          : step === 'page-down'
            ? cursor + page
            : cursor + step;
  const next = Math.min(Math.max(0, target), last);
  const maxTop = Math.max(0, size.rows - page);
  let top = Math.min(Math.max(0, at.top), maxTop);
  if (next < top) top = next;
  if (next >= top + page) top = next - page + 1;
  // A page key moves the view by a page too, not only the cursor.
  if (step === 'page-down') top = Math.min(maxTop, Math.max(top, Math.min(at.top + page, next)));
  if (step === 'page-up') top = Math.max(0, Math.min(top, at.top - page, next));
  return { cursor: next, top: Math.min(top, maxTop) };
}

/**
 * A move in the log (`↑` older, `↓` newer, `Home` the oldest, `End` the newest): the list is moved
 * as it reads top to bottom, and a cursor that stays among the rows shown leaves the view as it is.
 */
export function moveInEvents(
  at: { readonly cursor: number; readonly top: number },
  step: MoveStep,
  size: ListSize,
): { cursor: number; top: number } {
  const rows = size.rows;
  if (rows <= 0) return { cursor: 0, top: 0 };
  const page = Math.max(1, size.page);
  const shown = eventsWindow(rows, page, at);
  // As read top to bottom: index i (newest first) is line rows - 1 - i.
  const cursorLine = rows - 1 - Math.min(Math.max(0, at.cursor), rows - 1);
  const topLine = rows - 1 - shown.top;
  const moved = moveInList({ cursor: cursorLine, top: Math.min(topLine, Math.max(0, rows - page)) }, step, {
    rows,
    page,
  });
  // A row at a time: the view moves only as far as the cursor left it (the lines under a log still
  // filling down stay empty). A page, Home, End: a whole page.
  const newTopLine =
    typeof step !== 'number'
      ? moved.top
      : moved.cursor < topLine
        ? moved.cursor
        : moved.cursor >= topLine + shown.count
          ? Math.max(0, moved.cursor - page + 1)
          : topLine;
  return { cursor: rows - 1 - moved.cursor, top: rows - 1 - newTopLine };
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'focus-step': {
      const order = action.visible.length > 0 ? action.visible : PANEL_IDS;
      const at = order.indexOf(effectiveFocus(state, order));
      const next = order[(at + action.step + order.length) % order.length];
      return next === undefined ? state : { ...state, focus: next };
    }
    case 'move': {
      const panel = effectiveFocus(state, action.visible);
      if (!isListPanel(panel)) return state;
      const size = action.lists[panel];
      if (size === undefined) return state;
      const move = panel === 'events' ? moveInEvents : moveInList;
      const moved = move({ cursor: state.cursor[panel], top: state.scroll[panel] }, action.step, size);
      if (moved.cursor === state.cursor[panel] && moved.top === state.scroll[panel]) return state;
      return {
        ...state,
        cursor: { ...state.cursor, [panel]: moved.cursor },
        scroll: { ...state.scroll, [panel]: moved.top },
      };
    }
    case 'events-added': {
      const { count, page } = action;
      if (count <= 0) return state;
      const top = state.scroll.events + count;
      // Following the newest: the new rows go on the lines under it. Moved away: the same rows stay.
      if (state.cursor.events === 0) return { ...state, scroll: { ...state.scroll, events: followingTop(top, page) } };
      return {
        ...state,
        cursor: { ...state.cursor, events: state.cursor.events + count },
        scroll: { ...state.scroll, events: top },
      };
    }
    case 'events-reset':
      return {
        ...state,
        cursor: { ...state.cursor, events: 0 },
        scroll: { ...state.scroll, events: freshTop(action.rows, action.page) },
      };
    case 'zoom': {
      const chartPoints = zoomedPoints(state.chartPoints, action.available, action.direction);
      return chartPoints === state.chartPoints ? state : { ...state, chartPoints };
    }
    case 'toggle-help':
      return { ...state, helpOpen: !state.helpOpen };
    case 'back':
      if (state.filter.editing) return withFilter(state, '', false);
      if (state.open !== null) return { ...state, open: null };
      if (state.helpOpen) return { ...state, helpOpen: false };
      if (state.filter.text !== '') return withFilter(state, '', false);
      return state;
    case 'open':
      return { ...state, open: action.row, helpOpen: false };
    case 'filter-start':
      return { ...withFilter(state, state.filter.text, true), focus: 'events', open: null, helpOpen: false };
    case 'filter-type':
      return state.filter.editing ? withFilter(state, state.filter.text + action.text, true) : state;
    case 'filter-erase':
      return state.filter.editing ? withFilter(state, [...state.filter.text].slice(0, -1).join(''), true) : state;
    case 'filter-done':
      return state.filter.editing ? { ...state, filter: { ...state.filter, editing: false } } : state;
    case 'sort-next':
      return {
        ...state,
        sort: nextSort(state.sort),
        cursor: { ...state.cursor, positions: 0 },
        scroll: { ...state.scroll, positions: 0 },
      };
    case 'confirm-close-all':
      return { ...state, confirm: 'close-all' };
    case 'confirm-done':
      return state.confirm === null ? state : { ...state, confirm: null };
    case 'quitting':
      return { ...state, quitting: true };
  }
}

/** A new filter shows its matches from the top. */
function withFilter(state: UiState, text: string, editing: boolean): UiState {
  const moved = text !== state.filter.text;
  return {
    ...state,
    filter: { text, editing },
    ...(moved ? { cursor: { ...state.cursor, events: 0 }, scroll: { ...state.scroll, events: 0 } } : {}),
  };
}
