import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { FOCUS_COLOR, FRAME_COLOR } from './theme.js';

export interface PanelProps {
  readonly title: string;
  /** Outer size, frame included. */
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly children?: ReactNode;
}

/**
 * A framed panel whose title sits in the top border (saves a row over a title line inside the frame).
 * The focused panel gets a double border, which shows even without colour.
 */
export function Panel({ title, width, height, focused, children }: PanelProps): ReactNode {
  const color = focused ? FOCUS_COLOR : FRAME_COLOR;
  const [left, fill, right] = focused ? ['╔', '═', '╗'] : ['╭', '─', '╮'];
  const label = title.slice(0, Math.max(0, width - 5));
  const tail = fill.repeat(Math.max(0, width - label.length - 5));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate" color={color}>
        {`${left}${fill} `}
        <Text bold={focused}>{label}</Text>
        {` ${tail}${right}`}
      </Text>
      {/* Keyed by focus: Ink 6.8 re-applies a changed borderStyle to all four edges, ignoring borderTop. */}
      <Box
        key={focused ? 'focused' : 'plain'}
        borderStyle={focused ? 'double' : 'round'}
        borderTop={false}
        borderColor={color}
        width={width}
        height={Math.max(1, height - 1)}
        paddingX={1}
        flexDirection="column"
        // Rows only: every line is truncated to the width already (wrap="truncate"), and a horizontal
        // clip makes Ink measure the width of every line of every frame again (half the frame's time).
        overflowY="hidden"
      >
        {children}
      </Box>
    </Box>
  );
}
