/**
 * A restart shows the saved state at once. The engine takes a saved portfolio back only after the
 * backfill (its prices and signals need the bars); until then its snapshot is a fresh start's
 * (starting cash, iteration 0, no chart). These controls show the saved state instead — equity and
 * its chart, iteration, positions, regime and its history, events, from the database — marked
 * `catchingUp`, with the engine's own downloads, memory and phase, until the backfill ends.
 */
import { PARAMS_BY_REGIME } from '../core/regime.js';
import type { EngineControls } from '../engine/controls.js';
import { toPositionViews } from '../engine/position-views.js';
import { readProcessMemory } from '../engine/process-memory.js';
import type { EngineEvent, EngineSnapshot } from '../engine/snapshot.js';
import type { ResumeState } from '../engine/trading-record.js';

const isCatchingUp = (snapshot: EngineSnapshot): boolean =>
  snapshot.phase === 'starting' || snapshot.phase === 'backfill';

/** The saved state drawn over the engine's snapshot of a run still catching up. */
export function savedStateSnapshot(live: EngineSnapshot, resume: ResumeState): EngineSnapshot {
  const saved = resume.checkpoint;
  let equity = saved.cash;
  for (const p of saved.positions) equity += p.qty * p.lastPrice;
  const history = resume.regimeHistory;
  const lastChange = history.at(-1);
  const current = saved.regime.current;
  // Events of this run so far (download failures of the backfill) come after the saved ones.
  const lastSavedSeq = resume.events.at(-1)?.seq ?? 0;
  const events: readonly EngineEvent[] = [
    ...resume.events,
    ...live.events.map((event) => ({ ...event, seq: lastSavedSeq + event.seq })),
  ];
  return Object.freeze({
    ...live,
    iteration: saved.iteration,
    marketTime: saved.marketTime,
    cash: saved.cash,
    equity: Object.freeze({
      times: resume.equityTimes,
      values: resume.equityValues,
      ...(resume.equityFillSides === undefined ? {} : { fillSides: resume.equityFillSides }),
      capacity: live.equity.capacity,
      start: live.equity.start,
      current: equity,
      maxDrawdown: saved.maxDrawdown,
    }),
    positions: toPositionViews(saved.positions, equity),
    regime: Object.freeze({
      current,
      // The checkpoint does not keep the confidence; the change into the current regime does.
      confidence: lastChange !== undefined && lastChange.to === current ? lastChange.confidence : 0,
      since: saved.regime.since,
      bars: saved.regime.bars,
      history,
      params: PARAMS_BY_REGIME[current],
    }),
    events: Object.freeze(events),
    // The engine measures memory once an iteration: none yet.
    memory: live.memory.rss > 0 ? live.memory : readProcessMemory(),
    trades: saved.trades,
    realizedPnl: saved.realizedPnl,
    haltReason: saved.risk.haltReason,
    buysOff: saved.buysOff === true,
    catchingUp: true,
  });
}

/** The engine's controls, its snapshot showing the saved state while the run catches up. */
export function showSavedStateWhileCatchingUp(engine: EngineControls, resume: ResumeState | null): EngineControls {
  if (resume === null) return engine;
  let last: { live: EngineSnapshot; shown: EngineSnapshot } | null = null;
  return {
    getSnapshot: () => {
      const live = engine.getSnapshot();
      if (!isCatchingUp(live)) {
        last = null;
        return live;
      }
      if (last?.live !== live) last = { live, shown: savedStateSnapshot(live, resume) };
      return last.shown;
    },
    subscribe: (onChange) => engine.subscribe(onChange),
    togglePause: () => engine.togglePause(),
    retryFailedDownloads: () => engine.retryFailedDownloads(),
    closeAllPositions: () => engine.closeAllPositions(),
    toggleBuys: () => engine.toggleBuys(),
    symbolHistory: (symbol) => engine.symbolHistory(symbol),
    stop: () => engine.stop(),
  };
}
