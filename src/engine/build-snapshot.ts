/**
 * The one snapshot assembler: the engine (from its live state) and `watch` (from the database) both
 * hand their parts here and get the same frozen snapshot, so the two can never drift apart.
 */
import type { Position } from '../core/model.js';
import type { StrategyParams, RegimeName } from '../core/regime-types.js';
import type { DownloadStatusView } from './download-status.js';
import type { EngineEvent, EngineSnapshot, LoopPhase, MemoryView, Mode, RegimeChange, RegimeView } from './snapshot.js';
import { toPositionViews } from './position-views.js';

/** What the regime panel shows beyond the regime in force (issue 9); absent where not known. */
export type RegimeExtras = Pick<RegimeView, 'posterior' | 'learning' | 'expectedRemainingBars' | 'truth'>;

export interface SnapshotParts {
  readonly mode: Mode;
  readonly phase: LoopPhase;
  readonly iteration: number;
  readonly iterations: number | null;
  readonly intervalMs: number;
  /** Market minutes per bar, where the timeframe is known. */
  readonly barMinutes?: number;
  readonly marketTime: number;
  readonly cash: number;
  /** Cash plus the positions at their last prices. */
  readonly equity: number;
  readonly positions: Iterable<Position>;
  /** Oldest first; taken as they are (the caller hands over arrays nobody writes to). */
  readonly equityTimes: Float64Array;
  readonly equityValues: Float64Array;
  /** Per point, the sides of the fills in its span (FILL_BUY | FILL_SELL); absent where not known. */
  readonly equityFillSides?: Uint8Array;
  readonly equityCapacity: number;
  readonly startingCash: number;
  readonly maxDrawdown: number;
  readonly regime: {
    readonly current: RegimeName;
    readonly confidence: number;
    readonly since: number;
    readonly bars: number;
    /** Oldest first. */
    readonly history: readonly RegimeChange[];
    readonly params: StrategyParams;
  } & RegimeExtras;
  readonly downloads: DownloadStatusView;
  /** Oldest first. */
  readonly events: readonly EngineEvent[];
  readonly memory: MemoryView;
  readonly trades: number;
  readonly realizedPnl: number;
  readonly haltReason: string | null;
  readonly buysOff?: boolean;
  readonly market?: { readonly open: boolean; readonly nextOpen: number } | null;
}

/** A frozen snapshot that later changes to the parts' sources cannot touch. */
export function assembleSnapshot(parts: SnapshotParts): EngineSnapshot {
  const regime = parts.regime;
  return Object.freeze({
    mode: parts.mode,
    phase: parts.phase,
    iteration: parts.iteration,
    iterations: parts.iterations,
    intervalMs: parts.intervalMs,
    ...(parts.barMinutes === undefined ? {} : { barMinutes: parts.barMinutes }),
    marketTime: parts.marketTime,
    cash: parts.cash,
    equity: Object.freeze({
      times: parts.equityTimes,
      values: parts.equityValues,
      ...(parts.equityFillSides === undefined ? {} : { fillSides: parts.equityFillSides }),
      capacity: parts.equityCapacity,
      start: parts.startingCash,
      current: parts.equity,
      maxDrawdown: parts.maxDrawdown,
    }),
    positions: toPositionViews(parts.positions, parts.equity),
    regime: Object.freeze({
      current: regime.current,
      confidence: regime.confidence,
      since: regime.since,
      bars: regime.bars,
      history: Object.freeze(regime.history),
      params: regime.params,
      ...(regime.posterior === undefined ? {} : { posterior: Object.freeze([...regime.posterior]) }),
      ...(regime.learning === undefined ? {} : { learning: regime.learning }),
      ...(regime.expectedRemainingBars === undefined ? {} : { expectedRemainingBars: regime.expectedRemainingBars }),
      ...(regime.truth === undefined ? {} : { truth: Object.freeze({ ...regime.truth }) }),
    }),
    downloads: parts.downloads,
    events: Object.freeze(parts.events),
    memory: parts.memory,
    trades: parts.trades,
    realizedPnl: parts.realizedPnl,
    haltReason: parts.haltReason,
    buysOff: parts.buysOff === true,
    ...(parts.market === undefined || parts.market === null
      ? {}
      : { market: { open: parts.market.open, nextOpen: parts.market.nextOpen } }),
  });
}
