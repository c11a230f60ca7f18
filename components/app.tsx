import { useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { Box, useApp, useInput, type Key } from 'ink';
import type { EngineControls } from '../src/engine/controls.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import type { WatchStatus } from '../src/engine/watch-status.js';
import { ConfirmBar } from './confirm-bar.js';
import { DownloadsPanel, interestingRows } from './downloads-panel.js';
import { EquityPanel } from './equity-panel.js';
import { eventRows, EventsPanel, rowNewestSeq, type EventRow } from './events-panel.js';
import { HelpOverlay } from './help-overlay.js';
import { splitKeys } from './key-batch.js';
import { keyToCommand, WRITE_COMMANDS, type KeyCommand } from './key-commands.js';
import { listSizes, rowAt, rowsAbove, type ShownLists } from './list-sizes.js';
import { filterEvents, sortPositions } from './list-views.js';
import { planLayout, type PanelRect } from './layout-plan.js';
import type { PanelId } from './panel-ids.js';
import { PositionsPanel } from './positions-panel.js';
import { RegimePanel } from './regime-panel.js';
import { RowDetail } from './row-detail.js';
import { StatusBar } from './status-bar.js';
import { effectiveFocus, INITIAL_UI_STATE, isListPanel, uiReducer, type MoveStep, type UiState } from './ui-state.js';
import { DEFAULT_FPS, useEngineSnapshot } from './use-engine-snapshot.js';
import { useTerminalSize } from './use-terminal-size.js';
import { useWatchStatus } from './use-watch-status.js';

export interface AppProps {
  readonly controls: EngineControls;
  /** Most renders per second from engine changes. */
  readonly fps?: number;
  /** Override the terminal's columns and rows (tests). */
  readonly width?: number;
  readonly height?: number;
  /**
   * Called once on q / Ctrl-C. The caller stops the engine and unmounts when it has stopped.
   * Without it the app calls `controls.stop()` and exits Ink at once.
   */
  readonly onQuit?: () => void;
  /** Ctrl-L: the terminal may no longer show what was drawn; draw the whole screen again. */
  readonly onRedraw?: () => void;
  /**
   * Watching a database another process writes (`trading-tui watch`): reads how fresh the data is,
   * every second. The status bar says WATCH, and the keys that would change the bot do nothing.
   */
  readonly watch?: () => WatchStatus;
}

export function App({ controls, fps = DEFAULT_FPS, width, height, onQuit, onRedraw, watch }: AppProps): ReactNode {
  const terminal = useTerminalSize();
  const snapshot = useEngineSnapshot(controls, fps);
  const watchView = useWatchStatus(watch, snapshot);
  const readOnly = watch !== undefined;
  const [ui, dispatch] = useReducer(uiReducer, INITIAL_UI_STATE);
  const { exit } = useApp();
  // A ref, not state: a second q can arrive before React has re-rendered with `quitting`.
  const quitRequested = useRef(false);

  const columns = width ?? terminal.columns;
  const rows = height ?? terminal.rows;
  const plan = useMemo(() => planLayout(columns, rows), [columns, rows]);
  const focus = effectiveFocus(ui, plan.visible);
  const shown: ShownLists = useMemo(() => {
    const events = filterEvents(snapshot.events, ui.filter.text);
    return {
      events,
      eventRows: eventRows(events),
      positions: sortPositions(snapshot.positions, ui.sort),
      downloads: interestingRows(snapshot.downloads.rows),
    };
  }, [snapshot.events, snapshot.positions, snapshot.downloads.rows, ui.filter.text, ui.sort]);
  const ended = snapshot.phase === 'stopping' || snapshot.phase === 'stopped';
  // Ink re-subscribes the input handler in a passive effect, so a key can reach the previous
  // render's handler: it reads layout facts from here, and the reducer works from its own state.
  const latest = useRef({ plan, snapshot, shown, ui, ended });
  latest.current = { plan, snapshot, shown, ui, ended };
  /** Keys going to a prompt (the kill switch's y, the filter's text) rather than to commands; set at once, as keys can come faster than renders. */
  const mode = useRef<'keys' | 'confirm' | 'filter'>('keys');

  // New Events rows, seen while rendering (not in an effect): the view moves in the same frame as
  // the rows come, never one frame late (that frame would rewrite the whole panel twice).
  const [seenEvents, setSeenEvents] = useState<{ rows: readonly EventRow[]; filter: string } | null>(null);
  if (seenEvents === null || seenEvents.rows !== shown.eventRows) {
    setSeenEvents({ rows: shown.eventRows, filter: ui.filter.text });
    const page = listSizes(plan, snapshot, shown).events?.page ?? 0;
    if (seenEvents === null || seenEvents.filter !== ui.filter.text) {
      dispatch({ type: 'events-reset', rows: shown.eventRows.length, page });
    } else {
      const previous = seenEvents.rows.find((row) => row.kind !== 'day');
      const added = rowsAbove(shown.eventRows, previous === undefined ? null : rowNewestSeq(previous));
      if (added > 0) dispatch({ type: 'events-added', count: added, page });
      else if (previous === undefined && shown.eventRows.length > 0)
        dispatch({ type: 'events-reset', rows: shown.eventRows.length, page });
    }
  }

  // Every key of a read, in order: keys typed fast or sent over SSH often arrive together.
  useInput((input, key) => {
    for (const single of splitKeys(input, key)) handleKey(single.input, single.key);
  });

  function handleKey(input: string, key: Key): void {
    if (mode.current === 'confirm') {
      mode.current = 'keys';
      dispatch({ type: 'confirm-done' });
      if (input === 'y' && !key.ctrl && !key.meta && !latest.current.ended) controls.closeAllPositions();
      return;
    }
    if (mode.current === 'filter') {
      if (key.return) {
        mode.current = 'keys';
        dispatch({ type: 'filter-done' });
        return;
      }
      if (key.escape) {
        mode.current = 'keys';
        dispatch({ type: 'back' });
        return;
      }
      if (key.backspace || key.delete) {
        dispatch({ type: 'filter-erase' });
        return;
      }
      if (input !== '' && !key.ctrl && !key.meta && !key.tab) {
        dispatch({ type: 'filter-type', text: input });
        return;
      }
    }
    applyCommand(keyToCommand(input, key));
  }

  function move(step: MoveStep): void {
    const { plan: currentPlan, snapshot: current, shown: lists } = latest.current;
    dispatch({ type: 'move', step, visible: currentPlan.visible, lists: listSizes(currentPlan, current, lists) });
  }

  function applyCommand(command: KeyCommand | null): void {
    if (command !== null && WRITE_COMMANDS.has(command) && (readOnly || latest.current.ended)) return;
    switch (command) {
      case 'quit':
        if (quitRequested.current) return;
        quitRequested.current = true;
        dispatch({ type: 'quitting' });
        if (onQuit) {
          onQuit();
        } else {
          controls.stop();
          exit();
        }
        return;
      case 'toggle-pause':
        controls.togglePause();
        return;
      case 'retry-downloads':
        controls.retryFailedDownloads();
        return;
      case 'toggle-buys':
        controls.toggleBuys();
        return;
      case 'close-all':
        mode.current = 'confirm';
        dispatch({ type: 'confirm-close-all' });
        return;
      case 'toggle-help':
        dispatch({ type: 'toggle-help' });
        return;
      case 'redraw':
        onRedraw?.();
        return;
      case 'back':
        dispatch({ type: 'back' });
        return;
      case 'filter':
        mode.current = 'filter';
        dispatch({ type: 'filter-start' });
        return;
      case 'sort':
        dispatch({ type: 'sort-next' });
        return;
      case 'open-row': {
        const { plan: currentPlan, snapshot: current, shown: lists, ui: state } = latest.current;
        const panel = effectiveFocus(state, currentPlan.visible);
        if (!isListPanel(panel)) return;
        const row = rowAt(panel, state.cursor[panel], current, lists);
        if (row !== null) dispatch({ type: 'open', row });
        return;
      }
      case 'focus-next':
      case 'focus-previous':
        dispatch({ type: 'focus-step', step: command === 'focus-next' ? 1 : -1, visible: latest.current.plan.visible });
        return;
      case 'scroll-up':
        move(-1);
        return;
      case 'scroll-down':
        move(1);
        return;
      case 'page-up':
      case 'page-down':
      case 'home':
      case 'end':
        move(command);
        return;
      case 'zoom-in':
      case 'zoom-out':
        dispatch({
          type: 'zoom',
          direction: command === 'zoom-in' ? 1 : -1,
          available: latest.current.snapshot.equity.values.length,
        });
        return;
      case null:
        return;
    }
  }

  const panelProps = { snapshot, shown, ui, focus, readOnly };
  return (
    // Clipped by rows only: see Panel.
    <Box flexDirection="column" width={plan.width} height={plan.height} overflowY="hidden">
      {ui.helpOpen ? (
        <HelpOverlay width={plan.width} height={plan.bodyHeight} readOnly={readOnly} />
      ) : ui.open !== null ? (
        <RowDetail
          row={ui.open}
          snapshot={snapshot}
          history={ui.open.panel === 'positions' ? controls.symbolHistory(ui.open.key) : null}
          width={plan.width}
          height={plan.bodyHeight}
        />
      ) : (
        <Box flexDirection="row" height={plan.bodyHeight} flexShrink={0}>
          {plan.columns.map((column, i) => (
            <Box key={i} flexDirection="column" width={column.width} flexShrink={0}>
              {column.panels.map((rect) =>
                rect.beside === undefined ? (
                  <PanelFor key={rect.id} rect={rect} {...panelProps} />
                ) : (
                  <Box key={rect.id} flexDirection="row" height={rect.height} flexShrink={0}>
                    <PanelFor rect={rect} {...panelProps} />
                    <PanelFor rect={rect.beside} {...panelProps} />
                  </Box>
                ),
              )}
            </Box>
          ))}
        </Box>
      )}
      {ui.confirm === 'close-all' ? (
        <ConfirmBar positions={shown.positions} width={plan.width} />
      ) : (
        <StatusBar snapshot={snapshot} quitting={ui.quitting} width={plan.width} watch={watchView} />
      )}
    </Box>
  );
}

interface PanelForProps {
  readonly rect: PanelRect;
  readonly snapshot: EngineSnapshot;
  readonly shown: ShownLists;
  readonly ui: UiState;
  readonly focus: PanelId;
  readonly readOnly: boolean;
}

const NOT_RECORDED = 'not recorded in the database (the bot keeps downloads in memory)';

/** Each panel is memoized on its own part of the snapshot: it draws again only when that part changes. */
function PanelFor({ rect, snapshot, shown, ui, focus, readOnly }: PanelForProps): ReactNode {
  const size = { width: rect.width, height: rect.height, focused: rect.id === focus };
  switch (rect.id) {
    case 'equity':
      return <EquityPanel equity={snapshot.equity} lastIndex={snapshot.iteration} points={ui.chartPoints} {...size} />;
    case 'regime':
      return <RegimePanel regime={snapshot.regime} barMinutes={snapshot.barMinutes} {...size} />;
    case 'downloads':
      return (
        <DownloadsPanel
          downloads={snapshot.downloads}
          scroll={ui.scroll.downloads}
          cursor={ui.cursor.downloads}
          emptyText={readOnly ? NOT_RECORDED : undefined}
          {...size}
        />
      );
    case 'positions':
      return (
        <PositionsPanel
          positions={shown.positions}
          sort={ui.sort}
          cursor={ui.cursor.positions}
          cash={snapshot.cash}
          realizedPnl={snapshot.realizedPnl}
          trades={snapshot.trades}
          scroll={ui.scroll.positions}
          {...size}
        />
      );
    case 'events':
      return (
        <EventsPanel
          events={shown.events}
          rows={shown.eventRows}
          total={snapshot.events.length}
          filter={ui.filter}
          cursor={ui.cursor.events}
          scroll={ui.scroll.events}
          {...size}
        />
      );
  }
}
