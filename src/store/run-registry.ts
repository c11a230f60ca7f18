/** Starting a run on the database: a new portfolio, or the saved one to continue. */
import type { Checkpoint } from '../engine/checkpoint.js';
import type { EngineEvent, EngineEventKind, RegimeChange } from '../engine/snapshot.js';
import type { ResumeState } from '../engine/trading-record.js';
import { fillSidesOf } from '../engine/equity-series.js';
import type { RegimeName } from '../core/regime-types.js';
import type { HeldFeatures } from '../core/hmm/detector.js';
import { readCheckpoint, UnreadableCheckpointError } from './checkpoint-reader.js';
import { readNewestRows } from './newest-rows.js';
import { StoreError } from './open-store.js';
import type { SqliteConnection } from './sqlite-connection.js';

export interface RunDescription {
  readonly fresh: boolean;
  readonly startingCash: number;
  readonly mode: string;
  readonly seed: number | null;
  /** The options as given (never credentials). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly version: string;
  readonly equityPoints: number;
  readonly now?: number;
}

export interface StartedRun {
  readonly runId: number;
  readonly portfolioId: number;
  readonly startingCash: number;
  readonly resume: ResumeState | null;
}

/** The portfolio a start would continue (read only: nothing is written until the start is accepted). */
export interface SavedPortfolio {
  /** null: a new portfolio will be made. */
  readonly portfolioId: number | null;
  readonly startingCash: number | null;
  readonly resume: ResumeState | null;
}

export async function findSavedPortfolio(
  connection: SqliteConnection,
  run: Pick<RunDescription, 'fresh' | 'equityPoints'>,
): Promise<SavedPortfolio> {
  const latest = run.fresh
    ? undefined
    : await connection.get<{ id: number; starting_cash: number }>(
        'SELECT id, starting_cash FROM portfolios ORDER BY id DESC LIMIT 1',
      );
  if (latest === undefined) return { portfolioId: null, startingCash: null, resume: null };
  const resume = await loadResumeState(connection, latest.id, run.equityPoints);
  return { portfolioId: latest.id, startingCash: latest.starting_cash, resume };
}

export async function beginRun(connection: SqliteConnection, run: RunDescription): Promise<StartedRun> {
  return recordRunStart(connection, await findSavedPortfolio(connection, run), run);
}

/** Writes the run's start (and a new portfolio), once the start is accepted. */
export async function recordRunStart(
  connection: SqliteConnection,
  saved: SavedPortfolio,
  run: RunDescription,
): Promise<StartedRun> {
  const now = run.now ?? Date.now();
  const portfolioId =
    saved.portfolioId ??
    (await connection.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (?, ?)', [now, run.startingCash]))
      .lastId;
  const startingCash = saved.startingCash ?? run.startingCash;
  const resume = saved.resume;
  const { lastId: runId } = await connection.run(
    'INSERT INTO runs (portfolio_id, started_at, mode, seed, options, version) VALUES (?, ?, ?, ?, ?, ?)',
    [portfolioId, now, run.mode, run.seed, JSON.stringify(run.options), run.version],
  );
  return { runId, portfolioId, startingCash, resume };
}

async function loadResumeState(
  connection: SqliteConnection,
  portfolioId: number,
  equityPoints: number,
): Promise<ResumeState | null> {
  const row = await connection.get<{ state: string }>('SELECT state FROM checkpoints WHERE portfolio_id = ?', [
    portfolioId,
  ]);
  if (row === undefined) return null;
  let checkpoint: Checkpoint;
  try {
    checkpoint = readCheckpoint(row.state);
  } catch (error) {
    if (!(error instanceof UnreadableCheckpointError)) throw error;
    throw new StoreError(
      `the saved checkpoint is unreadable (${error.message}); start with --fresh for a new portfolio`,
    );
  }
  const newest = await readNewestRows((sql, params) => connection.all(sql, params), portfolioId, equityPoints);
  const equity = [...newest.equityNewestFirst].reverse();
  const equityTimes = Float64Array.from(equity, (p) => p.time);
  const changes = [...newest.regimeChangesNewestFirst].reverse();
  const events = [...newest.eventsNewestFirst].reverse();
  const regimeModel = await newestRegimeModel(connection, portfolioId);
  const regimeFeatures = await heldRegimeFeatures(connection, portfolioId, checkpoint.regime.detector?.bars);
  return {
    checkpoint,
    equityTimes,
    equityValues: Float64Array.from(equity, (p) => p.equity),
    equityFillSides: fillSidesOf(equityTimes, newest.fillSidesInEquitySpan),
    regimeHistory: changes.map((c): RegimeChange => ({
      time: c.time,
      from: c.from_regime as RegimeName,
      to: c.to_regime as RegimeName,
      confidence: c.confidence,
    })),
    events: events.map((e, i): EngineEvent => ({
      seq: i + 1,
      time: e.time,
      kind: e.kind as EngineEventKind,
      message: e.message,
    })),
    ...(regimeModel === undefined ? {} : { regimeModel }),
    ...(regimeFeatures === undefined ? {} : { regimeFeatures }),
  };
}

/** The regime detector's saved bars up to the checkpoint's, when they are there without a gap. */
async function heldRegimeFeatures(
  connection: SqliteConnection,
  portfolioId: number,
  newest: number | undefined,
): Promise<HeldFeatures | undefined> {
  if (newest === undefined) return undefined;
  const rows = await connection.all<{ bar: number; features: Buffer }>(
    'SELECT bar, features FROM regime_features WHERE portfolio_id = ? AND bar <= ? ORDER BY bar',
    [portfolioId, newest],
  );
  const first = rows[0];
  if (first === undefined) return undefined;
  const D = first.features.length / Float64Array.BYTES_PER_ELEMENT;
  const values = new Float64Array(rows.length * D);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as { bar: number; features: Buffer };
    if (row.bar !== first.bar + i || row.features.length !== D * Float64Array.BYTES_PER_ELEMENT) return undefined;
    values.set(
      new Float64Array(
        row.features.buffer.slice(row.features.byteOffset, row.features.byteOffset + row.features.length),
      ),
      i * D,
    );
  }
  if (first.bar + rows.length - 1 !== newest) return undefined;
  return { first: first.bar, count: rows.length, values };
}

/** The newest saved regime model of the portfolio's runs, as parsed JSON (the engine validates it). */
async function newestRegimeModel(connection: SqliteConnection, portfolioId: number): Promise<unknown> {
  const row = await connection.get<{ model: string }>(
    'SELECT model FROM regime_models WHERE run_id IN (SELECT id FROM runs WHERE portfolio_id = ?) ORDER BY id DESC LIMIT 1',
    [portfolioId],
  );
  if (row === undefined) return undefined;
  try {
    return JSON.parse(row.model);
  } catch {
    // A damaged model is no reason to refuse the resume: the detector fits again on the backfill.
    return undefined;
  }
}
