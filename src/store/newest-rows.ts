/**
 * The newest rows of a portfolio (across its runs) that a restart and `watch` load back: equity
 * points, the fills in their span (for the chart's marks), events and regime changes, newest first.
 * One set of queries for both.
 */
import { EVENT_CAPACITY, REGIME_HISTORY_CAPACITY } from '../core/limits.js';
import type { Side } from '../core/model.js';

export interface EquityRow {
  readonly time: number;
  readonly equity: number;
}

/** A side filled at a time (one row per time and side, however many fills). */
export interface FillSideRow {
  readonly time: number;
  readonly side: Side;
}

export interface EventRow {
  readonly id: number;
  readonly time: number;
  readonly kind: string;
  readonly message: string;
}

export interface RegimeChangeRow {
  readonly time: number;
  readonly from_regime: string;
  readonly to_regime: string;
  readonly confidence: number;
}

export interface NewestRows {
  readonly equityNewestFirst: readonly EquityRow[];
  /** The sides filled in the span of the equity points loaded (after the point before them), in no order. */
  readonly fillSidesInEquitySpan: readonly FillSideRow[];
  readonly eventsNewestFirst: readonly EventRow[];
  readonly regimeChangesNewestFirst: readonly RegimeChangeRow[];
}

/** Runs a read and returns its rows (a connection's `all`, or a prepare-run-finalize `each`). */
export type ReadRows = <T>(sql: string, params: readonly number[]) => Promise<T[]>;

const PORTFOLIO_RUNS = 'SELECT id FROM runs WHERE portfolio_id = ?';
// Newest first by the primary key (runs follow one another, iterations rise within a run): ordering
// by time would sort every point the portfolio ever had.
const EQUITY = `SELECT time, equity FROM equity_points WHERE run_id IN (${PORTFOLIO_RUNS})
  ORDER BY run_id DESC, iteration DESC LIMIT ?`;
// Grouped: as many rows as distinct times and sides, not one per fill.
const FILL_SIDES = `SELECT time, side FROM fills WHERE run_id IN (${PORTFOLIO_RUNS}) AND time > ? AND time <= ?
  GROUP BY time, side`;
const EVENTS = `SELECT id, time, kind, message FROM events WHERE run_id IN (${PORTFOLIO_RUNS}) ORDER BY id DESC LIMIT ?`;
const REGIME_CHANGES = `SELECT time, from_regime, to_regime, confidence FROM regime_changes
  WHERE run_id IN (${PORTFOLIO_RUNS}) ORDER BY id DESC LIMIT ?`;

/** The newest `equityPoints` equity points, and as many events and regime changes as the engine keeps. */
export async function readNewestRows(read: ReadRows, portfolioId: number, equityPoints: number): Promise<NewestRows> {
  // One point more than loaded: its time is where the oldest loaded point's span of fills begins.
  const equityAndBefore = await read<EquityRow>(EQUITY, [portfolioId, equityPoints + 1]);
  const equityNewestFirst = equityAndBefore.slice(0, equityPoints);
  const newest = equityNewestFirst[0];
  const before = equityAndBefore.length > equityPoints ? equityAndBefore[equityPoints]?.time : undefined;
  const fillSidesInEquitySpan =
    newest === undefined
      ? []
      : await read<FillSideRow>(FILL_SIDES, [portfolioId, before ?? -Number.MAX_VALUE, newest.time]);
  const eventsNewestFirst = await read<EventRow>(EVENTS, [portfolioId, EVENT_CAPACITY]);
  const regimeChangesNewestFirst = await read<RegimeChangeRow>(REGIME_CHANGES, [portfolioId, REGIME_HISTORY_CAPACITY]);
  return { equityNewestFirst, fillSidesInEquitySpan, eventsNewestFirst, regimeChangesNewestFirst };
}
