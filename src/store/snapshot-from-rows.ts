/** Turns what `watch` reads from the database into the snapshot the UI draws. Pure: no I/O. */
import { PARAMS_BY_REGIME } from '../core/regime.js';
import { REGIME_NAMES, type RegimeName } from '../core/regime-types.js';
import { toPositionViews } from '../engine/position-views.js';
import type { Checkpoint } from '../engine/checkpoint.js';
import type {
  EngineEvent,
  EngineEventKind,
  EngineSnapshot,
  LoopPhase,
  MemoryView,
  Mode,
  PositionView,
  RegimeChange,
  RegimeView,
} from '../engine/snapshot.js';
import type { DownloadStatusView } from '../market/download-status.js';

/** Equity points, events and regime changes a snapshot holds, as the engine keeps them. */
export const WATCH_LIMITS = { equityPoints: 1440, events: 200, regimeChanges: 256 } as const;

/** The bot's download state is not stored; the Downloads panel says so. */
export const NO_DOWNLOADS: DownloadStatusView = Object.freeze({ round: null, rows: Object.freeze([]) });

export interface RunRow {
  readonly mode: string;
  readonly started_at: number;
  readonly ended_at: number | null;
  readonly options: string;
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

export interface EquityRow {
  readonly time: number;
  readonly equity: number;
}

/** One consistent read of the database; every list newest first, as the queries return them. */
export interface DatabaseRows {
  readonly checkpointState: string;
  readonly startingCash: number;
  readonly run: RunRow | undefined;
  readonly equityNewestFirst: readonly EquityRow[];
  readonly eventsNewestFirst: readonly EventRow[];
  readonly regimeChangesNewestFirst: readonly RegimeChangeRow[];
}

const MODES: readonly Mode[] = ['SIM', 'PAPER', 'LIVE'];
const EVENT_KINDS: readonly EngineEventKind[] = ['fill', 'regime', 'risk', 'download', 'error', 'info'];

const isRegime = (name: unknown): name is RegimeName => REGIME_NAMES.some((r) => r === name);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Thrown for a checkpoint the watcher cannot make sense of; the poll shows it and keeps the old view. */
export class UnreadableCheckpointError extends Error {
  override readonly name = 'UnreadableCheckpointError';
}

/** Parses and checks the fields the UI needs; a newer writer may add fields, which are ignored. */
export function parseCheckpoint(state: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(state);
  } catch {
    throw new UnreadableCheckpointError('the checkpoint is not valid JSON');
  }
  const c = parsed as Partial<Checkpoint> | null;
  const ok =
    c !== null &&
    typeof c === 'object' &&
    isFiniteNumber(c.iteration) &&
    isFiniteNumber(c.marketTime) &&
    isFiniteNumber(c.cash) &&
    Array.isArray(c.positions) &&
    c.positions.every(
      (p) =>
        typeof p?.symbol === 'string' &&
        isFiniteNumber(p.qty) &&
        isFiniteNumber(p.avgPrice) &&
        isFiniteNumber(p.lastPrice),
    ) &&
    typeof c.regime === 'object' &&
    c.regime !== null &&
    isRegime(c.regime.current);
  if (!ok) throw new UnreadableCheckpointError('the checkpoint lacks fields this version needs');
  return c as Checkpoint;
}

/** The regime panel's extras a checkpoint holds (newer versions), each kept only when it is well formed. */
function regimeDetails(regime: Checkpoint['regime']): Partial<RegimeView> {
  const details: { -readonly [K in keyof RegimeView]?: RegimeView[K] } = {};
  const { posterior, learning, expectedRemainingBars, truth } = regime as Partial<Checkpoint['regime']>;
  if (Array.isArray(posterior) && posterior.length === REGIME_NAMES.length && posterior.every(isFiniteNumber))
    details.posterior = Object.freeze([...posterior]);
  if (typeof learning === 'boolean') details.learning = learning;
  if (isFiniteNumber(expectedRemainingBars)) details.expectedRemainingBars = expectedRemainingBars;
  if (
    typeof truth === 'object' &&
    truth !== null &&
    isRegime(truth.current) &&
    isFiniteNumber(truth.right) &&
    isFiniteNumber(truth.bars)
  )
    details.truth = Object.freeze({ current: truth.current, right: truth.right, bars: truth.bars });
  return details;
}

