import type { Portfolio } from '../core/portfolio.js';
import type { RegimeController } from '../core/regime.js';
import type { Float64Ring } from '../core/ring-buffer.js';
import type { DownloadStatusView } from '../market/download-status.js';
import type { EngineEvent, EngineSnapshot, LoopPhase, MemoryView, Mode } from './snapshot.js';
import { toPositionViews } from './position-views.js';

export interface SnapshotSources {
  readonly mode: Mode;
  readonly phase: LoopPhase;
  readonly iteration: number;
  readonly iterations: number | null;
  readonly intervalMs: number;
  readonly marketTime: number;
  readonly portfolio: Portfolio;
  readonly equityTimes: Float64Ring;
  readonly equityValues: Float64Ring;
  readonly startingCash: number;
  readonly maxDrawdown: number;
  readonly regime: RegimeController;
  readonly downloads: DownloadStatusView;
  readonly events: readonly EngineEvent[];
  readonly memory: MemoryView;
  readonly trades: number;
  readonly haltReason: string | null;
  readonly market?: { readonly open: boolean; readonly nextOpen: number } | null;
}

/** Copies the engine's state into a frozen snapshot that later changes cannot touch. */
export function buildSnapshot(source: SnapshotSources): EngineSnapshot {
  const equity = source.portfolio.equity();
  const positions = toPositionViews(source.portfolio.positions(), equity);
  const regime = source.regime;
  return Object.freeze({
    mode: source.mode,
    phase: source.phase,
    iteration: source.iteration,
    iterations: source.iterations,
    intervalMs: source.intervalMs,
    marketTime: source.marketTime,
    cash: source.portfolio.cash,
    equity: Object.freeze({
      times: source.equityTimes.toArray(),
      values: source.equityValues.toArray(),
      capacity: source.equityValues.capacity,
      start: source.startingCash,
      current: equity,
      maxDrawdown: source.maxDrawdown,
    }),
    positions,
    regime: Object.freeze({
      current: regime.regime,
      confidence: regime.confidence,
      since: regime.since,
      bars: regime.bars,
      history: Object.freeze(regime.history()),
      params: regime.params,
      posterior: Object.freeze(regime.posterior()),
      learning: regime.learning,
      expectedRemainingBars: regime.expectedRemainingBars,
      ...(regime.truth === null ? {} : { truth: regime.truth }),
    }),
    downloads: source.downloads,
    events: Object.freeze(source.events.slice()),
    memory: source.memory,
    trades: source.trades,
    realizedPnl: source.portfolio.realizedPnl,
    haltReason: source.haltReason,
    ...(source.market === undefined || source.market === null
      ? {}
      : { market: { open: source.market.open, nextOpen: source.market.nextOpen } }),
  });
}
