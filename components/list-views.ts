/** The lists as the user asked to see them: events filtered by `/`, positions sorted by `s`. Pure. */
import type { EngineEvent, PositionView } from '../src/engine/snapshot.js';

export const POSITION_SORTS = ['value', 'pnl', 'weight', 'symbol'] as const;
export type PositionSort = (typeof POSITION_SORTS)[number];

/** As the Positions header names the sort. */
export const SORT_LABELS: Readonly<Record<PositionSort, string>> = {
  value: 'value',
  pnl: 'P&L',
  weight: 'Wt%',
  symbol: 'symbol',
};

export function nextSort(sort: PositionSort): PositionSort {
  return POSITION_SORTS[(POSITION_SORTS.indexOf(sort) + 1) % POSITION_SORTS.length] as PositionSort;
}

/** Largest first for the figures (then by symbol, so ties keep their place), A to Z for symbols. */
export function sortPositions(positions: readonly PositionView[], sort: PositionSort): readonly PositionView[] {
  const bySymbol = (a: PositionView, b: PositionView): number =>
    a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
  const figure = (p: PositionView): number =>
    sort === 'pnl' ? p.unrealizedPnl : sort === 'weight' ? p.weight : p.marketValue;
  if (sort === 'symbol') return [...positions].sort(bySymbol);
  return [...positions].sort((a, b) => figure(b) - figure(a) || bySymbol(a, b));
}

/**
 * Events whose type or text holds the filter (any case); all of them for an empty filter. `fill`
 * keeps the fills, `AAPL` every event naming AAPL, `error` the errors and messages saying error.
 */
export function filterEvents(events: readonly EngineEvent[], filter: string): readonly EngineEvent[] {
  const wanted = filter.trim().toLowerCase();
  if (wanted === '') return events;
  return events.filter((e) => e.kind.includes(wanted) || e.message.toLowerCase().includes(wanted));
}
