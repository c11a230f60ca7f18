import { memo, useMemo, type ReactNode } from 'react';
import { Text } from 'ink';
import type { EngineEvent } from '../src/engine/snapshot.js';
import type { Side } from '../src/core/model.js';
import { parseFillText, type FillText } from '../src/engine/event-text.js';
import { formatTimeOfDay } from '../src/core/format.js';
import { DAY_MS } from '../src/core/units.js';
import { PANEL_FRAME_COLUMNS, PANEL_FRAME_ROWS } from './layout-plan.js';
import { Panel } from './panel.js';
import { eventsRange, eventsWindow } from './events-view.js';
import { padRight } from './text-fit.js';
import { EVENT_COLORS } from './theme.js';

export function eventRowsVisible(innerHeight: number): number {
  return Math.max(0, innerHeight);
}

export interface EventsPanelProps {
  /** Newest last, as in the snapshot (after the filter); drawn so, oldest at the top (a log). */
  readonly events: readonly EngineEvent[];
  /** `eventRows(events)` when the caller has them already (it is O(events) per new snapshot). */
  readonly rows?: readonly EventRow[];
  /** Events before the filter (default: as many as shown). */
  readonly total?: number;
  /** The `/` filter: its text, and whether it is being typed. */
  readonly filter?: { readonly text: string; readonly editing: boolean };
  /** The selected row, highlighted while the panel has the focus. */
  readonly cursor?: number;
  /** The row on the top line, counted from the newest (date rows count): see events-view. */
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
}

