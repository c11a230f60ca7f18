/** Starting a run on the database: a new portfolio, or the saved one to continue. */
import type { Checkpoint } from '../engine/checkpoint.js';
import type { EngineEvent, EngineEventKind, RegimeChange } from '../engine/snapshot.js';
import type { ResumeState } from '../engine/trading-record.js';
import type { RegimeName } from '../core/regime-types.js';
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

export async function beginRun(connection: SqliteConnection, run: RunDescription): Promise<StartedRun> {
  const now = run.now ?? Date.now();
  const latest = run.fresh
    ? undefined
    : await connection.get<{ id: number; starting_cash: number }>(
        'SELECT id, starting_cash FROM portfolios ORDER BY id DESC LIMIT 1',
      );
  const portfolioId =
    latest?.id ??
    (await connection.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (?, ?)', [now, run.startingCash]))
      .lastId;
  const startingCash = latest?.starting_cash ?? run.startingCash;
  const resume = latest === undefined ? null : await loadResumeState(connection, portfolioId, run.equityPoints);
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
    checkpoint = JSON.parse(row.state) as Checkpoint;
  } catch {
    throw new StoreError('the saved checkpoint is unreadable; start with --fresh for a new portfolio');
  }
  const runs = `SELECT id FROM runs WHERE portfolio_id = ${Number(portfolioId)}`;
  const equity = await connection.all<{ time: number; equity: number }>(
    `SELECT time, equity FROM equity_points WHERE run_id IN (${runs}) ORDER BY run_id DESC, iteration DESC LIMIT ?`,
    [equityPoints],
  );
  equity.reverse();
  const changes = await connection.all<{
    time: number;
    from_regime: RegimeName;
    to_regime: RegimeName;
    confidence: number;
  }>(
    `SELECT time, from_regime, to_regime, confidence FROM regime_changes WHERE run_id IN (${runs}) ORDER BY id DESC LIMIT 256`,
  );
  changes.reverse();
  const events = await connection.all<{ id: number; time: number; kind: EngineEventKind; message: string }>(
    `SELECT id, time, kind, message FROM events WHERE run_id IN (${runs}) ORDER BY id DESC LIMIT 200`,
  );
  events.reverse();
  const model = await connection.get<{ model: string }>(
    `SELECT model FROM regime_models WHERE run_id IN (${runs}) ORDER BY id DESC LIMIT 1`,
  );
  let regimeModel: unknown;
  try {
    regimeModel = model === undefined ? undefined : JSON.parse(model.model);
  } catch {
    // A damaged model is not a reason to refuse the resume: the detector fits again on the backfill.
    regimeModel = undefined;
  }
  return {
    checkpoint,
    equityTimes: Float64Array.from(equity, (p) => p.time),
    equityValues: Float64Array.from(equity, (p) => p.equity),
    regimeHistory: changes.map((c): RegimeChange => ({
      time: c.time,
      from: c.from_regime,
      to: c.to_regime,
      confidence: c.confidence,
    })),
    events: events.map((e, i): EngineEvent => ({ seq: i + 1, time: e.time, kind: e.kind, message: e.message })),
    ...(regimeModel === undefined ? {} : { regimeModel }),
  };
}
