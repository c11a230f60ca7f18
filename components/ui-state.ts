import { PANEL_IDS, type PanelId } from './panel-ids.js';
import { clampZoom } from './zoom-levels.js';

/** What the UI itself remembers; everything else comes from the engine snapshot. */
export interface UiState {
  readonly focus: PanelId;
  readonly zoom: number;
  readonly helpOpen: boolean;
  readonly quitting: boolean;
  readonly scroll: Readonly<Record<PanelId, number>>;
}

export type UiAction =
  | { readonly type: 'focus-step'; readonly step: 1 | -1; readonly visible: readonly PanelId[] }
  | {
      readonly type: 'scroll';
      readonly delta: number;
      readonly visible: readonly PanelId[];
      /** How far each panel's list can scroll at its current size. */
      readonly limits: Readonly<Record<PanelId, number>>;
    }
  | { readonly type: 'zoom'; readonly delta: number }
  | { readonly type: 'toggle-help' }
  | { readonly type: 'close-help' }
  | { readonly type: 'quitting' };

export const INITIAL_UI_STATE: UiState = {
  focus: 'equity',
  zoom: 0,
  helpOpen: false,
  quitting: false,
  scroll: { equity: 0, regime: 0, downloads: 0, positions: 0, events: 0 },
};

/** The focused panel among those shown: the remembered one, or the first shown if it was dropped. */
export function effectiveFocus(state: UiState, visible: readonly PanelId[]): PanelId {
  return visible.includes(state.focus) ? state.focus : (visible[0] ?? state.focus);
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'focus-step': {
      const order = action.visible.length > 0 ? action.visible : PANEL_IDS;
      const at = order.indexOf(effectiveFocus(state, order));
      const next = order[(at + action.step + order.length) % order.length];
      return next === undefined ? state : { ...state, focus: next };
    }
    case 'scroll': {
      const panel = effectiveFocus(state, action.visible);
      const max = Math.max(0, action.limits[panel]);
      const next = Math.min(Math.max(0, Math.min(state.scroll[panel], max) + action.delta), max);
      return next === state.scroll[panel] ? state : { ...state, scroll: { ...state.scroll, [panel]: next } };
    }
    case 'zoom': {
      const zoom = clampZoom(state.zoom + action.delta);
      return zoom === state.zoom ? state : { ...state, zoom };
    }
    case 'toggle-help':
      return { ...state, helpOpen: !state.helpOpen };
    case 'close-help':
      return state.helpOpen ? { ...state, helpOpen: false } : state;
    case 'quitting':
      return { ...state, quitting: true };
  }
}