/** `14:31:00 ` and the kind's column before an event's text. */
const TIME_WIDTH = 9;
const KIND_WIDTH = 9;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** The UTC day an event falls on, as the times beside the events are UTC. */
const dayOf = (time: number): number => Math.floor(time / DAY_MS);
/** `Wed 2025-03-05`. */
export function formatDayLabel(time: number): string {
  const date = new Date(time);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.toISOString().slice(0, 10)}`;
}

/** The fills of one iteration (consecutive fill events at one market time), oldest first. */
export interface FillGroup {
  readonly time: number;
  readonly fills: readonly { readonly event: EngineEvent; readonly fill: FillText }[];
}

export type EventRow =
  | { readonly kind: 'event'; readonly event: EngineEvent }
  | { readonly kind: 'fills'; readonly group: FillGroup; readonly key: string }
  | { readonly kind: 'day'; readonly label: string; readonly key: string };

/** What `Enter` opens for a row of fills: the first and last event numbers of its iteration. */
export const fillsKey = (first: number, last: number): string => `fills-${first}-${last}`;

/** The first and last event numbers a `fillsKey` names, or null for another key. */
export function parseFillsKey(key: string): { readonly first: number; readonly last: number } | null {
  const match = /^fills-(\d+)-(\d+)$/.exec(key);
  return match === null ? null : { first: Number(match[1]), last: Number(match[2]) };
}

/** The newest event number a row shows (null for a date row). */
export function rowNewestSeq(row: EventRow): number | null {
  if (row.kind === 'event') return row.event.seq;
  if (row.kind === 'fills') return (row.group.fills.at(-1) as { event: EngineEvent }).event.seq;
  return null;
}

/** Whether the row shows the event numbered `seq`. */
export function rowHolds(row: EventRow, seq: number): boolean {
  if (row.kind === 'event') return row.event.seq === seq;
  if (row.kind === 'fills') return row.group.fills.some((f) => f.event.seq === seq);
  return false;
}

/** A row's market time (a date row's is the day's older event). */
const rowTime = (row: EventRow & { kind: 'event' | 'fills' }): number =>
  row.kind === 'event' ? row.event.time : row.group.time;

/** Each fill event's parsed text (null: not a fill), worked out once: events live on from snapshot to snapshot. */
const parsedFills = new WeakMap<EngineEvent, FillText | null>();
function fillOf(event: EngineEvent): FillText | null {
  if (event.kind !== 'fill') return null;
  let fill = parsedFills.get(event);
  if (fill === undefined) {
    fill = parseFillText(event.message);
    parsedFills.set(event, fill);
  }
  return fill;
}

/**
 * Rows made before, by their (first) event: a new snapshot's rows are mostly the last one's, so each
 * frame does not make a thousand row objects again. A row of fills is taken again only while its
 * iteration's fills are the same (the oldest can lose fills as the events ring moves on).
 */
const eventRowOf = new WeakMap<EngineEvent, EventRow & { kind: 'event' }>();
const fillsRowOf = new WeakMap<EngineEvent, EventRow & { kind: 'fills' }>();
const dayRowBefore = new WeakMap<EventRow, EventRow & { kind: 'day' }>();

/** Whether a row of fills holds exactly `events[start..end)` (a filter can leave out fills in between). */
function sameEvents(fills: FillGroup['fills'], events: readonly EngineEvent[], start: number, end: number): boolean {
  if (fills.length !== end - start) return false;
  for (let j = start; j < end; j++) if ((fills[j - start] as { event: EngineEvent }).event !== events[j]) return false;
  return true;
}

/**
 * The events as rows, oldest first: the fills of one iteration (two or more fill events in a row at
 * the same market time) are one row; every other event, and a lone fill, a row of its own.
 */
function foldFills(events: readonly EngineEvent[]): (EventRow & { kind: 'event' | 'fills' })[] {
  const rows: (EventRow & { kind: 'event' | 'fills' })[] = [];
  let i = 0;
  while (i < events.length) {
    const event = events[i] as EngineEvent;
    // The iteration's fills: this event and the fills right after it at the same market time.
    let end = i;
    if (fillOf(event) !== null) {
      end = i + 1;
      while (end < events.length) {
        const next = events[end] as EngineEvent;
        if (next.time !== event.time || fillOf(next) === null) break;
        end++;
      }
    }
    if (end - i >= 2) {
      const last = events[end - 1] as EngineEvent;
      let row = fillsRowOf.get(event);
      if (row === undefined || !sameEvents(row.group.fills, events, i, end)) {
        const fills: { event: EngineEvent; fill: FillText }[] = [];
        for (let j = i; j < end; j++)
          fills.push({ event: events[j] as EngineEvent, fill: fillOf(events[j] as EngineEvent) as FillText });
        row = { kind: 'fills', group: { time: event.time, fills }, key: fillsKey(event.seq, last.seq) };
        fillsRowOf.set(event, row);
      }
      rows.push(row);
      i = end;
    } else {
      let row = eventRowOf.get(event);
      if (row === undefined) {
        row = { kind: 'event', event };
        eventRowOf.set(event, row);
      }
      rows.push(row);
      i++;
    }
  }
  return rows;
}

/**
 * All rows, newest first (the panel draws them oldest at the top): the events (an iteration's fills
 * folded), and between two on different days a row with the newer one's date, which reads above the
 * rows of that day.
 */
export function eventRows(events: readonly EngineEvent[]): EventRow[] {
  const folded = foldFills(events);
  const rows: EventRow[] = [];
  for (let i = folded.length - 1; i >= 0; i--) {
    const row = folded[i] as EventRow & { kind: 'event' | 'fills' };
    rows.push(row);
    const older = folded[i - 1];
    if (older !== undefined && dayOf(rowTime(older)) !== dayOf(rowTime(row))) {
      let day = dayRowBefore.get(row);
      if (day === undefined) {
        day = { kind: 'day', label: formatDayLabel(rowTime(row)), key: `day-${rowNewestSeq(row)}` };
        dayRowBefore.set(row, day);
      }
      rows.push(day);
    }
  }
  return rows;
}

/** Rows the panel's list has: one per event or iteration's fills, and one per change of day (what it scrolls over). */
export function eventRowCount(events: readonly EngineEvent[]): number {
  return eventRows(events).length;
}

const sideText = (side: Side, fills: readonly { readonly fill: FillText }[]): string[] =>
  fills.filter((f) => f.fill.side === side).map((f) => `${f.fill.symbol} ${f.fill.qty}`);

/**
 * `12 fills  buy AAPL 10, MSFT 4 · sell TSLA 3 … +8` within `width`: as many fills as fit (the first
 * of each side before the others), the rest counted; at least one named.
 */
export function fillsText(group: FillGroup, width: number): string {
  // Rows of fills live on from frame to frame (see foldFills): their text is worked out once per width.
  const known = fillsTexts.get(group);
  if (known?.width === width) return known.text;
  const text = composeFillsText(group, width);
  fillsTexts.set(group, { width, text });
  return text;
}

const fillsTexts = new WeakMap<FillGroup, { readonly width: number; readonly text: string }>();

function composeFillsText(group: FillGroup, width: number): string {
  const head = `${group.fills.length} fills`;
  const order = [
    ...group.fills.filter((f) => f === group.fills.find((g) => g.fill.side === f.fill.side)),
    ...group.fills.filter((f) => f !== group.fills.find((g) => g.fill.side === f.fill.side)),
  ];
  const compose = (shown: number): string => {
    const kept = new Set(order.slice(0, shown));
    const listed = group.fills.filter((f) => kept.has(f));
    const parts = (['buy', 'sell'] as const)
      .map((side) => ({ side, items: sideText(side, listed) }))
      .filter((p) => p.items.length > 0)
      .map((p) => `${p.side} ${p.items.join(', ')}`);
    const rest = group.fills.length - shown;
    return `${head}  ${parts.join(' · ')}${rest > 0 ? ` … +${rest}` : ''}`;
  };
  for (let shown = order.length; shown > 1; shown--) {
    const text = compose(shown);
    if (text.length <= width) return text;
  }
  // Too narrow for even one fill of each side: one, and the count (the row is cut after it).
  return compose(1);
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
  const all = useMemo(() => props.rows ?? eventRows(events), [props.rows, events]);
  const visible = eventRowsVisible(height - PANEL_FRAME_ROWS);
  const shown = eventsWindow(all.length, visible, { top: scroll, cursor: cursor ?? 0 });
  // Oldest at the top: the rows from the top line's down to the newest shown.
  const rows = all.slice(shown.top - shown.count + 1, shown.top + 1).reverse();
  const indexAt = (line: number): number => shown.top - line;
  const range = all.length > visible ? eventsRange(all.length, shown) : null;
  const title = eventsTitle(filter, events.length, props.total ?? events.length, range);
  const filtering = filter !== undefined && filter.text !== '';
  const textWidth = width - PANEL_FRAME_COLUMNS - TIME_WIDTH - KIND_WIDTH;
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
            <Text
              key={row.kind === 'event' ? row.event.seq : row.key}
              wrap="truncate"
              inverse={focused && indexAt(i) === cursor}
            >
              <Text dimColor>{`${formatTimeOfDay(row.kind === 'event' ? row.event.time : row.group.time)} `}</Text>
              <Text color={EVENT_COLORS[row.kind === 'event' ? row.event.kind : 'fill']}>
                {padRight(row.kind === 'event' ? row.event.kind : 'fill', KIND_WIDTH)}
              </Text>
              {row.kind === 'event' ? row.event.message : fillsText(row.group, textWidth)}
            </Text>
          ),
        )
      )}
    </Panel>
  );
}

/** Draws again only when its props (its part of the snapshot, its size, focus) change. */
export const EventsPanel = memo(EventsPanelView);
