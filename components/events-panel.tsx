import { memo, type ReactNode } from 'react';
import { Text } from 'ink';
import type { EngineEvent } from '../src/engine/snapshot.js';
import { formatTimeOfDay } from '../src/core/format.js';
import { PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { padRight } from './text-fit.js';
import { EVENT_COLORS } from './theme.js';

export function eventRowsVisible(innerHeight: number): number {
  return Math.max(0, innerHeight);
}

export interface EventsPanelProps {
  /** Newest last, as in the snapshot; drawn newest first. */
  readonly events: readonly EngineEvent[];
  /** Rows scrolled away from the newest event. */
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

function EventsPanelView({ events, scroll, width, height, focused }: EventsPanelProps): ReactNode {
  const visible = eventRowsVisible(height - PANEL_FRAME_ROWS);
  const skip = Math.min(scroll, Math.max(0, events.length - visible));
  const newestIndex = events.length - 1 - skip;
  const shown: EngineEvent[] = [];
  for (let i = newestIndex; i >= 0 && shown.length < visible; i--) {
    const event = events[i];
    if (event !== undefined) shown.push(event);
  }
  return (
    <Panel title="Events" width={width} height={height} focused={focused}>
      {events.length === 0 ? (
        <Text wrap="truncate" dimColor>
          no events yet
        </Text>
      ) : (
        shown.map((event) => (
          <Text key={event.seq} wrap="truncate">
            <Text dimColor>{formatTimeOfDay(event.time)} </Text>
            <Text color={EVENT_COLORS[event.kind]}>{padRight(event.kind, 9)}</Text>
            {event.message}
          </Text>
        ))
      )}
    </Panel>
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const EventsPanel = memo(EventsPanelView);
