import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { GLOSSARY } from './glossary.js';
import { KEY_GROUPS, KEY_HELP, WATCH_KEY_HELP } from './key-commands.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { padRight } from './text-fit.js';
import { wrapText } from './text-wrap.js';

export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
  /** Watching a database: the keys that would change the bot are shown as off. */
  readonly readOnly?: boolean;
}

/** Below this inner width the keys and the abbreviations are one list; above, side by side. */
const SIDE_BY_SIDE_WIDTH = 100;

/** A group's heading, then its rows: the keys or abbreviation in bold, padded, then the meaning, wrapped under itself. */
function section(
  title: string,
  rows: readonly (readonly [string, string])[],
  keyWidth: number,
  width: number,
): ReactNode[] {
  const textWidth = Math.max(10, width - keyWidth);
  return [
    <Text key={`title-${title}`} wrap="truncate" underline>
      {title}
    </Text>,
    ...rows.flatMap(([keys, action]) =>
      wrapText(action, textWidth).map((part, i) => (
        <Text key={`${title}-${keys}-${i}`} wrap="truncate">
          <Text bold>{padRight(i === 0 ? keys : '', keyWidth)}</Text>
          {part}
        </Text>
      )),
    ),
  ];
}

/** Replaces the panels while open; the status bar stays. Every key, by group, and every abbreviation. */
export function HelpOverlay({ width, height, readOnly = false }: HelpOverlayProps): ReactNode {
  const help = readOnly ? WATCH_KEY_HELP : KEY_HELP;
  const keyWidth = Math.max(...help.map(([keys]) => keys.length)) + 2;
  const inner = Math.max(0, height - PANEL_FRAME_ROWS);
  const innerWidth = Math.max(0, width - PANEL_FRAME_COLUMNS);
  const sideBySide = innerWidth >= SIDE_BY_SIDE_WIDTH;
  const leftWidth = sideBySide ? Math.floor((innerWidth - 2) / 2) : innerWidth;
  const rightWidth = sideBySide ? innerWidth - leftWidth - 2 : innerWidth;
  const keyLines = KEY_GROUPS.flatMap((group) =>
    section(
      group,
      help.filter((row) => row[2] === group).map(([keys, action]) => [keys, action] as const),
      keyWidth,
      leftWidth,
    ),
  );
  const glossaryWidth = Math.max(...GLOSSARY.map(([shown]) => shown.length)) + 2;
  const glossaryLines = section('On the screen', GLOSSARY, glossaryWidth, rightWidth);
  const close = (
    <Text key="close" wrap="truncate" dimColor>
      Press ? or Esc to close.
    </Text>
  );
  if (sideBySide) {
    return (
      <Panel title="Help" width={width} height={height} focused>
        <Box flexDirection="row" height={Math.max(0, inner - 1)}>
          <Box flexDirection="column" width={leftWidth} marginRight={2} overflow="hidden">
            {keyLines.slice(0, Math.max(0, inner - 1))}
          </Box>
          <Box flexDirection="column" width={rightWidth} overflow="hidden">
            {glossaryLines.slice(0, Math.max(0, inner - 1))}
          </Box>
        </Box>
        {close}
      </Panel>
    );
  }
  const lines = [...keyLines, <Text key="gap"> </Text>, ...glossaryLines];
  // The close line stays; the list is cut to the room left.
  return (
    <Panel title="Help" width={width} height={height} focused>
      {[...lines.slice(0, Math.max(0, inner - 1)), close]}
    </Panel>
  );
}
