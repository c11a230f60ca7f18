import { useMemo, useReducer, useRef, type ReactNode } from 'react';
import { Box, useApp, useInput } from 'ink';
import type { EngineControls } from '../src/engine/controls.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import type { WatchStatus } from '../src/engine/watch-status.js';
import { DownloadsPanel } from './downloads-panel.js';
import { EquityPanel } from './equity-panel.js';
import { EventsPanel } from './events-panel.js';
import { HelpOverlay } from './help-overlay.js';
import { splitKeys } from './key-batch.js';
import { keyToCommand, WRITE_COMMANDS, type KeyCommand } from './key-commands.js';
import { planLayout, type PanelRect } from './layout-plan.js';
import type { PanelId } from './panel-ids.js';
import { scrollLimits } from './panel-metrics.js';
import { PositionsPanel } from './positions-panel.js';
import { RegimePanel } from './regime-panel.js';
import { StatusBar } from './status-bar.js';
import { effectiveFocus, INITIAL_UI_STATE, uiReducer, type UiState } from './ui-state.js';
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
  /**
   * Watching a database another process writes (`trading-tui watch`): reads how fresh the data is,
   * every second. The status bar says WATCH, and the keys that would change the bot do nothing.
   */
  readonly watch?: () => WatchStatus;
}

export function App({ controls, fps = DEFAULT_FPS, width, height, onQuit, watch }: AppProps): ReactNode {
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
  // Ink re-subscribes the input handler in a passive effect, so a key can reach the previous
  // render's handler: it reads layout facts from here, and the reducer works from its own state.
  const latest = useRef({ plan, snapshot });
  latest.current = { plan, snapshot };

  // Every key of a read, in order: keys typed fast or sent over SSH often arrive together.
  useInput((input, key) => {
    for (const single of splitKeys(input, key)) applyCommand(keyToCommand(single.input, single.key));
  });

  function applyCommand(command: KeyCommand | null): void {
    if (readOnly && command !== null && WRITE_COMMANDS.has(command)) return;
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
      case 'toggle-help':
        dispatch({ type: 'toggle-help' });
        return;
      case 'close-help':
        dispatch({ type: 'close-help' });
        return;
      case 'focus-next':
      case 'focus-previous':
        dispatch({ type: 'focus-step', step: command === 'focus-next' ? 1 : -1, visible: latest.current.plan.visible });
        return;
      case 'scroll-up':
      case 'scroll-down':
        dispatch({
          type: 'scroll',
          delta: command === 'scroll-down' ? 1 : -1,
          visible: latest.current.plan.visible,
          limits: scrollLimits(latest.current.plan, latest.current.snapshot),
        });
        return;
      case 'zoom-in':
      case 'zoom-out':
        dispatch({ type: 'zoom', delta: command === 'zoom-in' ? 1 : -1 });
        return;
      case null:
        return;
    }
  }

  return (
    // Clipped by rows only: see Panel.
    <Box flexDirection="column" width={plan.width} height={plan.height} overflowY="hidden">
      {ui.helpOpen ? (
        <HelpOverlay width={plan.width} height={plan.bodyHeight} readOnly={readOnly} />
      ) : (
        <Box flexDirection="row" height={plan.bodyHeight} flexShrink={0}>
          {plan.columns.map((column, i) => (
            <Box key={i} flexDirection="column" width={column.width} flexShrink={0}>
              {column.panels.map((rect) =>
                rect.beside === undefined ? (
                  <PanelFor key={rect.id} rect={rect} snapshot={snapshot} ui={ui} focus={focus} readOnly={readOnly} />
                ) : (
                  <Box key={rect.id} flexDirection="row" height={rect.height} flexShrink={0}>
                    <PanelFor rect={rect} snapshot={snapshot} ui={ui} focus={focus} readOnly={readOnly} />
                    <PanelFor rect={rect.beside} snapshot={snapshot} ui={ui} focus={focus} readOnly={readOnly} />
                  </Box>
                ),
              )}
            </Box>
          ))}
        </Box>
      )}
      <StatusBar snapshot={snapshot} quitting={ui.quitting} width={plan.width} watch={watchView} />
    </Box>
  );
}

interface PanelForProps {
  readonly rect: PanelRect;
  readonly snapshot: EngineSnapshot;
  readonly ui: UiState;
  readonly focus: PanelId;
  readonly readOnly: boolean;
}

const NOT_RECORDED = 'not recorded in the database (the bot keeps downloads in memory)';

/** Each panel is memoized on its own part of the snapshot: it draws again only when that part changes. */
function PanelFor({ rect, snapshot, ui, focus, readOnly }: PanelForProps): ReactNode {
  const size = { width: rect.width, height: rect.height, focused: rect.id === focus };
  switch (rect.id) {
    case 'equity':
      return <EquityPanel equity={snapshot.equity} lastIndex={snapshot.iteration} zoom={ui.zoom} {...size} />;
    case 'regime':
      return <RegimePanel regime={snapshot.regime} marketTime={snapshot.marketTime} {...size} />;
    case 'downloads':
      return (
        <DownloadsPanel
          downloads={snapshot.downloads}
          scroll={ui.scroll.downloads}
          emptyText={readOnly ? NOT_RECORDED : undefined}
          {...size}
        />
      );
    case 'positions':
      return (
        <PositionsPanel
          positions={snapshot.positions}
          cash={snapshot.cash}
          realizedPnl={snapshot.realizedPnl}
          trades={snapshot.trades}
          scroll={ui.scroll.positions}
          {...size}
        />
      );
    case 'events':
      return <EventsPanel events={snapshot.events} scroll={ui.scroll.events} {...size} />;
  }
}
