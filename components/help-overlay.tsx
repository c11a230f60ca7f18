import type { ReactNode } from 'react';
import { Text } from 'ink';
import { KEY_HELP, WATCH_KEY_HELP } from './key-commands.js';
import { PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { padRight } from './text-fit.js';

export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
  /** Watching a database: the keys that would change the bot are shown as off. */
  readonly readOnly?: boolean;
}

/** Replaces the panels while open; the status bar stays. */
export function HelpOverlay({ width, height, readOnly = false }: HelpOverlayProps): ReactNode {
  const help = readOnly ? WATCH_KEY_HELP : KEY_HELP;
  const keyWidth = Math.max(...help.map(([keys]) => keys.length)) + 2;
  const lines = [
    ...help.map(([keys, action]) => (
      <Text key={keys} wrap="truncate">
        <Text bold>{padRight(keys, keyWidth)}</Text>
        {action}
      </Text>
    )),
    <Text key="close" wrap="truncate" dimColor>
      Press ? or Esc to close.
    </Text>,
  ];
  return (
    <Panel title="Help" width={width} height={height} focused>
      {lines.slice(0, Math.max(0, height - PANEL_FRAME_ROWS))}
    </Panel>
  );
}
