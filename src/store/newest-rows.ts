/**
 * The newest rows of a portfolio (across its runs) that a restart and `watch` load back: equity
 * points, events and regime changes, newest first. One set of queries for both.
 */
import { EVENT_CAPACITY, REGIME_HISTORY_CAPACITY } from '../core/limits.js';

export interface EquityRow {
  readonly time: number;
  readonly equity: number;
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
const EVENTS = `SELECT id, time, kind, message FROM events WHERE run_id IN (${PORTFOLIO_RUNS}) ORDER BY id DESC LIMIT ?`;
const REGIME_CHANGES = `SELECT time, from_regime, to_regime, confidence FROM regime_changes
  WHERE run_id IN (${PORTFOLIO_RUNS}) ORDER BY id DESC LIMIT ?`;

/** The newest `equityPoints` equity points, and as many events and regime changes as the engine keeps. */
export async function readNewestRows(read: ReadRows, portfolioId: number, equityPoints: number): Promise<NewestRows> {
  const equityNewestFirst = await read<EquityRow>(EQUITY, [portfolioId, equityPoints]);
  const eventsNewestFirst = await read<EventRow>(EVENTS, [portfolioId, EVENT_CAPACITY]);
  const regimeChangesNewestFirst = await read<RegimeChangeRow>(REGIME_CHANGES, [portfolioId, REGIME_HISTORY_CAPACITY]);
  return { equityNewestFirst, eventsNewestFirst, regimeChangesNewestFirst };
}