/** `runs.options` is the bot's options as JSON; only the loop's pace is shown from it. */
function runPace(options: string | undefined): { iterations: number | null; intervalMs: number } {
  try {
    const parsed = JSON.parse(options ?? '{}') as { iterations?: unknown; intervalMs?: unknown } | null;
    return {
      iterations: isFiniteNumber(parsed?.iterations) ? parsed.iterations : null,
      intervalMs: isFiniteNumber(parsed?.intervalMs) ? parsed.intervalMs : 0,
    };
  } catch {
    return { iterations: null, intervalMs: 0 };
  }
}

function positionViews(checkpoint: Checkpoint): { positions: readonly PositionView[]; equity: number } {
  let equity = checkpoint.cash;
  for (const p of checkpoint.positions) equity += p.qty * p.lastPrice;
  return { positions: toPositionViews(checkpoint.positions, equity), equity };
}

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
  return Object.freeze(events);
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
  return Object.freeze(history);
}

export interface WatchContext {
  /** The watcher has been told to stop (q). */
  readonly stopped: boolean;
  /** The watcher's own memory: the bot's is not stored. */
  readonly memory: MemoryView;
}

export function snapshotFromRows(rows: DatabaseRows, context: WatchContext): EngineSnapshot {
  const checkpoint = parseCheckpoint(rows.checkpointState);
  const { positions, equity } = positionViews(checkpoint);
  const { times, values } = equitySeries(rows.equityNewestFirst);
  const history = regimeHistory(rows.regimeChangesNewestFirst);
  const lastChange = history.at(-1);
  const runEnded = rows.run !== undefined && rows.run.ended_at !== null;
  const phase: LoopPhase = context.stopped || runEnded ? 'stopped' : 'running';
  const current = checkpoint.regime.current;
  return Object.freeze({
    mode: MODES.find((m) => m === rows.run?.mode.toUpperCase()) ?? 'SIM',
    phase,
    iteration: checkpoint.iteration,
    ...runPace(rows.run?.options),
    marketTime: checkpoint.marketTime,
    cash: checkpoint.cash,
    equity: Object.freeze({
      times,
      values,
      capacity: WATCH_LIMITS.equityPoints,
      start: rows.startingCash,
      current: equity,
      maxDrawdown: isFiniteNumber(checkpoint.maxDrawdown) ? checkpoint.maxDrawdown : 0,
    }),
    positions,
    regime: Object.freeze({
      current,
      // The checkpoint does not keep the confidence; the change into the current regime does.
      confidence: lastChange !== undefined && lastChange.to === current ? lastChange.confidence : 0,
      since: checkpoint.regime.since,
      bars: checkpoint.regime.bars,
      history,
      params: PARAMS_BY_REGIME[current],
      ...regimeDetails(checkpoint.regime),
    }),
    downloads: NO_DOWNLOADS,
    events: eventViews(rows.eventsNewestFirst),
    memory: context.memory,
    trades: isFiniteNumber(checkpoint.trades) ? checkpoint.trades : 0,
    realizedPnl: isFiniteNumber(checkpoint.realizedPnl) ? checkpoint.realizedPnl : 0,
    haltReason: typeof checkpoint.risk?.haltReason === 'string' ? checkpoint.risk.haltReason : null,
  });
}

/** Before the bot has saved its first checkpoint. */
export function emptyWatchSnapshot(context: WatchContext): EngineSnapshot {
  return Object.freeze({
    mode: 'SIM',
    phase: context.stopped ? 'stopped' : 'starting',
    iteration: 0,
    iterations: null,
    intervalMs: 0,
    marketTime: Number.NaN,
    cash: 0,
    equity: Object.freeze({
      times: new Float64Array(0),
      values: new Float64Array(0),
      capacity: WATCH_LIMITS.equityPoints,
      start: 0,
      current: 0,
      maxDrawdown: 0,
    }),
    positions: Object.freeze([]),
    regime: Object.freeze({
      current: 'range',
      confidence: 0,
      since: Number.NaN,
      bars: 0,
      history: Object.freeze([]),
      params: PARAMS_BY_REGIME.range,
    }),
    downloads: NO_DOWNLOADS,
    events: Object.freeze([]),
    memory: context.memory,
    trades: 0,
    realizedPnl: 0,
    haltReason: null,
  });
}
