import { memo, useMemo, type ReactNode } from 'react';
import { Text } from 'ink';
import type { EngineEvent } from '../src/engine/snapshot.js';
import { formatTimeOfDay } from '../src/core/format.js';
import { DAY_MS } from '../src/core/units.js';
import { PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { rowRange } from './row-range.js';
import { padRight } from './text-fit.js';
import { EVENT_COLORS } from './theme.js';

export function eventRowsVisible(innerHeight: number): number {
  return Math.max(0, innerHeight);
}

export interface EventsPanelProps {
  /** Newest last, as in the snapshot (after the filter); drawn newest first. */
  readonly events: readonly EngineEvent[];
  /** Events before the filter (default: as many as shown). */
  readonly total?: number;
  /** The `/` filter: its text, and whether it is being typed. */
  readonly filter?: { readonly text: string; readonly editing: boolean };
  /** The selected row, highlighted while the panel has the focus. */
  readonly cursor?: number;
  /** Rows scrolled away from the newest event (date rows count). */
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** The UTC day an event falls on, as the times beside the events are UTC. */
const dayOf = (time: number): number => Math.floor(time / DAY_MS);
/** `Wed 2025-03-05`. */
export function formatDayLabel(time: number): string {
  const date = new Date(time);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.toISOString().slice(0, 10)}`;
}

export type EventRow =
  | { readonly kind: 'event'; readonly event: EngineEvent }
  | { readonly kind: 'day'; readonly label: string; readonly key: string };

/** All rows, newest first: the events, and between two on different days a row with the older one's date. */
export function eventRows(events: readonly EngineEvent[]): EventRow[] {
  const rows: EventRow[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as EngineEvent;
    const newer = events[i + 1];
    if (newer !== undefined && dayOf(newer.time) !== dayOf(event.time))
      rows.push({ kind: 'day', label: formatDayLabel(event.time), key: `day-${event.seq}` });
    rows.push({ kind: 'event', event });
  }
  return rows;
}

/** Rows the panel's list has: one per event and one per change of day (what it scrolls over). */
export function eventRowCount(events: readonly EngineEvent[]): number {
  let count = events.length;
  for (let i = 1; i < events.length; i++)
    if (dayOf((events[i] as EngineEvent).time) !== dayOf((events[i - 1] as EngineEvent).time)) count++;
  return count;
}

/** `Events /fill▏ 12 of 188  rows 1–10 of 14`: the filter being typed or in force, and the rows on screen. */
export function eventsTitle(
  filter: { readonly text: string; readonly editing: boolean } | undefined,
  matching: number,
  total: number,
  range: string | null,
): string {
  const parts = ['Events'];
  if (filter !== undefined && (filter.editing || filter.text !== ''))
    parts.push(`/${filter.text}${filter.editing ? '▏' : ''} ${matching} of ${total}`);
  if (range !== null) parts.push(range);
  return parts.join('  ');
}

function EventsPanelView(props: EventsPanelProps): ReactNode {
  const { events, scroll, width, height, focused, filter, cursor } = props;
  const all = useMemo(() => eventRows(events), [events]);
  const visible = eventRowsVisible(height - PANEL_FRAME_ROWS);
  const skip = Math.min(scroll, Math.max(0, all.length - visible));
  const rows = all.slice(skip, skip + visible);
  const range = all.length > visible ? rowRange(skip, visible, all.length) : null;
  const title = eventsTitle(filter, events.length, props.total ?? events.length, range);
  const filtering = filter !== undefined && filter.text !== '';
  return (
    <Panel title={title} width={width} height={height} focused={focused}>
      {events.length === 0 ? (
        <Text wrap="truncate" dimColor>
          {filtering ? 'no event matches the filter' : 'no events yet'}
        </Text>
      ) : (
        rows.map((row, i) =>
          row.kind === 'day' ? (
            <Text key={row.key} wrap="truncate" dimColor>
              ── {row.label} ──
            </Text>
          ) : (
            <Text key={row.event.seq} wrap="truncate" inverse={focused && skip + i === cursor}>
              <Text dimColor>{formatTimeOfDay(row.event.time)} </Text>
              <Text color={EVENT_COLORS[row.event.kind]}>{padRight(row.event.kind, 9)}</Text>
              {row.event.message}
            </Text>
          ),
        )
      )}
    </Panel>
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const EventsPanel = memo(EventsPanelView);
