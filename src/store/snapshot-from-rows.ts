/** Turns what `watch` reads from the database into the parts of the engine's snapshot. Pure: no I/O. */
import { PARAMS_BY_REGIME } from '../core/regime.js';
import { REGIME_NAMES, type RegimeName } from '../core/regime-types.js';
import { assembleSnapshot, type RegimeExtras } from '../engine/build-snapshot.js';
import { fillSidesOf } from '../engine/equity-series.js';
import type { Checkpoint } from '../engine/checkpoint.js';
import type { DownloadStatusView } from '../engine/download-status.js';
import type {
  EngineEvent,
  EngineEventKind,
  EngineSnapshot,
  LoopPhase,
  MemoryView,
  Mode,
  RegimeChange,
} from '../engine/snapshot.js';
import { readCheckpoint } from './checkpoint-reader.js';
import type { EquityRow, EventRow, NewestRows, RegimeChangeRow } from './newest-rows.js';
import { readRunOptions } from './run-options.js';
import { DEFAULT_EQUITY_POINTS } from '../core/limits.js';

/** The bot's download state is not stored; the Downloads panel says so. */
export const NO_DOWNLOADS: DownloadStatusView = Object.freeze({ round: null, rows: Object.freeze([]) });

export interface RunRow {
  readonly mode: string;
  readonly started_at: number;
  readonly ended_at: number | null;
  readonly options: string;
}

/** One consistent read of the database; every list newest first, as the queries return them. */
export interface DatabaseRows extends NewestRows {
  readonly checkpointState: string;
  readonly startingCash: number;
  readonly run: RunRow | undefined;
}

const MODES: readonly Mode[] = ['SIM', 'PAPER', 'LIVE'];
const EVENT_KINDS: readonly EngineEventKind[] = ['fill', 'regime', 'risk', 'download', 'error', 'info'];

const isRegime = (name: unknown): name is RegimeName => REGIME_NAMES.some((r) => r === name);

function equitySeries(rows: readonly EquityRow[]): { times: Float64Array; values: Float64Array } {
  const count = rows.length;
  const times = new Float64Array(count);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const row = rows[count - 1 - i] as EquityRow;
    times[i] = row.time;
    values[i] = row.equity;
  }
  return { times, values };
}

function eventViews(rows: readonly EventRow[]): readonly EngineEvent[] {
  const events: EngineEvent[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i] as EventRow;
    const kind = EVENT_KINDS.find((k) => k === row.kind) ?? 'info';
    events.push(Object.freeze({ seq: row.id, time: row.time, kind, message: row.message }));
  }
  return events;
}

function regimeHistory(rows: readonly RegimeChangeRow[]): readonly RegimeChange[] {
  const history: RegimeChange[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i] as RegimeChangeRow;
    if (!isRegime(row.from_regime) || !isRegime(row.to_regime)) continue;
    history.push(
      Object.freeze({ time: row.time, from: row.from_regime, to: row.to_regime, confidence: row.confidence }),
    );
  }
  return history;
}

function equityOf(checkpoint: Checkpoint): number {
  let equity = checkpoint.cash;
  for (const p of checkpoint.positions) equity += p.qty * p.lastPrice;
  return equity;
}

/** The regime panel's extras a newer checkpoint holds (the reader has checked them). */
function regimeExtras(regime: Checkpoint['regime']): RegimeExtras {
  const { posterior, learning, expectedRemainingBars, truth } = regime;
  return {
    ...(posterior === undefined ? {} : { posterior }),
    ...(learning === undefined ? {} : { learning }),
    ...(expectedRemainingBars === undefined ? {} : { expectedRemainingBars }),
    ...(truth === undefined ? {} : { truth }),
  };
}

export interface WatchContext {
  /** The watcher has been told to stop (q). */
  readonly stopped: boolean;
  /** The watcher's own memory: the bot's is not stored. */
  readonly memory: MemoryView;
}

export function snapshotFromRows(rows: DatabaseRows, context: WatchContext): EngineSnapshot {
  const checkpoint = readCheckpoint(rows.checkpointState);
  const { times, values } = equitySeries(rows.equityNewestFirst);
  const history = regimeHistory(rows.regimeChangesNewestFirst);
  const lastChange = history.at(-1);
  const runEnded = rows.run !== undefined && rows.run.ended_at !== null;
  const phase: LoopPhase = context.stopped || runEnded ? 'stopped' : 'running';
  const current = checkpoint.regime.current;
  const { iterations, intervalMs, equityPoints, barMinutes } = readRunOptions(rows.run?.options);
  return assembleSnapshot({
    mode: MODES.find((m) => m === rows.run?.mode.toUpperCase()) ?? 'SIM',
    phase,
    iteration: checkpoint.iteration,
    iterations,
    intervalMs,
    ...(barMinutes === undefined ? {} : { barMinutes }),
    marketTime: checkpoint.marketTime,
    cash: checkpoint.cash,
    equity: equityOf(checkpoint),
    positions: checkpoint.positions,
    equityTimes: times,
    equityValues: values,
    equityFillSides: fillSidesOf(times, rows.fillSidesInEquitySpan),
    equityCapacity: equityPoints,
    startingCash: rows.startingCash,
    maxDrawdown: checkpoint.maxDrawdown,
    regime: {
      current,
      // The checkpoint does not keep the confidence; the change into the current regime does.
      confidence: lastChange !== undefined && lastChange.to === current ? lastChange.confidence : 0,
      since: checkpoint.regime.since,
      bars: checkpoint.regime.bars,
      history,
      params: PARAMS_BY_REGIME[current],
      ...regimeExtras(checkpoint.regime),
    },
    downloads: NO_DOWNLOADS,
    events: eventViews(rows.eventsNewestFirst),
    memory: context.memory,
    trades: checkpoint.trades,
    realizedPnl: checkpoint.realizedPnl,
    haltReason: checkpoint.risk.haltReason,
    buysOff: checkpoint.buysOff === true,
  });
}

/** Before the bot has saved its first checkpoint. */
export function emptyWatchSnapshot(context: WatchContext): EngineSnapshot {
  return assembleSnapshot({
    mode: 'SIM',
    phase: context.stopped ? 'stopped' : 'starting',
    iteration: 0,
    iterations: null,
    intervalMs: 0,
    marketTime: Number.NaN,
    cash: 0,
    equity: 0,
    positions: [],
    equityTimes: new Float64Array(0),
    equityValues: new Float64Array(0),
    equityCapacity: DEFAULT_EQUITY_POINTS,
    startingCash: 0,
    maxDrawdown: 0,
    regime: {
      current: 'range',
      confidence: 0,
      since: Number.NaN,
      bars: 0,
      history: [],
      params: PARAMS_BY_REGIME.range,
    },
    downloads: NO_DOWNLOADS,
    events: [],
    memory: context.memory,
    trades: 0,
    realizedPnl: 0,
    haltReason: null,
  });
}
